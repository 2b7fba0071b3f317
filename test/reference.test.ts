import { describe, expect, it } from 'vitest';
import { Adam, AdamW, BatchNormalization, BinaryCrossentropy, Dense, Dropout, MeanSquaredError, type Optimizer, RMSprop, SGD, Sequential, regularizers } from '../src/index';
import { type ActivationName as Activation, activationNames } from '../src/activations/activations';
import { type BatchNormalizationSpec, batchNormalization } from '../src/layers/batch-normalization/definition';
import type { DenseSpec } from '../src/layers/dense/definition';
import { dropout } from '../src/layers/dropout/definition';
import { maskHash, threshold } from '../src/layers/dropout/mask';
import type { Pass } from '../src/layers/layer';
import type { LayerSpec } from '../src/layers/registry';
import type { LossMath } from '../src/losses/loss';
import { losses } from '../src/losses/registry';
import { INFERENCE, type LayerWeights, backward, cost, forward, initialState, outputDeltas, trainStep } from '../src/reference/network';
import { halvesDataset, maxRelativeError, randomMatrix } from './support/data';

/** Every valid pairing of hidden activation, output activation and loss: softmax outputs take categorical losses. */
const elementwise = activationNames.filter((a) => a !== 'softmax');
const gradientCases: { hidden: Activation; output: Activation; loss: LossMath & { name: string }; labels: (m: number) => Float32Array }[] = [
  ...[{ ...losses.binaryCrossentropy, name: 'binaryCrossentropy' }, { ...losses.meanSquaredError, name: 'meanSquaredError' }].flatMap((loss) =>
    elementwise.flatMap((hidden) => elementwise.map((output) => ({ hidden, output, loss, labels: (m: number) => randomMatrix(m, 2, 12, 0, 1).data }))),
  ),
  ...elementwise.flatMap((hidden) => [
    { hidden, output: 'softmax' as const, loss: { ...losses.categoricalCrossentropy, name: 'categoricalCrossentropy' }, labels: (m: number) => oneHotRows(m, 2) },
    { hidden, output: 'softmax' as const, loss: { ...losses.sparseCategoricalCrossentropy, name: 'sparseCategoricalCrossentropy' }, labels: (m: number) => Float32Array.from({ length: m }, (_, r) => r % 2) },
  ]),
];

function oneHotRows(m: number, classes: number): Float32Array {
  const y = new Float32Array(m * classes);
  for (let r = 0; r < m; r++) y[r * classes + ((r * 7) % classes)] = 1;
  return y;
}

describe('CPU reference: gradients', () => {
  for (const { hidden, output, loss, labels } of gradientCases) {
    it(`backprop equals central finite differences for ${hidden} → ${output} with ${loss.name}`, () => {
      const layers: DenseSpec[] = [
        { kind: 'dense', name: 'dense_1', inputs: 3, units: 4, activation: hidden, useBias: true },
        { kind: 'dense', name: 'dense_2', inputs: 4, units: 2, activation: output, useBias: true },
      ];
      const m = 5;
      const x = randomMatrix(m, 3, 11).data;
      // A positive output bias keeps every element-wise output inside (0, 1), where BCE is smooth.
      const y = labels(m);
      const params: LayerWeights[] = [
        [randomMatrix(3, 4, 13, -0.5, 0.5).data, randomMatrix(1, 4, 14, 0.1, 0.3).data],
        [randomMatrix(4, 2, 15, -0.2, 0.2).data, new Float32Array([0.4, 0.6])],
      ];
      const J = () => cost(layers, loss, forward(layers, params, x, m), y, m);
      const pass = forward(layers, params, x, m);
      const gradients = backward(layers, params, x, m, pass, outputDeltas(layers, loss, pass.activations[1], y, m));

      let worst = 0;
      params.forEach((p, l) => {
        for (const [key, weight] of p.entries()) {
          for (let i = 0; i < weight.length; i++) {
            const w = weight[i];
            weight[i] = w + 2e-3;
            const up = J();
            const hi = weight[i];
            weight[i] = w - 2e-3;
            const down = J();
            const numeric = (up - down) / (hi - weight[i]);
            weight[i] = w;
            worst = Math.max(worst, Math.abs(numeric - gradients[l][key]![i]));
          }
        }
      });
      expect(worst).toBeLessThan(2e-4);
    });
  }

  for (const name of ['categoricalCrossentropy', 'sparseCategoricalCrossentropy'] as const) {
    const loss = losses[name];
    it(`${name}: its gradient ∂L/∂a equals central finite differences of its value`, () => {
      const a = new Float32Array([0.2, 0.5, 0.3]);
      const y = loss.labels === 'index' ? new Float32Array([1]) : new Float32Array([0.1, 0.7, 0.2]);
      const gradient = new Float32Array(3);
      loss.gradient(a, y, gradient);
      const numeric = Array.from(a, (_, j) => {
        const at = (d: number) => loss.value(Array.from(a, (v, k) => (k === j ? v + d : v)), y);
        return (at(1e-4) - at(-1e-4)) / 2e-4;
      });
      expect(maxRelativeError(gradient, numeric)).toBeLessThan(1e-3);
    });
  }
});

