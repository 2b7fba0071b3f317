// The layers, penalties, optimizers and initializers beyond the lesson, checked against TensorFlow.js 4.22 itself
// (its cpu backend): the same layers by name, the same initial weights, shuffle off, the same fit options.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { Activation, BatchNormalization, Dense, Dropout, type Layer, type Optimizer, RMSprop, SGD, Sequential, initializers, regularizers } from '../src/index';
import type { Initializer } from '../src/index';
import type { LossName } from '../src/model/losses';
import { halvesDataset, maxRelativeError, randomMatrix } from './support/data';

await tf.setBackend('cpu');

/** A weight penalty as the test computes it directly: l1 · Σ|w| + l2 · Σw² of the weight named `weight`. */
interface Penalty {
  weight: string;
  l1: number;
  l2: number;
}

interface Case {
  name: string;
  ours: () => Layer[];
  theirs: () => tf.layers.Layer[];
  loss: LossName;
  optimizer: () => [Optimizer, tf.Optimizer];
  epochs: number;
  batchSize: number;
  /** The penalties both models add to the training loss; ours adds them to val_loss and evaluate too, TF.js does not. */
  penalties?: Penalty[];
  /**
   * Relative to max(1, |expected|): 1e-6 for float32 rounding in sums of a few dozen terms over a few epochs
   * (measured: about 1e-7). 1e-5 where batch normalisation trains: its backward multiplies by 1/√(σ² + ε) of batches
   * as small as 2 rows, up to 1/√ε ≈ 32, which turns float32 rounding into differences of up to a few 1e-6
   * (measured: at most 8e-7).
   */
  tolerance: number;
}

const FEATURES = 10;
const first = { inputShape: [FEATURES] as [number] };

