import { describe, expect, it } from 'vitest';
import { BinaryCrossentropy, Dense, MeanSquaredError, SGD, Sequential } from '../src/index';
import { type ActivationName as Activation, activationNames } from '../src/activations/activations';
import type { DenseSpec } from '../src/layers/dense/definition';
import type { LossMath } from '../src/losses/loss';
import { losses } from '../src/losses/registry';
import { type LayerWeights, backward, cost, forward, initialState, outputDeltas, trainStep } from '../src/reference/network';
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