describe('CPU reference: one step by hand', () => {
  it('updates a 2-2-1 sigmoid network as the chain rule computed by hand says', () => {
    const layers: DenseSpec[] = [
      { kind: 'dense', name: 'dense_1', inputs: 2, units: 2, activation: 'sigmoid', useBias: true },
      { kind: 'dense', name: 'dense_2', inputs: 2, units: 1, activation: 'sigmoid', useBias: true },
    ];
    const W1 = [0.1, 0.2, -0.3, 0.4]; // rows: inputs, cols: units
    const b1 = [0.05, -0.05];
    const W2 = [0.5, -0.6];
    const b2 = [0.1];
    const params: LayerWeights[] = [
      [new Float32Array(W1), new Float32Array(b1)],
      [new Float32Array(W2), new Float32Array(b2)],
    ];
    const x = [1, 2];
    const y = 1;
    const lr = 0.5;

    // By hand, in double precision: forward, BCE, then dz = a − y and the chain rule.
    const sig = (z: number) => 1 / (1 + Math.exp(-z));
    const h = [0, 1].map((j) => sig(x[0] * W1[j] + x[1] * W1[2 + j] + b1[j]));
    const out = sig(h[0] * W2[0] + h[1] * W2[1] + b2[0]);
    const expectedLoss = -Math.log(out);
    const dz2 = out - y;
    const dz1 = [0, 1].map((j) => dz2 * W2[j] * h[j] * (1 - h[j]));
    const W2after = [0, 1].map((j) => W2[j] - lr * h[j] * dz2);
    const b2after = b2[0] - lr * dz2;
    const W1after = [0, 1, 2, 3].map((i) => W1[i] - lr * x[i >> 1] * dz1[i & 1]);
    const b1after = [0, 1].map((j) => b1[j] - lr * dz1[j]);

    const sgd = new SGD({ learningRate: lr }).spec;
    const spec = { layers, loss: 'binaryCrossentropy' as const, optimizer: sgd, metrics: [] };
    const loss = trainStep(spec, params, initialState(params, sgd), new Float32Array(x), new Float32Array([y]), 1).cost;
    expect(loss).toBeCloseTo(expectedLoss, 6);
    expect(maxRelativeError(params[1][0], W2after)).toBeLessThan(1e-6);
    expect(params[1][1][0]).toBeCloseTo(b2after, 6);
    expect(maxRelativeError(params[0][0], W1after)).toBeLessThan(1e-6);
    expect(maxRelativeError(params[0][1], b1after)).toBeLessThan(1e-6);
  });
});

function lessonModel(activation: Activation = 'sigmoid', inputDim?: number) {
  return new Sequential([
    new Dense({ units: 25, activation, inputDim }),
    new Dense({ units: 15, activation }),
    new Dense({ units: 1, activation: 'sigmoid' }),
  ]);
}