const cases: Case[] = [
  {
    name: 'Dense(linear) → BatchNormalization (Keras defaults) → Activation(relu) → Dense(sigmoid), SGD, batch 16 of 50 rows (last batch 2)',
    ours: () => [new Dense({ units: 8, name: 'd1', ...first }), new BatchNormalization({ name: 'bn' }), new Activation({ activation: 'relu', name: 'act' }), new Dense({ units: 1, activation: 'sigmoid', name: 'out' })],
    theirs: () => [tf.layers.dense({ units: 8, name: 'd1', ...first }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.activation({ activation: 'relu', name: 'act' }), tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' })],
    loss: 'binaryCrossentropy',
    optimizer: () => [new SGD({ learningRate: 0.2 }), tf.train.sgd(0.2)],
    epochs: 4,
    batchSize: 16,
    tolerance: 1e-5,
  },
  {
    name: 'BatchNormalization on the inputs and before the output (momentum 0.9, epsilon 0.01), RMSprop (ρ 0.8), mean squared error',
    ours: () => [new BatchNormalization({ momentum: 0.9, epsilon: 0.01, name: 'bn_in', ...first }), new Dense({ units: 6, activation: 'tanh', name: 'd1' }), new BatchNormalization({ momentum: 0.9, epsilon: 0.01, name: 'bn_mid' }), new Dense({ units: 1, name: 'out' })],
    theirs: () => [tf.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01, name: 'bn_in', ...first }), tf.layers.dense({ units: 6, activation: 'tanh', name: 'd1' }), tf.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01, name: 'bn_mid' }), tf.layers.dense({ units: 1, name: 'out' })],
    loss: 'meanSquaredError',
    optimizer: () => [new RMSprop({ learningRate: 0.01, rho: 0.8 }), tf.train.rmsprop(0.01, 0.8, 0, 1e-7)],
    epochs: 4,
    batchSize: 12,
    tolerance: 1e-5,
  },
  {
    name: 'SGD with momentum 0.9 (TF.js momentum), relu and BatchNormalization',
    ours: () => [new Dense({ units: 8, activation: 'relu', name: 'd1', ...first }), new BatchNormalization({ name: 'bn' }), new Dense({ units: 1, activation: 'sigmoid', name: 'out' })],
    theirs: () => [tf.layers.dense({ units: 8, activation: 'relu', name: 'd1', ...first }), tf.layers.batchNormalization({ name: 'bn' }), tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' })],
    loss: 'binaryCrossentropy',
    optimizer: () => [new SGD({ learningRate: 0.05, momentum: 0.9 }), tf.train.momentum(0.05, 0.9)],
    epochs: 5,
    batchSize: 16,
    tolerance: 1e-5,
  },
  {
    name: 'SGD with Nesterov momentum 0.8 (TF.js momentum, useNesterov), tanh',
    ours: () => [new Dense({ units: 12, activation: 'tanh', name: 'd1', ...first }), new Dense({ units: 4, activation: 'tanh', name: 'd2' }), new Dense({ units: 1, activation: 'sigmoid', name: 'out' })],
    theirs: () => [tf.layers.dense({ units: 12, activation: 'tanh', name: 'd1', ...first }), tf.layers.dense({ units: 4, activation: 'tanh', name: 'd2' }), tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out' })],
    loss: 'binaryCrossentropy',
    optimizer: () => [new SGD({ learningRate: 0.1, momentum: 0.8, nesterov: true }), tf.train.momentum(0.1, 0.8, true)],
    epochs: 5,
    batchSize: 8,
    tolerance: 1e-6,
  },
  {
    name: 'L1L2 on a kernel, L2 on a bias, L1 on the output kernel, SGD with momentum',
    ours: () => [
      new Dense({ units: 8, activation: 'relu', name: 'd1', kernelRegularizer: regularizers.l1l2({ l1: 0.002, l2: 0.01 }), biasRegularizer: regularizers.l2({ l2: 0.05 }), ...first }),
      new Dense({ units: 1, activation: 'sigmoid', name: 'out', kernelRegularizer: regularizers.l1({ l1: 0.003 }) }),
    ],
    theirs: () => [
      tf.layers.dense({ units: 8, activation: 'relu', name: 'd1', kernelRegularizer: tf.regularizers.l1l2({ l1: 0.002, l2: 0.01 }), biasRegularizer: tf.regularizers.l2({ l2: 0.05 }), ...first }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out', kernelRegularizer: tf.regularizers.l1({ l1: 0.003 }) }),
    ],
    loss: 'binaryCrossentropy',
    optimizer: () => [new SGD({ learningRate: 0.1, momentum: 0.5 }), tf.train.momentum(0.1, 0.5)],
    epochs: 4,
    batchSize: 16,
    penalties: [
      { weight: 'd1/kernel', l1: 0.002, l2: 0.01 },
      { weight: 'd1/bias', l1: 0, l2: 0.05 },
      { weight: 'out/kernel', l1: 0.003, l2: 0 },
    ],
    tolerance: 1e-6,
  },
  {
    name: "the penalties by name: 'l1', 'l2', 'l1l2' (TF.js's defaults 0.01, and 0.01 + 0.01), RMSprop and BatchNormalization",
    ours: () => [
      new Dense({ units: 8, activation: 'relu', name: 'd1', kernelRegularizer: 'l1', biasRegularizer: 'l2', ...first }),
      new BatchNormalization({ name: 'bn' }),
      new Dense({ units: 1, activation: 'sigmoid', name: 'out', kernelRegularizer: 'l1l2' }),
    ],
    theirs: () => [
      tf.layers.dense({ units: 8, activation: 'relu', name: 'd1', kernelRegularizer: tf.regularizers.l1(), biasRegularizer: tf.regularizers.l2(), ...first }),
      tf.layers.batchNormalization({ name: 'bn' }),
      tf.layers.dense({ units: 1, activation: 'sigmoid', name: 'out', kernelRegularizer: tf.regularizers.l1l2() }),
    ],
    loss: 'binaryCrossentropy',
    optimizer: () => [new RMSprop({ learningRate: 0.01 }), tf.train.rmsprop(0.01, 0.9, 0, 1e-7)],
    epochs: 3,
    batchSize: 16,
    penalties: [
      { weight: 'd1/kernel', l1: 0.01, l2: 0 },
      { weight: 'd1/bias', l1: 0, l2: 0.01 },
      { weight: 'out/kernel', l1: 0.01, l2: 0.01 },
    ],
    tolerance: 1e-5,
  },
];

/** Our weights' names in Keras order, as save() writes them: 'bn/gamma', 'bn/beta', 'bn/moving_mean', .... */
async function weightNames(model: Sequential): Promise<string[]> {
  return (await model.save()).modelJson.weightsManifest[0].weights.map((w) => w.name);
}

/** TF.js's weights by name (TF.js lists the trainable weights of all layers first, the moving statistics last). */
function theirWeights(model: tf.LayersModel): Map<string, Float32Array> {
  return new Map(model.weights.map((w) => [w.originalName, w.read().dataSync() as Float32Array]));
}

/** The penalties of `weights` (by name), in double precision. */
function penaltyOf(penalties: Penalty[], weights: Map<string, Float32Array>): number {
  return penalties.reduce((sum, { weight, l1, l2 }) => sum + weights.get(weight)!.reduce((s, w) => s + l1 * Math.abs(w) + l2 * w * w, 0), 0);
}

describe('the Dense toolkit against TensorFlow.js', () => {
  for (const c of cases) {
    it(`matches TF.js's history, weights (moving statistics included), predict and evaluate: ${c.name}`, async () => {
      const { x, y } = halvesDataset(50, FEATURES, 31);
      const validation = halvesDataset(20, FEATURES, 32);
      const [ourOptimizer, theirOptimizer] = c.optimizer();

      const ours = new Sequential(c.ours());
      await ours.compile({ loss: c.loss, optimizer: ourOptimizer, backend: 'cpu', seed: 6 });
      const names = await weightNames(ours);
      const initial = new Map((await ours.getWeights()).map((w, i) => [names[i], w]));

      const theirs = tf.sequential({ layers: c.theirs() });
      expect(theirs.weights.map((w) => w.originalName).sort()).toEqual([...names].sort());
      theirs.setWeights(theirs.weights.map((w) => tf.tensor(initial.get(w.originalName)!, w.shape as number[])));
      theirs.compile({ loss: c.loss, optimizer: theirOptimizer });

      const xs = tf.tensor2d(x.data, x.shape);
      const ys = tf.tensor2d(y.data, y.shape);
      const [xv, yv] = [tf.tensor2d(validation.x.data, validation.x.shape), tf.tensor2d(validation.y.data, validation.y.shape)];
      // TF.js scores the validation data after the epoch's last update, as onEpochEnd sees the weights.
      const theirPenalties: number[] = [];
      const ourHistory = await ours.fit(x, y, { epochs: c.epochs, batchSize: c.batchSize, shuffle: false, validationData: [validation.x, validation.y] });
      const theirHistory = await theirs.fit(xs, ys, {
        epochs: c.epochs,
        batchSize: c.batchSize,
        shuffle: false,
        verbose: 0,
        validationData: [xv, yv],
        callbacks: { onEpochEnd: async () => void theirPenalties.push(penaltyOf(c.penalties ?? [], theirWeights(theirs))) },
      });

      // The training loss includes the penalties in both; val_loss in ours (Keras 3) only: TF.js's + the direct penalty.
      const errors: Record<string, number> = {
        loss: maxRelativeError(ourHistory.loss, theirHistory.history.loss as number[]),
        val_loss: maxRelativeError(ourHistory.val_loss, (theirHistory.history.val_loss as number[]).map((v, e) => v + theirPenalties[e])),
      };
      const after = theirWeights(theirs);
      const ourWeights = await ours.getWeights();
      errors.weights = Math.max(...names.map((name, i) => maxRelativeError(ourWeights[i], after.get(name)!)));
      const ourPrediction = (await ours.predict(validation.x)).data;
      errors.predict = maxRelativeError(ourPrediction, tf.tidy(() => (theirs.predict(xv) as tf.Tensor).dataSync()));
      const theirEvaluate = tf.tidy(() => (theirs.evaluate(xs, ys) as tf.Scalar).dataSync()[0]);
      errors.evaluate = maxRelativeError([(await ours.evaluate(x, y)).loss], [theirEvaluate + penaltyOf(c.penalties ?? [], after)]);
      console.log(`${c.name}: ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}; losses ${ourHistory.loss.map((l) => l.toFixed(4)).join(', ')}`);

      for (const [what, error] of Object.entries(errors)) expect(error, what).toBeLessThan(c.tolerance);
      // The models trained, and the moving statistics moved from (0, 1).
      expect(ourHistory.loss.at(-1)).toBeLessThan(ourHistory.loss[0]);
      for (const name of names.filter((n) => n.endsWith('/moving_mean'))) expect(Math.max(...ourWeights[names.indexOf(name)].map(Math.abs))).toBeGreaterThan(0.01);
      if (c.penalties) expect(penaltyOf(c.penalties, after)).toBeGreaterThan(0.01);
      tf.dispose([xs, ys, xv, yv]);
      theirs.dispose();
      ours.dispose();
    });
  }

  it("BatchNormalization in inference: TF.js's predictions from the same γ, β and moving statistics", async () => {
    const gamma = randomMatrix(1, FEATURES, 41, 0.5, 2).data;
    const beta = randomMatrix(1, FEATURES, 42).data;
    const movingMean = randomMatrix(1, FEATURES, 43).data;
    const movingVariance = randomMatrix(1, FEATURES, 44, 0.05, 3).data;
    const ours = new Sequential([new BatchNormalization({ epsilon: 0.005, ...first }), new Dense({ units: 3, activation: 'tanh' })]);
    await ours.compile({ loss: 'meanSquaredError', backend: 'cpu', seed: 2 });
    const [kernel, bias] = (await ours.getWeights()).slice(4);
    await ours.setWeights([gamma, beta, movingMean, movingVariance, kernel, bias]);
    const theirs = tf.sequential({ layers: [tf.layers.batchNormalization({ epsilon: 0.005, name: 'bn', ...first }), tf.layers.dense({ units: 3, activation: 'tanh', name: 'd' })] });
    const values: Record<string, Float32Array> = { 'bn/gamma': gamma, 'bn/beta': beta, 'bn/moving_mean': movingMean, 'bn/moving_variance': movingVariance, 'd/kernel': kernel, 'd/bias': bias };
    theirs.setWeights(theirs.weights.map((w) => tf.tensor(values[w.originalName], w.shape as number[])));
    const x = randomMatrix(25, FEATURES, 45, -2, 2);
    const expected = tf.tidy(() => (theirs.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync());
    expect(maxRelativeError((await ours.predict(x)).data, expected)).toBeLessThan(1e-6);
    theirs.dispose();
    ours.dispose();
  });

  it('Dropout with rate 0 trains as TF.js does without the layer; with rate 0.6, TF.js predicts from our trained weights what we predict', async () => {
    const { x, y } = halvesDataset(40, FEATURES, 33);
    const [xs, ys] = [tf.tensor2d(x.data, x.shape), tf.tensor2d(y.data, y.shape)];
    const dropped = (rate: number) => [new Dense({ units: 6, activation: 'relu', ...first }), new Dropout({ rate }), new Dense({ units: 1, activation: 'sigmoid' })];
    const ours = new Sequential(dropped(0));
    await ours.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend: 'cpu', seed: 4 });
    const without = tf.sequential({ layers: [tf.layers.dense({ units: 6, activation: 'relu', ...first }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    without.setWeights((await ours.getWeights()).map((w, i) => tf.tensor(w, without.weights[i].shape as number[])));
    without.compile({ loss: 'binaryCrossentropy', optimizer: tf.train.sgd(0.3) });
    const history = await ours.fit(x, y, { epochs: 3, batchSize: 8, shuffle: false });
    const expected = await without.fit(xs, ys, { epochs: 3, batchSize: 8, shuffle: false, verbose: 0 });
    expect(maxRelativeError(history.loss, expected.history.loss as number[])).toBeLessThan(1e-6);

    const trained = new Sequential(dropped(0.6));
    await trained.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend: 'cpu', seed: 4 });
    await trained.fit(x, y, { epochs: 3, batchSize: 8 });
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 6, activation: 'relu', ...first }), tf.layers.dropout({ rate: 0.6 }), tf.layers.dense({ units: 1, activation: 'sigmoid' })] });
    theirs.setWeights((await trained.getWeights()).map((w, i) => tf.tensor(w, theirs.weights[i].shape as number[])));
    expect(maxRelativeError((await trained.predict(x)).data, tf.tidy(() => (theirs.predict(xs) as tf.Tensor).dataSync()))).toBeLessThan(1e-6);
    tf.dispose([xs, ys]);
    [theirs, without].forEach((m) => m.dispose());
    [ours, trained].forEach((m) => m.dispose());
  });
});

