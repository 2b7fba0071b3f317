// Keras semantics, checked against TensorFlow.js itself: same initial weights, shuffle off, same fit options.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Adam, Dense, type FitOptions, type Optimizer, RMSprop, SGD, Sequential } from '../src/index';
import type { ActivationName } from '../src/index';
import type { LossName } from '../src/model/losses';
import type { Matrix } from '../src/matrix';
import { batchesOf } from './support/batches';
import { halvesDataset, maxRelativeError, randomMatrix } from './support/data';

await tf.setBackend('cpu');

interface Case {
  name: string;
  layers: [units: number, activation: ActivationName][];
  loss: LossName;
  optimizer: () => [Optimizer, tf.Optimizer];
  labels: 'binary' | 'oneHot' | 'sparse';
  fit: Pick<FitOptions, 'epochs' | 'initialEpoch' | 'batchSize' | 'validationSplit'>;
  metrics?: boolean;
}

const sigmoidNet: Case['layers'] = [[25, 'sigmoid'], [15, 'sigmoid'], [1, 'sigmoid']];
const classifier: Case['layers'] = [[12, 'relu'], [8, 'tanh'], [3, 'softmax']];

const cases: Case[] = [
  { name: 'the lesson network, binary cross-entropy, SGD, batch 32', layers: sigmoidNet, loss: 'binaryCrossentropy', optimizer: () => [new SGD({ learningRate: 0.5 }), tf.train.sgd(0.5)], labels: 'binary', fit: { epochs: 5, batchSize: 32 } },
  { name: 'the lesson network, mean squared error, SGD, batch 32', layers: sigmoidNet, loss: 'meanSquaredError', optimizer: () => [new SGD({ learningRate: 0.5 }), tf.train.sgd(0.5)], labels: 'binary', fit: { epochs: 5, batchSize: 32 } },
  { name: 'the lesson network, full batch', layers: sigmoidNet, loss: 'binaryCrossentropy', optimizer: () => [new SGD({ learningRate: 0.5 }), tf.train.sgd(0.5)], labels: 'binary', fit: { epochs: 5, batchSize: 100 } },
  { name: 'Adam (Keras defaults) with accuracy and validationSplit 0.2', layers: sigmoidNet, loss: 'binaryCrossentropy', optimizer: () => [new Adam(), tf.train.adam(0.001, 0.9, 0.999, 1e-7)], labels: 'binary', fit: { epochs: 4, batchSize: 16, validationSplit: 0.2 }, metrics: true },
  { name: 'RMSprop (Keras defaults), relu and tanh layers, mean squared error', layers: [[10, 'relu'], [6, 'tanh'], [1, 'linear']], loss: 'meanSquaredError', optimizer: () => [new RMSprop(), tf.train.rmsprop(0.001, 0.9, 0, 1e-7)], labels: 'binary', fit: { epochs: 4, batchSize: 16 } },
  { name: 'softmax with categorical cross-entropy, Adam, accuracy and validationData', layers: classifier, loss: 'categoricalCrossentropy', optimizer: () => [new Adam({ learningRate: 0.01 }), tf.train.adam(0.01, 0.9, 0.999, 1e-7)], labels: 'oneHot', fit: { epochs: 4, batchSize: 32 }, metrics: true },
  { name: 'softmax with sparse categorical cross-entropy, SGD, accuracy, initialEpoch 2', layers: classifier, loss: 'sparseCategoricalCrossentropy', optimizer: () => [new SGD({ learningRate: 0.3 }), tf.train.sgd(0.3)], labels: 'sparse', fit: { epochs: 5, initialEpoch: 2, batchSize: 32 }, metrics: true },
];

/** Three classes by which third of the features is brightest. */
function labelsFor(kind: Case['labels'], x: Matrix, binary: Matrix): Matrix {
  if (kind === 'binary') return binary;
  const [rows, cols] = x.shape;
  const classes = Array.from({ length: rows }, (_, r) => {
    const sums = [0, 0, 0];
    for (let c = 0; c < cols; c++) sums[Math.floor((3 * c) / cols)] += x.data[r * cols + c];
    return sums.indexOf(Math.max(...sums));
  });
  if (kind === 'sparse') return { shape: [rows, 1], data: Float32Array.from(classes) };
  const data = new Float32Array(rows * 3);
  classes.forEach((c, r) => (data[r * 3 + c] = 1));
  return { shape: [rows, 3], data };
}