describe('Sequential on the CPU reference', () => {
  it('trains the lesson network: loss falls and accuracy rises on a learnable set', async () => {
    const { x, y } = halvesDataset(400, 400, 3);
    const model = lessonModel('sigmoid', 400);
    await model.compile({ loss: new BinaryCrossentropy(), optimizer: new SGD({ learningRate: 0.5 }), backend: 'cpu', seed: 42 });
    const accuracy = async () => {
      const p = await model.predict(x);
      return p.data.reduce((n, v, i) => n + Number(v > 0.5 === y.data[i] > 0.5), 0) / p.shape[0];
    };
    const before = await accuracy();
    const history = await model.fit(x, y, { epochs: 30, batchSize: 32 });
    expect(history.loss).toHaveLength(30);
    expect(history.loss[29]).toBeLessThan(history.loss[0] * 0.5);
    expect(await accuracy()).toBeGreaterThan(Math.max(0.9, before));
    expect((await model.evaluate(x, y)).loss).toBeLessThan(history.loss[0] * 0.5);
  });

  it('gives the same initial weights for the same seed, and different ones for another seed', async () => {
    const weightsFor = async (seed: number) => {
      const model = lessonModel('sigmoid', 400);
      await model.compile({ loss: 'binaryCrossentropy', backend: 'cpu', seed });
      return model.getWeights();
    };
    const [a, b, c] = await Promise.all([weightsFor(7), weightsFor(7), weightsFor(8)]);
    expect(a.map((w) => Array.from(w))).toEqual(b.map((w) => Array.from(w)));
    expect(maxRelativeError(a[0], c[0])).toBeGreaterThan(0.01);
    // Glorot uniform: |w| ≤ √(6 / (400 + 25)), zero biases.
    expect(Math.max(...a[0].map(Math.abs))).toBeLessThanOrEqual(Math.sqrt(6 / 425));
    expect(Math.max(...a[0].map(Math.abs))).toBeGreaterThan(0.9 * Math.sqrt(6 / 425));
    expect(Array.from(a[1])).toEqual(new Array(25).fill(0));
  });

  it('builds the first layer from the data when inputDim is not given', async () => {
    const { x, y } = halvesDataset(20, 6);
    const model = lessonModel();
    await model.compile({ loss: new MeanSquaredError(), backend: 'cpu', seed: 1 });
    await model.fit(x, y, { epochs: 1 });
    expect((await model.getWeights()).map((w) => w.length)).toEqual([6 * 25, 25, 25 * 15, 15, 15, 1]);
    expect(model.summary()).toContain('Total params: ' + (7 * 25 + 26 * 15 + 16));
  });

  it('shuffles by seed: the same seed repeats a run, another seed changes it', async () => {
    const { x, y } = halvesDataset(64, 8);
    const run = async (seed: number) => {
      const model = lessonModel('sigmoid', 8);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend: 'cpu', seed: 5 });
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend: 'cpu', seed });
      return (await model.fit(x, y, { epochs: 3, batchSize: 8, shuffle: true })).loss;
    };
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(6));
  });

  it('stops after the epoch in which onEpochEnd sets stopTraining', async () => {
    const { x, y } = halvesDataset(16, 4);
    const model = lessonModel('relu', 4);
    await model.compile({ loss: 'binaryCrossentropy', backend: 'cpu', seed: 1 });
    const history = await model.fit(x, y, {
      epochs: 10,
      onEpochEnd: (epoch) => {
        if (epoch === 2) model.stopTraining = true;
      },
    });
    expect(history.epoch).toEqual([0, 1, 2]);
  });
});

// ---- the layers and penalties beyond the lesson ----

const TRAINING = (step = 0): Pass => ({ training: true, step });
const bnSpec = (units: number, options: Partial<BatchNormalizationSpec> = {}): BatchNormalizationSpec => ({ kind: 'batchNormalization', name: 'bn', inputs: units, units, momentum: 0.9, epsilon: 1e-3, center: true, scale: true, ...options });
/** The largest |a − b| / max(1, |b|) between a derivative and its central difference. */
const centralDifference = (f: (d: number) => number, h: number) => (f(h) - f(-h)) / (2 * h);

