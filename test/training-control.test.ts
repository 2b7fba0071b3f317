// Training control on the CPU reference: against TensorFlow.js 4.22 from the same weights where it has the feature
// (classWeight, EarlyStopping's stopping epoch, tf.metrics), and against Keras's formulas worked out here where it
// does not (the schedules, ReduceLROnPlateau, sampleWeight, AUC, top-k). The GPU runs the same against the CPU in
// the shared GPU checks (checks/control-checks.ts).
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import {
  Adam,
  Callback,
  CosineDecay,
  Dense,
  EarlyStopping,
  type EpochLogs,
  ExponentialDecay,
  InverseTimeDecay,
  LearningRateScheduler,
  PiecewiseConstantDecay,
  PolynomialDecay,
  ReduceLROnPlateau,
  SGD,
  Sequential,
  TerminateOnNaN,
} from '../src/index';
import type { Matrix } from '../src/matrix';
import { halvesDataset, maxRelativeError, randomMatrix } from './support/data';
import { rejection } from './support/rejection';

await tf.setBackend('cpu');

const flat = (weights: Float32Array[]) => weights.flatMap((w) => Array.from(w));

async function lessonModel(optimizer: SGD | Adam = new SGD({ learningRate: 0.5 }), seed = 3, metrics: string[] = []) {
  const model = new Sequential([new Dense({ units: 8, activation: 'sigmoid', inputDim: 20 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer, metrics, backend: 'cpu', seed });
  return model;
}

/** TF.js's twin of a model: the same layers and, matched by position, the same weights. */
function twin(ours: Float32Array[], units: [number, string][], inputs: number) {
  const theirs = tf.sequential({ layers: units.map(([u, activation], i) => tf.layers.dense({ units: u, activation: activation as 'sigmoid', inputShape: i === 0 ? [inputs] : undefined })) });
  theirs.setWeights(ours.map((w, i) => tf.tensor(w, theirs.getWeights()[i].shape)));
  return theirs;
}

/** Binary cross-entropy of one output as Keras computes it (ε = 1e-7 clipping). */
const bce = (a: number, y: number) => {
  const p = Math.min(Math.max(a, 1e-7), 1 - 1e-7);
  return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
};

describe('learning-rate schedules (Keras 3 formulas)', () => {
  it('give the rates of Keras 3 formulas, worked by hand, at chosen steps', () => {
    const cases: [string, { at(step: number): number }, number, number][] = [
      ['ExponentialDecay', new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }), 15, 0.1 * 0.5 ** 1.5],
      ['ExponentialDecay staircase', new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), 15, 0.05],
      ['InverseTimeDecay', new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }), 15, 0.1 / 1.75],
      ['InverseTimeDecay staircase', new InverseTimeDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), 15, 0.1 / 1.5],
      ['PiecewiseConstantDecay at a boundary', new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }), 10, 1],
      ['PiecewiseConstantDecay past it', new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }), 11, 0.5],
      ['PiecewiseConstantDecay past the last', new PiecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] }), 21, 0.1],
      ['CosineDecay halfway', new CosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1 }), 50, 0.1 * (0.9 * 0.5 + 0.1)],
      ['CosineDecay past the end', new CosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1 }), 500, 0.01],
      ['CosineDecay in the warm-up', new CosineDecay({ initialLearningRate: 0.1, decaySteps: 100, warmupTarget: 0.2, warmupSteps: 10 }), 5, 0.15],
      ['CosineDecay after the warm-up', new CosineDecay({ initialLearningRate: 0.1, decaySteps: 100, alpha: 0.1, warmupTarget: 0.2, warmupSteps: 10 }), 60, 0.2 * 0.55],
      ['PolynomialDecay', new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01, power: 2 }), 50, 0.09 * 0.25 + 0.01],
      ['PolynomialDecay held at the end', new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01 }), 150, 0.01],
      ['PolynomialDecay cycling', new PolynomialDecay({ initialLearningRate: 0.1, decaySteps: 100, endLearningRate: 0.01, power: 2, cycle: true }), 150, 0.09 * 0.25 ** 2 + 0.01],
    ];
    for (const [name, schedule, step, expected] of cases) expect(schedule.at(step), name).toBeCloseTo(expected, 12);
  });

  it('train step by step as the same optimizer does with its learningRate set to the schedule before each step (Adam, 6 steps)', async () => {
    const { x, y } = halvesDataset(60, 20, 4);
    const schedule = new CosineDecay({ initialLearningRate: 0.05, decaySteps: 4, alpha: 0.2, warmupTarget: 0.1, warmupSteps: 2 });
    const scheduled = await lessonModel(new Adam({ learningRate: schedule }));
    await scheduled.fit(x, y, { epochs: 6, batchSize: 60, shuffle: false });
    const stepped = await lessonModel(new Adam({ learningRate: 0.05 }));
    for (let step = 0; step < 6; step++) {
      stepped.optimizer!.learningRate = schedule.at(step);
      await stepped.fit(x, y, { epochs: 1, batchSize: 60, shuffle: false });
    }
    expect(maxRelativeError(flat(await scheduled.getWeights()), flat(await stepped.getWeights()))).toBeLessThan(1e-6);
  });
});

