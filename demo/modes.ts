// The demo's two modes: which digits the network learns, from which files, with which network and defaults.
import { Adam, BinaryCrossentropy, Dense, type Loss, type Optimizer, SGD, SparseCategoricalCrossentropy } from '../src/index';
import binaryTestUrl from './data/binary-test.u8?url';
import binaryTrainUrl from './data/binary-train.u8?url';
import tenTestUrl from './data/ten-test.u8?url';
import tenTrainUrl from './data/ten-train.u8?url';

export type ModeName = 'binary' | 'ten';

export interface Mode {
  /** The page's heading. */
  title: string;
  /** The network and what it learns, for the page's header. */
  summary: string;
  /** What to draw, and what the page shows for it. */
  drawHint: string;
  trainUrl: string;
  testUrl: string;
  defaults: { epochs: number; learningRate: number; batchSize: number };
  layers(): Dense[];
  loss(): Loss;
  optimizer(learningRate: number): Optimizer;
}

export const MODES: Record<ModeName, Mode> = {
  // The lesson's network: one sigmoid output, P(digit is 1).
  binary: {
    title: '0 or 1?',
    summary: 'A 400 → 25 → 15 → 1 sigmoid network learns to tell handwritten zeros from ones: binary cross-entropy, SGD.',
    drawHint: 'Draw a 0 or a 1. P(1) appears once a model is trained.',
    trainUrl: binaryTrainUrl,
    testUrl: binaryTestUrl,
    defaults: { epochs: 10, learningRate: 0.5, batchSize: 32 },
    layers: () => [
      new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }),
      new Dense({ units: 15, activation: 'sigmoid' }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ],
    loss: () => new BinaryCrossentropy(),
    optimizer: (learningRate) => new SGD({ learningRate }),
  },
  // All ten digits: a softmax over the classes, trained on class indices.
  ten: {
    title: 'Which digit?',
    summary: 'A 400 → 25 relu → 15 relu → 10 softmax network learns all ten digits: sparse categorical cross-entropy, Adam.',
    drawHint: 'Draw a digit, 0 to 9. Its ten probabilities appear once a model is trained.',
    trainUrl: tenTrainUrl,
    testUrl: tenTestUrl,
    defaults: { epochs: 8, learningRate: 0.003, batchSize: 64 },
    layers: () => [
      new Dense({ units: 25, activation: 'relu', inputDim: 400 }),
      new Dense({ units: 15, activation: 'relu' }),
      new Dense({ units: 10, activation: 'softmax' }),
    ],
    loss: () => new SparseCategoricalCrossentropy(),
    optimizer: (learningRate) => new Adam({ learningRate }),
  },
};