describe('CPU reference: BatchNormalization', () => {
  // The layer's outputs are float32: a central difference over 2h = 2e-3 of a sum of such values is off by up to
  // about 1e-4 (rounding of 6e-8 per term, divided by 2h), and by its curvature where a batch of 2 rows makes
  // σ² small. 5e-4 (relative to max(1, |∂J/∂·|)) holds that; an error in the formula is of order 0.1.
  const TOLERANCE = 5e-4;
  const h = 1e-3;

  for (const [center, scale] of [[true, true], [false, true], [true, false], [false, false]]) {
    for (const m of [7, 2]) {
      it(`backward in training equals central differences for ∂J/∂x${scale ? ', ∂J/∂γ' : ''}${center ? ', ∂J/∂β' : ''} (center ${center}, scale ${scale}, ${m} rows)`, () => {
        const units = 3;
        const spec = bnSpec(units, { center, scale });
        const x = randomMatrix(m, units, 21, -2, 2).data;
        const c = randomMatrix(m, units, 22).data; // J = Σ c ⊙ y, so ∂J/∂y = c
        const weights = [...(scale ? [randomMatrix(1, units, 23, 0.5, 1.5).data] : []), ...(center ? [randomMatrix(1, units, 24).data] : []), new Float32Array(units), new Float32Array(units).fill(1)];
        const { reference } = batchNormalization;
        const J = (input: Float32Array, w: Float32Array[]) => reference.forward(spec, w.map((v) => v.slice()), input, m, TRAINING()).output.reduce((s, y, i) => s + c[i] * y, 0);
        const { cache } = reference.forward(spec, weights.map((v) => v.slice()), x, m, TRAINING());
        const { dInput, gradients } = reference.backward(spec, weights, x, cache, c, m, TRAINING());

        const numericInput = Array.from(x, (_, i) => centralDifference((d) => J(Float32Array.from(x, (v, k) => (k === i ? v + d : v)), weights), h));
        let worst = maxRelativeError(dInput, numericInput);
        const trained = (scale ? 1 : 0) + (center ? 1 : 0);
        expect(gradients).toHaveLength(trained + 2);
        for (let k = 0; k < trained; k++) {
          const numeric = Array.from(weights[k], (_, j) => centralDifference((d) => J(x, weights.map((w, q) => (q === k ? Float32Array.from(w, (v, i) => (i === j ? v + d : v)) : w))), h));
          worst = Math.max(worst, maxRelativeError(gradients[k]!, numeric));
        }
        // The moving statistics are not trained.
        expect(gradients.slice(trained)).toEqual([undefined, undefined]);
        expect(worst).toBeLessThan(TOLERANCE);
      });
    }
  }

  it('backprop through Dense(tanh) → BatchNormalization → Dense(sigmoid) in training equals central differences for every trained weight', () => {
    const layers: LayerSpec[] = [
      { kind: 'dense', name: 'dense_1', inputs: 3, units: 4, activation: 'tanh', useBias: true },
      { ...bnSpec(4), name: 'bn' },
      { kind: 'dense', name: 'dense_2', inputs: 4, units: 2, activation: 'sigmoid', useBias: true },
    ];
    const m = 6;
    const x = randomMatrix(m, 3, 31).data;
    const y = randomMatrix(m, 2, 32, 0, 1).data;
    const params: LayerWeights[] = [
      [randomMatrix(3, 4, 33).data, randomMatrix(1, 4, 34, -0.2, 0.2).data],
      [randomMatrix(1, 4, 35, 0.5, 1.5).data, randomMatrix(1, 4, 36).data, new Float32Array(4), new Float32Array(4).fill(1)],
      [randomMatrix(4, 2, 37).data, randomMatrix(1, 2, 38).data],
    ];
    const loss = losses.binaryCrossentropy;
    const J = () => cost(layers, loss, forward(layers, params, x, m, TRAINING()), y, m);
    const pass = forward(layers, params, x, m, TRAINING());
    const gradients = backward(layers, params, x, m, pass, outputDeltas(layers, loss, pass.activations[2], y, m), TRAINING());
    let worst = 0;
    params.forEach((layer, l) =>
      layer.forEach((weight, k) => {
        if (!gradients[l][k]) return;
        const numeric = Array.from(weight, (w, i) =>
          centralDifference((d) => {
            weight[i] = w + d;
            const value = J();
            weight[i] = w;
            return value;
          }, 2e-3),
        );
        worst = Math.max(worst, maxRelativeError(gradients[l][k]!, numeric));
      }),
    );
    expect(gradients.map((g) => g.map((w) => w !== undefined))).toEqual([[true, true], [true, true, false, false], [true, true]]);
    expect(worst).toBeLessThan(2e-4);
  });

  it("trains with the batch's statistics and updates the moving ones as Keras's formulas say, a short last batch by its own rows (center and scale false)", async () => {
    // 5 rows in batches of 3 and 2. BN comes first, so its batches are the data's rows: the formulas, in double precision.
    const x = randomMatrix(5, 3, 41, -1, 3);
    const momentum = 0.6;
    const epsilon = 0.01;
    const model = new Sequential([new BatchNormalization({ momentum, epsilon, center: false, scale: false, inputDim: 3 }), new Dense({ units: 1 })]);
    await model.compile({ loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 0.01 }), backend: 'cpu', seed: 1 });
    const [kernel0, bias0] = (await model.getWeights()).slice(2);
    const y = randomMatrix(5, 1, 42);
    const batchLosses: number[] = [];
    await model.fit(x, y, { epochs: 1, batchSize: 3, shuffle: false, onBatchEnd: (_, logs) => void batchLosses.push(logs.loss) });
    const [movingMean, movingVariance] = await model.getWeights();

    const stats = (rows: number[]) =>
      [0, 1, 2].map((j) => {
        const values = rows.map((r) => x.data[r * 3 + j]);
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        return { mean, variance: values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length };
      });
    const [first, second] = [stats([0, 1, 2]), stats([3, 4])];
    const expectedMean = [0, 1, 2].map((j) => (0 * momentum + first[j].mean * (1 - momentum)) * momentum + second[j].mean * (1 - momentum));
    const expectedVariance = [0, 1, 2].map((j) => (1 * momentum + first[j].variance * (1 - momentum)) * momentum + second[j].variance * (1 - momentum));
    expect(maxRelativeError(movingMean, expectedMean)).toBeLessThan(1e-6);
    expect(maxRelativeError(movingVariance, expectedVariance)).toBeLessThan(1e-6);

    // In training each batch is normalised by its own rows' statistics, x̂ = (x − μ) / √(σ² + ε): the batch losses
    // of Dense(x̂), the second after one SGD step on the first.
    const normalised = (rows: number[], st: typeof first) => rows.map((r) => [0, 1, 2].map((j) => (x.data[r * 3 + j] - st[j].mean) / Math.sqrt(st[j].variance + epsilon)));
    const mse = (xhat: number[][], rows: number[], k: ArrayLike<number>, b: number) => xhat.reduce((sum, row, i) => sum + (row.reduce((z, v, j) => z + v * k[j], b) - y.data[rows[i]]) ** 2, 0) / rows.length;
    const xhat1 = normalised([0, 1, 2], first);
    const errors1 = xhat1.map((row, i) => row.reduce((z, v, j) => z + v * kernel0[j], bias0[0]) - y.data[i]);
    const kernel1 = [0, 1, 2].map((j) => kernel0[j] - 0.01 * (2 / 3) * errors1.reduce((g, e, i) => g + e * xhat1[i][j], 0));
    const bias1 = bias0[0] - 0.01 * (2 / 3) * errors1.reduce((g, e) => g + e, 0);
    expect(maxRelativeError(batchLosses, [mse(xhat1, [0, 1, 2], kernel0, bias0[0]), mse(normalised([3, 4], second), [3, 4], kernel1, bias1)])).toBeLessThan(1e-6);

    // In inference, the moving statistics.
    const [, , kernel, bias] = await model.getWeights();
    const expectedPrediction = Array.from({ length: 5 }, (_, r) => [0, 1, 2].reduce((sum, j) => sum + kernel[j] * ((x.data[r * 3 + j] - movingMean[j]) / Math.sqrt(movingVariance[j] + epsilon)), bias[0]));
    expect(maxRelativeError((await model.predict(x)).data, expectedPrediction)).toBeLessThan(1e-6);
    model.dispose();
  });
});