describe('sample and class weights', () => {
  const { x, y } = halvesDataset(40, 20, 5);

  it('weigh the loss as Keras does, Σ w · L ÷ rows, in evaluate; weighted metrics are Σ w · v ÷ Σ w and the others unweighted', async () => {
    const model = new Sequential([new Dense({ units: 8, activation: 'sigmoid', inputDim: 20 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await model.compile({ loss: 'binaryCrossentropy', metrics: ['accuracy'], weightedMetrics: ['accuracy', 'mse'], backend: 'cpu', seed: 3 });
    const w = randomMatrix(40, 1, 6, 0, 3).data;
    const a = (await model.predict(x)).data;
    const scores = await model.evaluate(x, y, { sampleWeight: w });
    let [loss, weighted, plain, squared, total] = [0, 0, 0, 0, 0];
    for (let r = 0; r < 40; r++) {
      const correct = Number((a[r] > 0.5 ? 1 : 0) === y.data[r]);
      loss += w[r] * bce(a[r], y.data[r]);
      weighted += w[r] * correct;
      plain += correct;
      squared += w[r] * (a[r] - y.data[r]) ** 2;
      total += w[r];
    }
    expect(Object.keys(scores)).toEqual(['loss', 'accuracy', 'weighted_accuracy', 'mse']);
    expect(scores.loss).toBeCloseTo(loss / 40, 6);
    expect(scores.accuracy).toBeCloseTo(plain / 40, 6);
    expect(scores.weighted_accuracy).toBeCloseTo(weighted / total, 6);
    expect(scores.mse).toBeCloseTo(squared / total, 6);
  });

  it('scale the gradient: weights all 2 train as twice the learning rate, and weights 0 leave their rows out', async () => {
    const twice = await lessonModel(new SGD({ learningRate: 0.2 }));
    const history = await twice.fit(x, y, { epochs: 3, batchSize: 40, shuffle: false, sampleWeight: new Float32Array(40).fill(2) });
    const doubled = await lessonModel(new SGD({ learningRate: 0.4 }));
    const plain = await doubled.fit(x, y, { epochs: 3, batchSize: 40, shuffle: false });
    expect(maxRelativeError(flat(await twice.getWeights()), flat(await doubled.getWeights()))).toBeLessThan(1e-6);
    expect(maxRelativeError(history.loss, plain.loss.map((l) => 2 * l))).toBeLessThan(1e-6);

    // Rows of weight 0 add nothing; the others' sum is still divided by all 40 rows: the kept 25 at 25/40 the rate.
    const kept = Array.from({ length: 40 }, (_, r) => r % 8 < 5);
    const masked = await lessonModel(new SGD({ learningRate: 0.4 }));
    await masked.fit(x, y, { epochs: 3, batchSize: 40, shuffle: false, sampleWeight: kept.map(Number) });
    const rows = (m: Matrix) => ({ shape: [25, m.shape[1]] as [number, number], data: m.data.filter((_, i) => kept[Math.floor(i / m.shape[1])]) });
    const subset = await lessonModel(new SGD({ learningRate: (0.4 * 25) / 40 }));
    await subset.fit(rows(x), rows(y), { epochs: 3, batchSize: 25, shuffle: false });
    expect(maxRelativeError(flat(await masked.getWeights()), flat(await subset.getWeights()))).toBeLessThan(1e-6);
  });

  it("classWeight matches TF.js's history and weights within 1e-5 (SGD, batches of 16, accuracy unweighted in both)", async () => {
    const ours = await lessonModel(new SGD({ learningRate: 0.5 }), 3, ['accuracy']);
    const theirs = twin(await ours.getWeights(), [[8, 'sigmoid'], [1, 'sigmoid']], 20);
    theirs.compile({ loss: 'binaryCrossentropy', optimizer: tf.train.sgd(0.5), metrics: ['accuracy'] });
    const classWeight = { 0: 1, 1: 3.5 };
    const history = await ours.fit(x, y, { epochs: 4, batchSize: 16, shuffle: false, classWeight });
    const their = await theirs.fit(tf.tensor2d(x.data, x.shape), tf.tensor2d(y.data, y.shape), { epochs: 4, batchSize: 16, shuffle: false, classWeight, verbose: 0 });
    expect(maxRelativeError(history.loss, their.history.loss as number[])).toBeLessThan(1e-5);
    expect(maxRelativeError(history.accuracy, their.history.acc as number[])).toBeLessThan(1e-5);
    const theirWeights = theirs.getWeights().flatMap((t) => Array.from(t.dataSync()));
    expect(maxRelativeError(flat(await ours.getWeights()), theirWeights)).toBeLessThan(1e-5);
  });

  it('classWeight takes each row’s class from its label (rounded, or the argmax of one-hot rows); a class not named weighs 1', async () => {
    const model = new Sequential([new Dense({ units: 3, activation: 'softmax', inputDim: 2 })]);
    await model.compile({ loss: 'categoricalCrossentropy', optimizer: new SGD({ learningRate: 0.1 }), backend: 'cpu', seed: 1 });
    const xs = [[1, 0], [0, 1], [1, 1]];
    const ys = [[1, 0, 0], [0, 0, 1], [0, 1, 0]];
    const byClass = await model.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false, classWeight: { 0: 2, 2: 0.5 } });
    const model2 = new Sequential([new Dense({ units: 3, activation: 'softmax', inputDim: 2 })]);
    await model2.compile({ loss: 'categoricalCrossentropy', optimizer: new SGD({ learningRate: 0.1 }), backend: 'cpu', seed: 1 });
    const byRow = await model2.fit(xs, ys, { epochs: 1, batchSize: 3, shuffle: false, sampleWeight: [2, 0.5, 1] });
    expect(byClass.loss[0]).toBeCloseTo(byRow.loss[0], 7);
  });
});

/** Records the weights at the end of every epoch. */
class WeightsRecorder extends Callback {
  readonly weights: number[][] = [];
  override async onEpochEnd(): Promise<void> {
    this.weights.push(flat(await this.model.getWeights()));
  }
}

describe('callbacks', () => {
  const { x, y } = halvesDataset(60, 20, 7);
  const validation = halvesDataset(40, 20, 8);

  it("EarlyStopping stops at TF.js's epoch: patience 2 on the loss in mode max (3 epochs) and on val_loss with minDelta 0.02", async () => {
    for (const [options, expected] of [
      [{ monitor: 'loss', mode: 'max' as const, patience: 2 }, 3],
      [{ monitor: 'val_loss', minDelta: 0.02, patience: 1 }, undefined],
    ] as const) {
      const ours = await lessonModel();
      const theirs = twin(await ours.getWeights(), [[8, 'sigmoid'], [1, 'sigmoid']], 20);
      theirs.compile({ loss: 'binaryCrossentropy', optimizer: tf.train.sgd(0.5) });
      const history = await ours.fit(x, y, { epochs: 30, batchSize: 20, shuffle: false, validationData: [validation.x, validation.y], callbacks: [new EarlyStopping(options)] });
      const their = await theirs.fit(tf.tensor2d(x.data, x.shape), tf.tensor2d(y.data, y.shape), {
        epochs: 30, batchSize: 20, shuffle: false, verbose: 0,
        validationData: [tf.tensor2d(validation.x.data, validation.x.shape), tf.tensor2d(validation.y.data, validation.y.shape)],
        callbacks: tf.callbacks.earlyStopping(options),
      });
      expect(history.epoch.length, options.monitor).toBe(their.epoch.length);
      if (expected) expect(history.epoch.length).toBe(expected);
      expect(history.epoch.length).toBeLessThan(30);
      expect(maxRelativeError(history.val_loss, their.history.val_loss as number[])).toBeLessThan(1e-5);
    }
  });

  it('EarlyStopping with restoreBestWeights ends with the best epoch’s weights, whether it stopped early or ran out of epochs', async () => {
    // Validation labels opposite to the training rule: val_loss rises as training learns, after a first dip.
    const opposite = { shape: validation.y.shape, data: validation.y.data.map((v) => 1 - v) };
    for (const patience of [1, 50]) {
      const model = await lessonModel(new SGD({ learningRate: 0.5 }));
      const recorder = new WeightsRecorder();
      const stopping = new EarlyStopping({ monitor: 'val_loss', patience, restoreBestWeights: true });
      const history = await model.fit(x, y, { epochs: 12, batchSize: 10, validationData: [validation.x, opposite], callbacks: [recorder, stopping] });
      const best = history.val_loss.indexOf(Math.min(...history.val_loss));
      expect(best, 'a run whose best epoch is not its last').toBeLessThan(history.epoch.length - 1);
      expect(stopping.bestEpoch).toBe(best);
      expect(flat(await model.getWeights())).toEqual(recorder.weights[best]);
      if (patience === 50) expect(history.epoch.length).toBe(12);
    }
  });

  it('EarlyStopping counts an epoch that improves on the best but not on the baseline towards patience (Keras 3)', async () => {
    // mode max on a falling loss: only epoch 0 improves. Without a baseline it resets the wait (stop after epoch 3);
    // with one it does not reach (1e9), the wait counts from epoch 0 (stop after epoch 2).
    for (const [baseline, epochs] of [[undefined, 4], [1e9, 3]] as const) {
      const model = await lessonModel();
      const history = await model.fit(x, y, { epochs: 20, batchSize: 20, callbacks: [new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 3, baseline })] });
      expect(history.epoch.length, `baseline ${baseline}`).toBe(epochs);
    }
  });

  it('ReduceLROnPlateau halves the rate after 2 epochs without improvement, then cools down 1 epoch; learning_rate is each epoch’s rate', async () => {
    // mode max on a falling loss: no epoch after the first improves. Worked by hand from Keras 3's algorithm.
    const expected = [0.1, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125].map(Math.fround);
    const model = await lessonModel(new SGD({ learningRate: 0.1 }));
    const history = await model.fit(x, y, { epochs: 8, batchSize: 20, shuffle: false, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', mode: 'max', patience: 2, factor: 0.5, cooldown: 1 })] });
    expect(history.learning_rate).toEqual(expected);
    expect(model.optimizer!.learningRate).toBeCloseTo(0.0125, 9);
    // The same rates, set at each epoch's beginning, train the same weights.
    const scheduled = await lessonModel(new SGD({ learningRate: 0.1 }));
    const again = await scheduled.fit(x, y, { epochs: 8, batchSize: 20, shuffle: false, callbacks: [new LearningRateScheduler((epoch) => expected[epoch])] });
    expect(again.learning_rate).toEqual(expected);
    expect(maxRelativeError(flat(await scheduled.getWeights()), flat(await model.getWeights()))).toBeLessThan(1e-6);

    const floored = await lessonModel(new SGD({ learningRate: 0.1 }));
    const atMin = await floored.fit(x, y, { epochs: 8, batchSize: 20, shuffle: false, callbacks: [new ReduceLROnPlateau({ monitor: 'loss', mode: 'max', patience: 2, factor: 0.5, cooldown: 1, minLr: 0.03 })] });
    expect(atMin.learning_rate).toEqual([0.1, 0.1, 0.1, 0.05, 0.05, 0.03, 0.03, 0.03].map(Math.fround));
  });

  it('calls the hooks in Keras order, with absolute epochs from initialEpoch, batch logs from each epoch, and the last logs at the end', async () => {
    const calls: string[] = [];
    class Tracer extends Callback {
      override onTrainBegin() { calls.push('trainBegin'); }
      override onEpochBegin(epoch: number) { calls.push(`epochBegin ${epoch}`); }
      override onBatchEnd(batch: number) { calls.push(`batchEnd ${batch}`); }
      override onEpochEnd(epoch: number, logs: EpochLogs) { calls.push(`epochEnd ${epoch} ${Object.keys(logs).join(',')}`); }
      override onTrainEnd(logs?: EpochLogs) { calls.push(`trainEnd ${logs?.loss !== undefined}`); }
    }
    const tracer = new Tracer();
    const model = await lessonModel();
    await model.fit(x, y, { epochs: 4, initialEpoch: 2, batchSize: 30, validationData: [validation.x, validation.y], callbacks: [tracer] });
    expect(calls).toEqual(['trainBegin', 'epochBegin 2', 'batchEnd 0', 'batchEnd 1', 'epochEnd 2 loss,val_loss', 'epochBegin 3', 'batchEnd 0', 'batchEnd 1', 'epochEnd 3 loss,val_loss', 'trainEnd true']);
    expect(tracer.params).toMatchObject({ epochs: 4, steps: 2, samples: 60 });
  });

  it('TerminateOnNaN ends a diverging run with its history instead of DIVERGED', async () => {
    const model = new Sequential([new Dense({ units: 1, inputDim: 20 })]);
    await model.compile({ loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 1e4 }), backend: 'cpu', seed: 1 });
    const history = await model.fit(x, y, { epochs: 50, batchSize: 10, callbacks: [new TerminateOnNaN()] });
    expect(history.epoch.length).toBeLessThan(50);
    expect(Number.isFinite(history.loss.at(-1)!)).toBe(false);
    expect(history.loss.slice(0, -1).every(Number.isFinite)).toBe(true);
  });

  it('validationFreq 2 validates at the 2nd and 4th epochs, with the same values as every epoch’s validation there', async () => {
    const every = await (await lessonModel()).fit(x, y, { epochs: 5, batchSize: 20, shuffle: false, validationData: [validation.x, validation.y] });
    const second = await (await lessonModel()).fit(x, y, { epochs: 5, batchSize: 20, shuffle: false, validationData: [validation.x, validation.y], validationFreq: 2 });
    expect(second.val_loss).toEqual([every.val_loss[1], every.val_loss[3]]);
    expect(second.loss).toEqual(every.loss);
  });

  it('verbose 1 prints Keras’s progress lines in Node, 2 without the bar, 0 nothing', async () => {
    const write = process.stdout.write;
    for (const verbose of [0, 1, 2] as const) {
      const lines: string[] = [];
      process.stdout.write = ((text: string) => (lines.push(text), true)) as typeof process.stdout.write;
      try {
        await (await lessonModel(undefined, 3, ['accuracy'])).fit(x, y, { epochs: 2, batchSize: 20, verbose, validationData: [validation.x, validation.y] });
      } finally {
        process.stdout.write = write;
      }
      const text = lines.join('');
      if (verbose === 0) expect(text).toBe('');
      const bar = verbose === 1 ? ' ━{20} \\d+(ms|us|s) ' : ' - \\d+(ms|us|s) - ';
      if (verbose > 0) expect(text).toMatch(new RegExp(`^Epoch 1/2\\n3/3${bar}\\d+(ms|us|s)/step - loss: \\d\\.\\d{4} - accuracy: \\d\\.\\d{4} - val_loss: \\d\\.\\d{4} - val_accuracy: \\d\\.\\d{4}\\nEpoch 2/2\\n`));
    }
  });
});

