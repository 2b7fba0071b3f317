// The demo's two modes: which digits the network learns, from which files, with which output, loss, optimizer and
// defaults. Plain data, read by the page and by the training worker.
import binaryTestUrl from './data/binary-test.u8?url';
import binaryTrainUrl from './data/binary-train.u8?url';
import tenTestUrl from './data/ten-test.u8?url';
import tenTrainUrl from './data/ten-train.u8?url';
import type { HiddenActivation } from './network';

export type ModeName = 'binary' | 'ten';

export interface Mode {
  /** The page's heading. */
  title: string;
  /** What the network learns and how, for the page's header after the network's layers. */
  summary: string;
  /** What to draw, and what the page shows for it. */
  drawHint: string;
  trainUrl: string;
  testUrl: string;
  /** The output layer, after the hidden layers the user picks. */
  output: { units: number; activation: 'sigmoid' | 'softmax' };
  loss: 'binaryCrossentropy' | 'sparseCategoricalCrossentropy';
  optimizer: 'sgd' | 'adam';
  defaults: { epochs: number; learningRate: number; batchSize: number; units: number[]; activation: HiddenActivation };
}

export const MODES: Record<ModeName, Mode> = {
  // The lesson's network: one sigmoid output, P(digit is 1).
  binary: {
    title: '0 or 1?',
    summary: 'learns to tell handwritten zeros from ones: binary cross-entropy, SGD.',
    drawHint: 'Draw a 0 or a 1. P(1) appears once a model is trained.',
    trainUrl: binaryTrainUrl,
    testUrl: binaryTestUrl,
    output: { units: 1, activation: 'sigmoid' },
    loss: 'binaryCrossentropy',
    optimizer: 'sgd',
    defaults: { epochs: 10, learningRate: 0.5, batchSize: 32, units: [25, 15], activation: 'sigmoid' },
  },
  // All ten digits: a softmax over the classes, trained on class indices.
  ten: {
    title: 'Which digit?',
    summary: 'learns all ten digits: sparse categorical cross-entropy, Adam.',
    drawHint: 'Draw a digit, 0 to 9. Its ten probabilities appear once a model is trained.',
    trainUrl: tenTrainUrl,
    testUrl: tenTestUrl,
    output: { units: 10, activation: 'softmax' },
    loss: 'sparseCategoricalCrossentropy',
    optimizer: 'adam',
    defaults: { epochs: 8, learningRate: 0.003, batchSize: 64, units: [25, 15], activation: 'relu' },
  },
};