describe('CPU reference: weight penalties', () => {
  it('a step with l1l2, l2 and l1 penalties reports J + P and follows ∂(J + P)/∂w, as central differences give it', () => {
    const layers: LayerSpec[] = [
      { kind: 'dense', name: 'dense_1', inputs: 3, units: 4, activation: 'relu', useBias: true, kernelRegularizer: { l1: 0.02, l2: 0.05 }, biasRegularizer: { l1: 0, l2: 0.3 } },
      { kind: 'dense', name: 'dense_2', inputs: 4, units: 1, activation: 'sigmoid', useBias: true, kernelRegularizer: { l1: 0.1, l2: 0 } },
    ];
    const m = 5;
    const x = randomMatrix(m, 3, 51, 0, 1).data;
    const y = Float32Array.from({ length: m }, (_, r) => r % 2);
    // Weights away from 0, where |w| has a derivative; positive biases keep every relu active.
    const away = (data: Float32Array) => data.map((v) => (v < 0 ? v - 0.1 : v + 0.1));
    const params: LayerWeights[] = [
      [away(randomMatrix(3, 4, 52, -0.5, 0.5).data), randomMatrix(1, 4, 53, 0.3, 0.6).data],
      [away(randomMatrix(4, 1, 54, -0.5, 0.5).data), new Float32Array([0.2])],
    ];
    const loss = losses.binaryCrossentropy;
    const direct = (w: LayerWeights[]) =>
      layers.reduce((sum, layer, l) => {
        const { kernelRegularizer: k, biasRegularizer: b } = layer as DenseSpec;
        const of = (r: { l1: number; l2: number } | undefined, v: Float32Array) => (r ? v.reduce((s, q) => s + r.l1 * Math.abs(q) + r.l2 * q * q, 0) : 0);
        return sum + of(k, w[l][0]) + of(b, w[l][1]);
      }, 0);
    const total = () => cost(layers, loss, forward(layers, params, x, m), y, m) + direct(params);
    const numeric = params.map((layer) =>
      layer.map((weight) =>
        Array.from(weight, (w, i) =>
          centralDifference((d) => {
            weight[i] = w + d;
            const value = total();
            weight[i] = w;
            return value;
          }, 1e-3),
        ),
      ),
    );
    const expectedCost = total();
    const before = params.map((layer) => layer.map((w) => w.slice()));
    // SGD with α = 1: the step moves each weight by its gradient.
    const spec = { layers, loss: 'binaryCrossentropy' as const, optimizer: new SGD({ learningRate: 1 }).spec, metrics: [] };
    const reported = trainStep(spec, params, initialState(params, spec.optimizer), x, y, m).cost;
    expect(reported).toBeCloseTo(expectedCost, 6);
    expect(direct(before)).toBeGreaterThan(0.05);
    let worst = 0;
    params.forEach((layer, l) => layer.forEach((w, k) => (worst = Math.max(worst, maxRelativeError(before[l][k].map((v, i) => v - w[i]), numeric[l][k])))));
    expect(worst).toBeLessThan(2e-4);
  });
});