describe('metrics against tf.metrics and Keras’s formulas', () => {
  it('binaryAccuracy, mse, mae, precision and recall equal tf.metrics on outputs of 0 and 1', async () => {
    // A linear unit passing its input through: outputs exactly 0 or 1, which TF.js's precision and recall count.
    const x = randomMatrix(50, 1, 9, 0, 1).data.map(Math.round);
    const y = randomMatrix(50, 1, 10, 0, 1).data.map(Math.round);
    const model = new Sequential([new Dense({ units: 1, inputDim: 1 })]);
    await model.compile({ loss: 'meanSquaredError', metrics: ['binaryAccuracy', 'mse', 'mae', 'precision', 'recall'], backend: 'cpu', seed: 1 });
    await model.setWeights([new Float32Array([1]), new Float32Array([0])]);
    const scores = await model.evaluate({ shape: [50, 1], data: x }, { shape: [50, 1], data: y });
    const [t, p] = [tf.tensor2d(y, [50, 1]), tf.tensor2d(x, [50, 1])];
    const theirs = {
      binary_accuracy: tf.metrics.binaryAccuracy(t, p).mean().dataSync()[0],
      mse: tf.metrics.meanSquaredError(t, p).mean().dataSync()[0],
      mae: tf.metrics.meanAbsoluteError(t, p).mean().dataSync()[0],
      precision: tf.metrics.precision(t, p).dataSync()[0],
      recall: tf.metrics.recall(t, p).dataSync()[0],
    };
    for (const [key, value] of Object.entries(theirs)) expect(scores[key], key).toBeCloseTo(value, 6);
    expect(theirs.precision).toBeGreaterThan(0);
  });

  it('categoricalAccuracy and sparseCategoricalAccuracy equal tf.metrics on softmax outputs', async () => {
    const { x } = halvesDataset(60, 6, 11);
    const classes = Float32Array.from({ length: 60 }, (_, r) => r % 4);
    const oneHot = new Float32Array(240).map((_, i) => Number(classes[Math.floor(i / 4)] === i % 4));
    for (const [loss, labels, metric] of [['categoricalCrossentropy', oneHot, 'categoricalAccuracy'], ['sparseCategoricalCrossentropy', classes, 'sparseCategoricalAccuracy']] as const) {
      const model = new Sequential([new Dense({ units: 4, activation: 'softmax', inputDim: 6 })]);
      await model.compile({ loss, metrics: [metric], backend: 'cpu', seed: 2 });
      const y = { shape: [60, labels.length / 60] as [number, number], data: labels };
      const scores = await model.evaluate(x, y);
      const a = tf.tensor2d((await model.predict(x)).data, [60, 4]);
      const t = tf.tensor2d(labels, y.shape);
      const theirs = (metric === 'categoricalAccuracy' ? tf.metrics.categoricalAccuracy(t, a) : tf.metrics.sparseCategoricalAccuracy(t, a)).mean().dataSync()[0];
      const key = metric === 'categoricalAccuracy' ? 'categorical_accuracy' : 'sparse_categorical_accuracy';
      expect(scores[key], metric).toBeCloseTo(theirs, 6);
      expect(theirs).toBeGreaterThan(0);
    }
  });

  it('auc is Keras’s 200-threshold interpolation and top-k counts ties at the k-th output as hits, worked out here', async () => {
    const { x } = halvesDataset(80, 6, 12);
    const classes = Float32Array.from({ length: 80 }, (_, r) => (r * 7) % 4);
    const model = new Sequential([new Dense({ units: 4, activation: 'softmax', inputDim: 6 })]);
    await model.compile({ loss: 'sparseCategoricalCrossentropy', metrics: ['auc', { name: 'topKCategoricalAccuracy', k: 2 }], backend: 'cpu', seed: 4 });
    const scores = await model.evaluate(x, { shape: [80, 1], data: classes });
    const a = (await model.predict(x)).data;
    // AUC over every (row, class) pair against the one-hot labels: true and false positives above each threshold.
    const thresholds = Array.from({ length: 200 }, (_, i) => (i === 0 ? -1e-7 : i === 199 ? 1 + 1e-7 : i / 199));
    const tp = thresholds.map((t) => a.reduce((s, v, i) => s + Number(v > t && classes[Math.floor(i / 4)] === i % 4), 0));
    const fp = thresholds.map((t) => a.reduce((s, v, i) => s + Number(v > t && classes[Math.floor(i / 4)] !== i % 4), 0));
    let auc = 0;
    for (let i = 0; i < 199; i++) auc += ((fp[i] / fp[0] - fp[i + 1] / fp[0]) * (tp[i] / tp[0] + tp[i + 1] / tp[0])) / 2;
    expect(scores.auc).toBeCloseTo(auc, 5);
    let hits = 0;
    for (let r = 0; r < 80; r++) {
      const row = Array.from(a.subarray(4 * r, 4 * r + 4));
      const sorted = [...row].sort((p, q) => q - p);
      hits += Number(row[classes[r]] >= sorted[1]);
    }
    expect(scores.top_k_categorical_accuracy).toBeCloseTo(hits / 80, 6);
  });
});