// ---- initializers ----

const [FAN_IN, FAN_OUT] = [400, 300];
const TRUNCATED_STDDEV = 0.87962566103423978;

/** The kernel [400 × 300] (120,000 draws) and the bias [300] that a Dense layer's initializers give. */
async function drawn(kernelInitializer: Initializer, seed = 1, biasInitializer?: Initializer): Promise<{ kernel: Float32Array; bias: Float32Array }> {
  const model = new Sequential([new Dense({ units: FAN_OUT, inputDim: FAN_IN, kernelInitializer, biasInitializer })]);
  await model.compile({ loss: 'meanSquaredError', backend: 'cpu', seed });
  const [kernel, bias] = await model.getWeights();
  model.dispose();
  return { kernel, bias };
}

function moments(values: ArrayLike<number>): { mean: number; std: number; max: number } {
  let [sum, squares, max] = [0, 0, 0];
  for (let i = 0; i < values.length; i++) {
    sum += values[i];
    squares += values[i] * values[i];
    max = Math.max(max, Math.abs(values[i]));
  }
  const mean = sum / values.length;
  return { mean, std: Math.sqrt(squares / values.length - mean * mean), max };
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the samples' empirical CDFs. */
function ks(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const [x, y] = [Float64Array.from(a).sort(), Float64Array.from(b).sort()];
  let [i, j, gap] = [0, 0, 0];
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] === v) i++;
    while (j < y.length && y[j] === v) j++;
    gap = Math.max(gap, Math.abs(i / x.length - j / y.length));
  }
  return gap;
}