describe('CPU reference: Dropout', () => {
  // |dropped − rate| < 1% of the rate. Over n draws the dropped fraction has a standard deviation of √(rate(1 − rate)/n):
  // at n = 10⁵ and rate 0.1 that is 0.00095, so a bound of 0.001 would be 1.05 deviations and fail for a third of
  // seeds even with a perfect hash. At n = 10⁶ the bound is 3.3 deviations for rate 0.1, 5 for 0.2 and 10 for 0.5.
  const DRAWS = { steps: 10, rows: 100, units: 1000 };
  const dropped = (seed: number, rate: number, at: (s: number, r: number, u: number) => [number, number, number] = (s, r, u) => [s, r, u]) => {
    const limit = threshold(rate);
    let count = 0;
    for (let s = 0; s < DRAWS.steps; s++) for (let r = 0; r < DRAWS.rows; r++) for (let u = 0; u < DRAWS.units; u++) count += Number(maskHash(seed, ...at(s, r, u)) < limit);
    return count / (DRAWS.steps * DRAWS.rows * DRAWS.units);
  };

  for (const rate of [0.1, 0.2, 0.5]) {
    it(`drops a fraction within 1% of the rate ${rate} over 10⁶ masks (10 steps × 100 rows × 1000 units)`, () => {
      const fraction = dropped(2024, rate);
      console.log(`rate ${rate}: dropped ${fraction.toFixed(6)}, off by ${(Math.abs(fraction - rate) / rate * 100).toFixed(3)}% of the rate`);
      expect(Math.abs(fraction - rate)).toBeLessThan(0.01 * rate);
    });
  }

  it('draws masks independently across steps, rows, units and seeds: neighbours agree half the time at rate 0.5', () => {
    const limit = threshold(0.5);
    const agreement = (other: (s: number, r: number, u: number) => number) => {
      let same = 0;
      let n = 0;
      for (let s = 0; s < 4; s++) for (let r = 0; r < 50; r++) for (let u = 0; u < 500; u++, n++) same += Number(maskHash(7, s, r, u) < limit === other(s, r, u) < limit);
      return same / n;
    };
    // 10⁵ pairs: the agreement of independent masks is 0.5 with a deviation of 0.0016; 0.01 is six of them.
    const neighbours = {
      'the next step': agreement((s, r, u) => maskHash(7, s + 1, r, u)),
      'the next row': agreement((s, r, u) => maskHash(7, s, r + 1, u)),
      'the next unit': agreement((s, r, u) => maskHash(7, s, r, u + 1)),
      'the next seed': agreement((s, r, u) => maskHash(8, s, r, u)),
    };
    console.log(Object.entries(neighbours).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', '));
    for (const [what, value] of Object.entries(neighbours)) expect(Math.abs(value - 0.5), what).toBeLessThan(0.01);
  });

  it('zeroes the dropped units and scales the kept ones by 1/(1 − rate) in training, the same mask backward; the identity in inference', () => {
    const spec: LayerSpec = { kind: 'dropout', name: 'dropout', inputs: 200, units: 200, rate: 0.3, seed: 99 };
    const x = randomMatrix(50, 200, 61, 0.5, 1.5).data;
    const pass = TRAINING(3);
    const { output } = dropout.reference.forward(spec, [], x, 50, pass);
    const kept = Array.from(x, (_, i) => maskHash(99, 3, Math.floor(i / 200), i % 200) >= threshold(0.3));
    expect(Array.from(output, (v, i) => (kept[i] ? v === Math.fround(x[i] * Math.fround(1 / 0.7)) : v === 0)).every(Boolean)).toBe(true);
    expect(Math.abs(output.reduce((a, b) => a + b, 0) / x.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(0.02); // inverted: E[y] = x
    const dy = randomMatrix(50, 200, 62).data;
    const { dInput } = dropout.reference.backward(spec, [], x, undefined, dy, 50, pass);
    expect(Array.from(dInput, (v, i) => (kept[i] ? v === Math.fround(dy[i] * Math.fround(1 / 0.7)) : v === 0)).every(Boolean)).toBe(true);
    expect(dropout.reference.forward(spec, [], x, 50, INFERENCE).output).toEqual(x);
    expect(dropout.reference.forward(spec, [], x, 50, TRAINING(4)).output).not.toEqual(output);
  });

  it('leaves predict and evaluate as the same weights without the Dropout layers give them, after training with it', async () => {
    const { x, y } = halvesDataset(60, 10, 63);
    const dense = () => [new Dense({ units: 8, activation: 'relu', inputDim: 10 }), new Dense({ units: 4, activation: 'tanh' }), new Dense({ units: 1, activation: 'sigmoid' })];
    const [a, b, c] = dense();
    const withDropout = new Sequential([a, new Dropout({ rate: 0.5 }), b, new Dropout({ rate: 0.2, seed: 3 }), c]);
    await withDropout.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend: 'cpu', seed: 8 });
    const history = await withDropout.fit(x, y, { epochs: 3, batchSize: 16 });
    const without = new Sequential(dense());
    await without.compile({ loss: 'binaryCrossentropy', backend: 'cpu', seed: 1 });
    await without.setWeights(await withDropout.getWeights());
    expect((await withDropout.predict(x)).data).toEqual((await without.predict(x)).data);
    expect(await withDropout.evaluate(x, y)).toEqual(await without.evaluate(x, y));
    // Training did drop units: the same weights trained without dropout take other steps.
    const plain = new Sequential(dense());
    await plain.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend: 'cpu', seed: 8 });
    expect((await plain.fit(x, y, { epochs: 3, batchSize: 16 })).loss).not.toEqual(history.loss);
    [withDropout, without, plain].forEach((m) => m.dispose());
  });
});