describe('bad training-control options', () => {
  const { x, y } = halvesDataset(20, 20, 13);

  const rejected = (call: () => unknown, fragment: string) => rejection(call, [fragment]);

  it('throw WebGPUNNError naming the argument, and a rejected fit changes nothing', async () => {
    const model = await lessonModel();
    const before = flat(await model.getWeights());
    await rejected(() => model.fit(x, y, { sampleWeight: [1, 2] }), 'fit({ sampleWeight }): expected 20 weights');
    await rejected(() => model.fit(x, y, { sampleWeight: new Float32Array(20).fill(-1) }), 'fit({ sampleWeight })[0]: expected a weight ≥ 0');
    await rejected(() => model.fit(x, y, { sampleWeight: new Float32Array(20), classWeight: { 0: 1 } }), 'fit({ classWeight }): expected no classWeight beside sampleWeight');
    await rejected(() => model.fit(x, y, { classWeight: { a: 1 } as never }), 'fit({ classWeight })["a"]: expected a class index');
    await rejected(() => model.fit(x, y, { classWeight: { 1: -2 } }), 'fit({ classWeight })[1]: expected a finite weight ≥ 0');
    await rejected(() => model.fit(x, y, { validationFreq: 0 }), 'fit({ validationFreq }): expected a positive integer');
    await rejected(() => model.fit(x, y, { validationBatchSize: 1.5 }), 'fit({ validationBatchSize }): expected a positive integer');
    await rejected(() => model.fit(x, y, { callbacks: [{ onEpochEnd() {} }] as never }), 'fit({ callbacks })[0]: expected a Callback');
    await rejected(() => model.fit(x, y, { verbose: 3 as never }), 'fit({ verbose }): expected 0, 1 or 2');
    await rejected(() => model.fit(x, y, { validationData: [x, y, [1]] }), 'fit({ validationData })[2]: expected 20 weights');
    await rejected(() => model.fit(x, y, { callbacks: [new EarlyStopping({ monitor: 'accuracy' })] }), "EarlyStopping({ monitor }): expected a score fit reports ('loss', 'val_loss') for mode 'auto'");
    await rejected(() => model.evaluate(x, y, { sampleWeight: new Float32Array(3) }), 'evaluate({ sampleWeight }): expected 20 weights');
    await rejected(() => model.evaluate(x, y, { batchSize: 0 }), 'evaluate({ batchSize }): expected a positive integer');
    await rejected(() => model.predict(x, { batchSize: -1 }), 'predict({ batchSize }): expected a positive integer');
    expect(flat(await model.getWeights())).toEqual(before);

    const scheduled = await lessonModel(new SGD({ learningRate: new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.9 }) }));
    await rejected(() => scheduled.fit(x, y, { callbacks: [new ReduceLROnPlateau({ monitor: 'loss' })] }), 'ReduceLROnPlateau: model.optimizer: expected an optimizer with a constant learning rate');
    await rejected(() => scheduled.fit(x, y, { callbacks: [new LearningRateScheduler(() => 0.1)] }), 'LearningRateScheduler: model.optimizer: expected an optimizer with a constant learning rate');
    await rejected(() => { scheduled.optimizer!.learningRate = 0.2; }, 'optimizer.learningRate: expected an optimizer with a constant learning rate');
  });

  it('callbacks and schedules check their own options', () => {
    const throws = (make: () => unknown, fragment: string) => expect(make).toThrow(fragment);
    throws(() => new EarlyStopping({ patience: -1 }), 'EarlyStopping({ patience }): expected a non-negative integer, got -1');
    throws(() => new EarlyStopping({ mode: 'up' as never }), "EarlyStopping({ mode }): expected 'auto', 'min' or 'max'");
    throws(() => new EarlyStopping({ baseline: Number.NaN }), 'EarlyStopping({ baseline }): expected a finite number');
    throws(() => new EarlyStopping({ startFromEpoch: 0.5 }), 'EarlyStopping({ startFromEpoch })');
    throws(() => new ReduceLROnPlateau({ factor: 1 }), 'ReduceLROnPlateau({ factor }): expected a number in (0, 1), got 1');
    throws(() => new ReduceLROnPlateau({ cooldown: -2 }), 'ReduceLROnPlateau({ cooldown })');
    throws(() => new ReduceLROnPlateau({ minLr: -1 }), 'ReduceLROnPlateau({ minLr })');
    throws(() => new LearningRateScheduler(0.1 as never), 'LearningRateScheduler(schedule): expected a function');
    throws(() => new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), 'ExponentialDecay({ decaySteps })');
    throws(() => new PiecewiseConstantDecay({ boundaries: [10, 5], values: [1, 2, 3] }), 'PiecewiseConstantDecay({ boundaries })');
    throws(() => new PiecewiseConstantDecay({ boundaries: [10], values: [1] }), 'PiecewiseConstantDecay({ values })');
  });
});