type TheirInitializer = ReturnType<typeof tf.initializers.zeros>;
/** Keras's snake_case names, which checkInitializer reads as the camelCase ones. */
const snake = (name: string) => name as Initializer;

/** TF.js's draws of its initializer of the same name for the same shape. */
const theirDraws = (initializer: TheirInitializer, shape = [FAN_IN, FAN_OUT]) => tf.tidy(() => initializer.apply(shape).dataSync() as Float32Array);

/**
 * Two samples of 120,000 draws from one distribution differ in the Kolmogorov–Smirnov statistic by more than
 * 1.95 · √(2 / 120,000) = 0.008 with probability 0.001: the bound for "the same distribution".
 */
const SAME_DISTRIBUTION = 0.008;

describe('initializers', () => {
  const uniforms: [string, Initializer, TheirInitializer, number][] = [
    ['glorotUniform', 'glorotUniform', tf.initializers.glorotUniform({}), Math.sqrt(6 / (FAN_IN + FAN_OUT))],
    ['heUniform', initializers.heUniform(), tf.initializers.heUniform({}), Math.sqrt(6 / FAN_IN)],
    ['lecunUniform', snake('lecun_uniform'), tf.initializers.leCunUniform({}), Math.sqrt(3 / FAN_IN)],
    ['randomUniform(−0.2, 0.3)', initializers.randomUniform({ minval: -0.2, maxval: 0.3 }), tf.initializers.randomUniform({ minval: -0.2, maxval: 0.3 }), 0.3],
  ];
  for (const [name, ours, theirs, limit] of uniforms) {
    it(`${name}: TF.js's distribution over a [400 × 300] kernel (Kolmogorov–Smirnov), within its limit ${limit.toFixed(4)}`, async () => {
      const { kernel } = await drawn(ours);
      const their = theirDraws(theirs);
      const [a, b] = [moments(kernel), moments(their)];
      const statistic = ks(kernel, their);
      console.log(`${name}: ours mean ${a.mean.toExponential(2)} std ${a.std.toFixed(5)} max ${a.max.toFixed(5)}; TF.js mean ${b.mean.toExponential(2)} std ${b.std.toFixed(5)} max ${b.max.toFixed(5)}; KS ${statistic.toFixed(4)}`);
      expect(statistic).toBeLessThan(SAME_DISTRIBUTION);
      expect(a.max).toBeLessThanOrEqual(limit);
      expect(a.max).toBeGreaterThan(0.999 * limit);
      expect(Math.abs(a.std - b.std) / b.std).toBeLessThan(0.01);
    });
  }

  const normals: [string, Initializer, TheirInitializer, number][] = [
    ['glorotNormal', 'glorotNormal', tf.initializers.glorotNormal({}), Math.sqrt(2 / (FAN_IN + FAN_OUT))],
    ['heNormal', snake('he_normal'), tf.initializers.heNormal({}), Math.sqrt(2 / FAN_IN)],
    ['lecunNormal', initializers.lecunNormal(), tf.initializers.leCunNormal({}), Math.sqrt(1 / FAN_IN)],
  ];
  for (const [name, ours, theirs, sigma] of normals) {
    it(`${name}: Keras's truncated normal, deviation σ = ${sigma.toFixed(4)} kept by the 0.8796 correction that TF.js lacks`, async () => {
      const { kernel } = await drawn(ours);
      const a = moments(kernel);
      // The standard error of a sample deviation of 120,000 draws is under 0.3%; of the mean, σ / 346.
      expect(Math.abs(a.std - sigma) / sigma).toBeLessThan(0.01);
      expect(Math.abs(a.mean)).toBeLessThan((4 * sigma) / Math.sqrt(kernel.length));
      // Truncated at two of the uncorrected deviations, σ / 0.8796.
      expect(a.max).toBeLessThanOrEqual(Math.fround((2 * sigma) / TRUNCATED_STDDEV));
      expect(a.max).toBeGreaterThan((0.999 * 2 * sigma) / TRUNCATED_STDDEV);
      // TF.js draws the same shape without the correction: its deviation is 0.88 × Keras's, and its values are ours
      // scaled by 0.8796 (the same distribution after that scale).
      const their = theirDraws(theirs);
      const b = moments(their);
      console.log(`${name}: ours std ${a.std.toFixed(5)} max ${a.max.toFixed(5)} (Keras: σ ${sigma.toFixed(5)}, bound ${((2 * sigma) / TRUNCATED_STDDEV).toFixed(5)}); TF.js std ${b.std.toFixed(5)} (ratio ${(b.std / a.std).toFixed(4)})`);
      expect(Math.abs(b.std / a.std - TRUNCATED_STDDEV)).toBeLessThan(0.01);
      expect(ks(kernel.map((v) => v * TRUNCATED_STDDEV), their)).toBeLessThan(SAME_DISTRIBUTION);
    });
  }

  it("randomNormal(0.1, 0.2): TF.js's distribution (not truncated), mean and deviation as given", async () => {
    const { kernel } = await drawn(initializers.randomNormal({ mean: 0.1, stddev: 0.2 }));
    const a = moments(kernel.map((v) => v - 0.1));
    expect(ks(kernel, theirDraws(tf.initializers.randomNormal({ mean: 0.1, stddev: 0.2 })))).toBeLessThan(SAME_DISTRIBUTION);
    expect(Math.abs(a.mean)).toBeLessThan((4 * 0.2) / Math.sqrt(kernel.length));
    expect(Math.abs(a.std - 0.2) / 0.2).toBeLessThan(0.01);
    expect(a.max).toBeGreaterThan(4 * 0.2); // beyond two deviations: not truncated
  });

  it('zeros and ones; a bias from heUniform has fan_in = fan_out = its length (Keras 3; TF.js takes √n for a vector)', async () => {
    const { kernel, bias } = await drawn('zeros', 1, 'ones');
    expect(kernel.every((v) => v === 0)).toBe(true);
    expect(bias.every((v) => v === 1)).toBe(true);
    const biases = (await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((seed) => drawn('zeros', seed, 'heUniform')))).flatMap(({ bias }) => Array.from(bias));
    const { max } = moments(biases);
    expect(max).toBeLessThanOrEqual(Math.sqrt(6 / FAN_OUT));
    expect(max).toBeGreaterThan(0.99 * Math.sqrt(6 / FAN_OUT));
  });

  it("seeds: a seeded initializer gives the same values at every compile, whatever the compile's seed; another seed, others", async () => {
    const seeded = initializers.heNormal({ seed: 11 });
    const [a, b, c] = [await drawn(seeded, 1), await drawn(seeded, 2), await drawn(initializers.heNormal({ seed: 12 }), 1)];
    expect(a.kernel).toEqual(b.kernel);
    expect(maxRelativeError(a.kernel, c.kernel)).toBeGreaterThan(0.01);
    // Unseeded, the compile's seed decides: the same seed repeats the draw, another changes it.
    const [d, e, f] = [await drawn('heNormal', 5), await drawn('heNormal', 5), await drawn('heNormal', 6)];
    expect(d.kernel).toEqual(e.kernel);
    expect(maxRelativeError(d.kernel, f.kernel)).toBeGreaterThan(0.01);
    // Keras 3: a seeded initializer draws the same values at every call, so two layers of one shape share them.
    const model = new Sequential([new Dense({ units: 5, inputDim: 5, kernelInitializer: seeded }), new Dense({ units: 5, kernelInitializer: seeded, biasInitializer: initializers.randomUniform({ seed: 3 }) })]);
    await model.compile({ loss: 'meanSquaredError', backend: 'cpu', seed: 9 });
    const [k1, , k2, b2] = await model.getWeights();
    expect(k1).toEqual(k2);
    const other = new Sequential([new Dense({ units: 5, inputDim: 2, biasInitializer: initializers.randomUniform({ seed: 3 }) })]);
    await other.compile({ loss: 'meanSquaredError', backend: 'cpu', seed: 1 });
    expect((await other.getWeights())[1]).toEqual(b2);
    expect(new Set(b2).size).toBe(5);
    other.dispose();
    model.dispose();
  });
});