describe("CPU reference: Keras 3's optimizer options, step by step by hand", () => {
  // Dense(3 → 2, linear) on 4 rows with mean squared error, full batch: three steps, each computed here in double
  // precision from Keras 3's formulas (BaseOptimizer: the gradient of the loss and penalties, clipped, then the
  // weights decayed, w ← w − w·weightDecay·α, then the rule).
  const x = [[0.2, -0.4, 0.9], [1, 0.5, -0.3], [-0.7, 0.8, 0.1], [0.3, 0.3, 0.6]];
  const y = [[0.5, -0.2], [0.1, 0.4], [-0.3, 0.9], [0.8, 0]];
  const W0 = [[0.1, -0.2], [0.3, 0.25], [-0.15, 0.05]];
  const b0 = [0.05, -0.1];

  type Vars = number[][]; // [kernel (flat), bias]
  interface Options { learningRate: number; momentum?: number; nesterov?: boolean; weightDecay?: number; clipvalue?: number; clipnorm?: number; globalClipnorm?: number; l2?: number }
  type Rule = (w: number[], g: number[], state: number[][], t: number, o: Options) => void;

  /** ∂(J + P)/∂w for the kernel and the bias, P = l2 · Σ W² on the kernel. */
  function gradients([w, b]: Vars, l2: number): Vars {
    const m = x.length;
    const dz = x.map((row, r) => [0, 1].map((j) => (2 * (row.reduce((s, v, i) => s + v * w[i * 2 + j], b[j]) - y[r][j])) / (m * 2)));
    const gw = w.map((v, k) => x.reduce((s, row, r) => s + row[Math.floor(k / 2)] * dz[r][k % 2], 0) + 2 * l2 * v);
    return [gw, [0, 1].map((j) => dz.reduce((s, row) => s + row[j], 0))];
  }

  const norm = (g: number[]) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));
  function step(vars: Vars, state: number[][][], t: number, o: Options, rule: Rule) {
    let g = gradients(vars, o.l2 ?? 0);
    if (o.clipvalue) g = g.map((gv) => gv.map((v) => Math.min(Math.max(v, -o.clipvalue!), o.clipvalue!)));
    if (o.clipnorm) g = g.map((gv) => gv.map((v) => (v * o.clipnorm!) / Math.max(norm(gv), o.clipnorm!)));
    if (o.globalClipnorm) {
      const all = Math.sqrt(g.reduce((s, gv) => s + norm(gv) ** 2, 0));
      g = g.map((gv) => gv.map((v) => (v * o.globalClipnorm!) / Math.max(all, o.globalClipnorm!)));
    }
    vars.forEach((w, k) => {
      if (o.weightDecay) w.forEach((v, i) => (w[i] = v - v * o.weightDecay! * o.learningRate));
      rule(w, g[k], state[k], t, o);
    });
  }

  const sgd: Rule = (w, g, [v], _t, { learningRate: lr, momentum = 0, nesterov }) =>
    w.forEach((_, i) => {
      if (!momentum) return void (w[i] -= lr * g[i]);
      v[i] = momentum * v[i] - lr * g[i];
      w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
    });
  // Keras 3's Adam step (AdamW's): m ← m + (g − m)(1 − β1), v ← v + (g² − v)(1 − β2), α̂ = α √(1 − β2^t) / (1 − β1^t).
  const kerasAdam: Rule = (w, g, [m, v], t, { learningRate: lr }) =>
    w.forEach((_, i) => {
      m[i] += (g[i] - m[i]) * 0.1;
      v[i] += (g[i] * g[i] - v[i]) * 0.001;
      w[i] -= ((lr * Math.sqrt(1 - 0.999 ** t)) / (1 - 0.9 ** t)) * (m[i] / (Math.sqrt(v[i]) + 1e-7));
    });
  // Adam as TF.js computes it, ε on √v̂ (the library's Adam).
  const tfjsAdam: Rule = (w, g, [m, v], t, { learningRate: lr }) =>
    w.forEach((_, i) => {
      m[i] = 0.9 * m[i] + 0.1 * g[i];
      v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
      w[i] -= (lr * (m[i] / (1 - 0.9 ** t))) / (Math.sqrt(v[i] / (1 - 0.999 ** t)) + 1e-7);
    });
  const rmsprop: Rule = (w, g, [s], _t, { learningRate: lr }) =>
    w.forEach((_, i) => {
      s[i] = 0.9 * s[i] + 0.1 * g[i] * g[i];
      w[i] -= (lr * g[i]) / Math.sqrt(s[i] + 1e-7);
    });

  const cases: [string, () => Optimizer, Options, Rule][] = [
    ['SGD with momentum 0.9', () => new SGD({ learningRate: 0.1, momentum: 0.9 }), { learningRate: 0.1, momentum: 0.9 }, sgd],
    ['SGD with Nesterov momentum 0.9 and weight decay 0.1', () => new SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }), { learningRate: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 }, sgd],
    ['SGD with momentum 1 (Keras allows [0, 1])', () => new SGD({ learningRate: 0.05, momentum: 1 }), { learningRate: 0.05, momentum: 1 }, sgd],
    ['AdamW (Keras 3: weight decay 0.004 by default)', () => new AdamW({ learningRate: 0.01 }), { learningRate: 0.01, weightDecay: 0.004 }, kerasAdam],
    ['AdamW with weight decay 0.5', () => new AdamW({ learningRate: 0.01, weightDecay: 0.5 }), { learningRate: 0.01, weightDecay: 0.5 }, kerasAdam],
    ['Adam with clipnorm 0.05 (each variable)', () => new Adam({ learningRate: 0.01, clipnorm: 0.05 }), { learningRate: 0.01, clipnorm: 0.05 }, tfjsAdam],
    ['SGD with globalClipnorm 0.1', () => new SGD({ learningRate: 0.2, globalClipnorm: 0.1 }), { learningRate: 0.2, globalClipnorm: 0.1 }, sgd],
    ['RMSprop with clipvalue 0.05 and weight decay 0.2', () => new RMSprop({ learningRate: 0.01, clipvalue: 0.05, weightDecay: 0.2 }), { learningRate: 0.01, clipvalue: 0.05, weightDecay: 0.2 }, rmsprop],
    ['SGD with an L2 penalty clipped with the loss by clipnorm 0.1', () => new SGD({ learningRate: 0.5, clipnorm: 0.1 }), { learningRate: 0.5, clipnorm: 0.1, l2: 0.5 }, sgd],
  ];

  for (const [name, optimizer, options, rule] of cases) {
    it(`${name}: three steps as Keras's formulas give them`, async () => {
      const model = new Sequential([new Dense({ units: 2, inputDim: 3, kernelRegularizer: options.l2 ? regularizers.l2({ l2: options.l2 }) : undefined })]);
      await model.compile({ loss: 'meanSquaredError', optimizer: optimizer(), backend: 'cpu', seed: 1 });
      await model.setWeights([W0.flat(), b0]);
      await model.fit(x, y, { epochs: 3, batchSize: 4, shuffle: false });
      const vars: Vars = [W0.flat(), b0.slice()];
      const state = vars.map((w) => [w.map(() => 0), w.map(() => 0)]);
      for (let t = 1; t <= 3; t++) step(vars, state, t, options, rule);
      const [kernel, bias] = await model.getWeights();
      expect(maxRelativeError(kernel, vars[0])).toBeLessThan(1e-6);
      expect(maxRelativeError(bias, vars[1])).toBeLessThan(1e-6);
      // The steps moved the weights by more than the tolerance.
      expect(maxRelativeError(vars[0], W0.flat())).toBeGreaterThan(1e-3);
      model.dispose();
    });
  }

  it("a learning rate set between fits takes effect at the next step; SGD's velocity keeps the earlier steps' α, as in Keras (TF.js rescales it)", async () => {
    const optimizer = new SGD({ learningRate: 0.1, momentum: 0.9 });
    const model = new Sequential([new Dense({ units: 2, inputDim: 3 })]);
    await model.compile({ loss: 'meanSquaredError', optimizer, backend: 'cpu', seed: 1 });
    await model.setWeights([W0.flat(), b0]);
    await model.fit(x, y, { epochs: 1, batchSize: 4, shuffle: false });
    optimizer.learningRate = 0.01;
    await model.fit(x, y, { epochs: 2, batchSize: 4, shuffle: false });
    const vars: Vars = [W0.flat(), b0.slice()];
    const state = vars.map((w) => [w.map(() => 0)]);
    [0.1, 0.01, 0.01].forEach((learningRate, t) => step(vars, state, t + 1, { learningRate, momentum: 0.9 }, sgd));
    const [kernel, bias] = await model.getWeights();
    expect(maxRelativeError([...kernel, ...bias], vars.flat())).toBeLessThan(1e-6);
    model.dispose();
  });
});