describe('agreement with TensorFlow.js', () => {
  for (const c of cases) {
    it(`matches TF.js's history and weights within 1e-5: ${c.name}`, async () => {
      const { x, y: binary } = halvesDataset(100, 40, 9);
      const y = labelsFor(c.labels, x, binary);
      const validation = c.name.includes('validationData') ? { x: randomMatrix(30, 40, 4, 0, 1) } : undefined;
      const validationY = validation && labelsFor(c.labels, validation.x, binary);
      const [ourOptimizer, theirOptimizer] = c.optimizer();

      const ours = new Sequential(c.layers.map(([units, activation], i) => new Dense({ units, activation, inputDim: i === 0 ? 40 : undefined })));
      await ours.compile({ loss: c.loss, optimizer: ourOptimizer, backend: 'cpu', seed: 3, metrics: c.metrics ? ['accuracy'] : undefined });
      const initial = await ours.getWeights();

      const theirs = tf.sequential({
        layers: c.layers.map(([units, activation], i) => tf.layers.dense({ units, activation, inputShape: i === 0 ? [40] : undefined })),
      });
      theirs.setWeights(initial.map((w, i) => tf.tensor(w, theirs.getWeights()[i].shape)));
      theirs.compile({ loss: c.loss, optimizer: theirOptimizer, metrics: c.metrics ? ['accuracy'] : undefined });

      const options = { ...c.fit, shuffle: false };
      const ourHistory = await ours.fit(x, y, { ...options, validationData: validation && [validation.x, validationY!] });
      const xs = tf.tensor2d(x.data, x.shape);
      const ys = tf.tensor2d(y.data, y.shape);
      const theirValidation = validation && [tf.tensor2d(validation.x.data, validation.x.shape), tf.tensor2d(validationY!.data, validationY!.shape)];
      const theirHistory = await theirs.fit(xs, ys, { ...options, verbose: 0, validationData: theirValidation as [tf.Tensor, tf.Tensor] | undefined });

      expect(ourHistory.epoch).toEqual(theirHistory.epoch);
      const columns: [string, string][] = [['loss', 'loss'], ['accuracy', 'acc'], ['val_loss', 'val_loss'], ['val_accuracy', 'val_acc']];
      for (const [ourKey, theirKey] of columns) {
        expect(ourHistory[ourKey] === undefined, `history.${ourKey}`).toBe(theirHistory.history[theirKey] === undefined);
        if (ourHistory[ourKey]) expect(maxRelativeError(ourHistory[ourKey]!, theirHistory.history[theirKey] as number[]), ourKey).toBeLessThan(1e-5);
      }
      const theirWeights = theirs.getWeights().map((t) => t.dataSync() as Float32Array);
      (await ours.getWeights()).forEach((w, i) => expect(maxRelativeError(w, theirWeights[i])).toBeLessThan(1e-5));
      const theirEval = (theirs.evaluate(xs, ys) as tf.Scalar[] | tf.Scalar);
      const theirLoss = (Array.isArray(theirEval) ? theirEval[0] : theirEval).dataSync()[0];
      expect(maxRelativeError([(await ours.evaluate(x, y)).loss], [theirLoss])).toBeLessThan(1e-5);
      tf.dispose([xs, ys, ...(theirValidation ?? [])]);
      theirs.dispose();
    });
  }
});

describe('fitDataset, against TensorFlow.js', () => {
  it("matches TF.js's fitDataset within 1e-5: batches of 20 from an iterable, the last of 10, validation batches, Adam, accuracy: history and weights", async () => {
    const { x, y } = halvesDataset(90, 40, 21);
    const valid = halvesDataset(40, 40, 22);
    const ours = new Sequential(sigmoidNet.map(([units, activation], i) => new Dense({ units, activation, inputDim: i === 0 ? 40 : undefined })));
    await ours.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.01 }), metrics: ['accuracy'], backend: 'cpu', seed: 5 });
    const initial = await ours.getWeights();
    const theirs = tf.sequential({ layers: sigmoidNet.map(([units, activation], i) => tf.layers.dense({ units, activation, inputShape: i === 0 ? [40] : undefined })) });
    theirs.setWeights(initial.map((w, i) => tf.tensor(w, theirs.getWeights()[i].shape)));
    theirs.compile({ loss: 'binaryCrossentropy', optimizer: tf.train.adam(0.01, 0.9, 0.999, 1e-7), metrics: ['accuracy'] });

    const batches = (m: { x: Matrix; y: Matrix }) => batchesOf(m.x, m.y, 20);
    const tensors = (m: { x: Matrix; y: Matrix }) => tf.data.array(batches(m).map((b) => ({ xs: tf.tensor2d(b.xs.data, b.xs.shape), ys: tf.tensor2d(b.ys.data, b.ys.shape) })));
    const ourHistory = await ours.fitDataset(batches({ x, y }), { epochs: 4, validationData: batches(valid) });
    const theirHistory = await theirs.fitDataset(tensors({ x, y }), { epochs: 4, validationData: tensors(valid), verbose: 0 });

    expect(ourHistory.epoch).toEqual(theirHistory.epoch);
    for (const [ourKey, theirKey] of [['loss', 'loss'], ['accuracy', 'acc'], ['val_loss', 'val_loss'], ['val_accuracy', 'val_acc']]) {
      expect(maxRelativeError(ourHistory[ourKey]!, theirHistory.history[theirKey] as number[]), ourKey).toBeLessThan(1e-5);
    }
    const theirWeights = theirs.getWeights().map((t) => t.dataSync() as Float32Array);
    (await ours.getWeights()).forEach((w, i) => expect(maxRelativeError(w, theirWeights[i])).toBeLessThan(1e-5));
    theirs.dispose();
  });
});
