// Keras semantics, checked against TensorFlow.js itself: same initial weights, shuffle off.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Dense, SGD, Sequential } from '../src/index';
import { halvesDataset, maxRelativeError } from './support/data';

await tf.setBackend('cpu');

const cases = [
  { loss: 'binaryCrossentropy', batchSize: 32 },
  { loss: 'meanSquaredError', batchSize: 32 },
  { loss: 'binaryCrossentropy', batchSize: 100 },
] as const;

describe('agreement with TensorFlow.js', () => {
  for (const { loss, batchSize } of cases) {
    it(`matches TF.js's loss history and weights after 5 epochs of ${loss}, batch ${batchSize} of 100 rows, within 1e-5`, async () => {
      const { x, y } = halvesDataset(100, 40, 9);
      const ours = new Sequential([
        new Dense({ units: 25, activation: 'sigmoid', inputDim: 40 }),
        new Dense({ units: 15, activation: 'sigmoid' }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ]);
      await ours.compile({ loss, optimizer: new SGD({ learningRate: 0.5 }), backend: 'cpu', seed: 3 });
      const initial = await ours.getWeights();

      const theirs = tf.sequential({
        layers: [
          tf.layers.dense({ units: 25, activation: 'sigmoid', inputShape: [40] }),
          tf.layers.dense({ units: 15, activation: 'sigmoid' }),
          tf.layers.dense({ units: 1, activation: 'sigmoid' }),
        ],
      });
      theirs.setWeights(initial.map((w, i) => tf.tensor(w, theirs.getWeights()[i].shape)));
      theirs.compile({ loss, optimizer: tf.train.sgd(0.5) });

      const ourHistory = await ours.fit(x, y, { epochs: 5, batchSize, shuffle: false });
      const xs = tf.tensor2d(x.data, x.shape);
      const ys = tf.tensor2d(y.data, y.shape);
      const theirHistory = await theirs.fit(xs, ys, { epochs: 5, batchSize, shuffle: false, verbose: 0 });

      expect(maxRelativeError(ourHistory.loss, theirHistory.history.loss as number[])).toBeLessThan(1e-5);
      const theirWeights = theirs.getWeights().map((t) => t.dataSync() as Float32Array);
      const ourWeights = await ours.getWeights();
      ourWeights.forEach((w, i) => expect(maxRelativeError(w, theirWeights[i])).toBeLessThan(1e-5));
      const theirEval = (theirs.evaluate(xs, ys) as tf.Scalar).dataSync()[0];
      expect(maxRelativeError([(await ours.evaluate(x, y)).loss], [theirEval])).toBeLessThan(1e-5);
      tf.dispose([xs, ys]);
      theirs.dispose();
    });
  }
});
