// Bad input is rejected with an error naming the argument, what was expected and what came,
// and the rejected call leaves the model exactly as it was.
import { beforeEach, describe, expect, it } from 'vitest';
import { Dense, SGD, Sequential, WebGPUNNError } from '../src/index';
import { halvesDataset } from './support/data';

const { x, y } = halvesDataset(10, 4);
let model: Sequential;
let before: number[][];

beforeEach(async () => {
  model = new Sequential([new Dense({ units: 3, activation: 'sigmoid', inputDim: 4 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.1 }), backend: 'cpu', seed: 1 });
  before = (await model.getWeights()).map((w) => Array.from(w));
});

async function rejects(call: () => Promise<unknown> | unknown, code: string, ...fragments: (string | RegExp)[]) {
  let error: unknown;
  try {
    await call();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(WebGPUNNError);
  expect((error as WebGPUNNError).code).toBe(code);
  for (const f of fragments) expect((error as Error).message).toMatch(f);
  if (model) expect((await model.getWeights()).map((w) => Array.from(w))).toEqual(before);
}

describe('bad input', () => {
  it('rejects ragged rows, naming the row', () =>
    rejects(() => model.fit([[1, 2, 3, 4], [1, 2, 3]], [[0], [1]]), 'SHAPE_MISMATCH', 'fit(x)[1]', 'row of 4 numbers', 'length 3'));

  it('rejects X and Y with different row counts', () =>
    rejects(() => model.fit(x, { shape: [9, 1], data: new Float32Array(9) }), 'SHAPE_MISMATCH', 'fit(y)', 'expected 10 rows', 'got 9'));

  it('rejects X of the wrong width', () =>
    rejects(() => model.fit({ shape: [10, 5], data: new Float32Array(50) }, y), 'SHAPE_MISMATCH', 'fit(x)', 'expected 4 columns', 'got 5'));

  it('rejects a shape that disagrees with the data length', () =>
    rejects(() => model.predict({ shape: [3, 4], data: new Float32Array(11) }), 'SHAPE_MISMATCH', 'predict(x)', '12', 'got 11'));

  it('rejects NaN and Infinity, naming where', async () => {
    const bad = x.data.slice();
    bad[6] = NaN;
    await rejects(() => model.fit({ shape: x.shape, data: bad }, y), 'NON_FINITE', 'fit(x)[1][2]', 'finite', 'NaN');
    await rejects(() => model.evaluate(x, [[0], [1], [Infinity], [0], [0], [0], [0], [0], [0], [0]]), 'NON_FINITE', 'evaluate(y)[2][0]', 'Infinity');
  });

  it('rejects binary labels outside [0, 1]', () =>
    rejects(() => model.fit(x, { shape: [10, 1], data: new Float32Array(10).fill(2) }), 'INVALID_ARGUMENT', 'fit(y)[0][0]', '[0, 1]', 'got 2'));

  it('rejects batchSize ≤ 0 or fractional, and negative epochs', async () => {
    await rejects(() => model.fit(x, y, { batchSize: 0 }), 'INVALID_ARGUMENT', 'fit({ batchSize })', 'positive integer', 'got 0');
    await rejects(() => model.fit(x, y, { batchSize: 2.5 }), 'INVALID_ARGUMENT', 'fit({ batchSize })', 'got 2.5');
    await rejects(() => model.fit(x, y, { epochs: -1 }), 'INVALID_ARGUMENT', 'fit({ epochs })', 'non-negative integer', 'got -1');
  });

  it('rejects empty data', () => rejects(() => model.fit([], []), 'INVALID_ARGUMENT', 'fit(x)', 'at least one row', 'length 0'));

  it('rejects a wrong-shaped setWeights', async () => {
    const weights = await model.getWeights();
    await rejects(() => model.setWeights(weights.slice(0, 3)), 'INVALID_ARGUMENT', 'setWeights(weights)', 'array of 4 arrays', 'length 3');
    weights[2] = new Float32Array(4);
    await rejects(() => model.setWeights(weights), 'SHAPE_MISMATCH', 'setWeights(weights)[2]', 'expected 3 numbers', 'got 4');
    weights[2] = new Float32Array([1, NaN, 0]);
    await rejects(() => model.setWeights(weights), 'NON_FINITE', 'setWeights(weights)[2][1]');
  });

  it('rejects fit before compile and calls after dispose', async () => {
    const fresh = new Sequential([new Dense({ units: 1, inputDim: 4 })]);
    await expect(fresh.fit(x, y)).rejects.toMatchObject({ code: 'NOT_COMPILED', message: expect.stringMatching(/fit: .*compile/) });
    fresh.dispose();
    await expect(fresh.compile({ loss: 'meanSquaredError' })).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('rejects unknown activations, losses and optimizers', async () => {
    expect(() => new Dense({ units: 2, activation: 'tanhh' as 'relu' })).toThrow(/Dense\(\{ activation \}\): expected one of 'sigmoid', 'linear', 'relu', 'tanh', 'softmax', got "tanhh"/);
    expect(() => new Dense({ units: 0 })).toThrow(/Dense\(\{ units \}\): expected a positive integer, got 0/);
    expect(() => new SGD({ learningRate: -1 })).toThrow(/SGD\(\{ learningRate \}\): expected a positive finite number, got -1/);
    await rejects(() => model.compile({ loss: 'hinge' as 'meanSquaredError' }), 'INVALID_ARGUMENT', 'compile({ loss })', 'got "hinge"');
  });

  it('rejects softmax on a hidden layer, a categorical loss without softmax, and unknown metrics', async () => {
    const hiddenSoftmax = new Sequential([new Dense({ units: 3, activation: 'softmax', inputDim: 4 }), new Dense({ units: 2, activation: 'softmax' })]);
    await expect(hiddenSoftmax.compile({ loss: 'categoricalCrossentropy', backend: 'cpu' })).rejects.toThrow(/model.layers\[0\].activation: expected 'softmax' on the last layer only/);
    await rejects(() => model.compile({ loss: 'categoricalCrossentropy', backend: 'cpu' }), 'INVALID_ARGUMENT', "expected a last layer with activation 'softmax' for categoricalCrossentropy, got 'sigmoid'");
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', metrics: ['mae' as 'accuracy'] }), 'INVALID_ARGUMENT', 'compile({ metrics })', "['accuracy']");
  });

  it('rejects class indices that are not integers in [0, classes) for sparse categorical cross-entropy', async () => {
    const classifier = new Sequential([new Dense({ units: 3, activation: 'softmax', inputDim: 4 })]);
    await classifier.compile({ loss: 'sparseCategoricalCrossentropy', backend: 'cpu', seed: 1 });
    const xs = [[1, 2, 3, 4], [0, 1, 0, 1]];
    await expect(classifier.fit(xs, [[0], [3]])).rejects.toThrow(/fit\(y\)\[1\]\[0\]: expected a class index, an integer in \[0, 3\), got 3/);
    await expect(classifier.fit(xs, [[0, 1, 0], [1, 0, 0]])).rejects.toThrow(/fit\(y\): expected 1 column \(a class index per row for sparseCategoricalCrossentropy\), got 3/);
  });

  it('rejects bad fit options: initialEpoch past epochs, validationSplit outside [0, 1), validationData not [x, y]', async () => {
    await rejects(() => model.fit(x, y, { epochs: 2, initialEpoch: 3 }), 'INVALID_ARGUMENT', 'fit({ initialEpoch })', 'got 3');
    await rejects(() => model.fit(x, y, { validationSplit: 1 }), 'INVALID_ARGUMENT', 'fit({ validationSplit })', '[0, 1)', 'got 1');
    await rejects(() => model.fit(x, y, { validationData: [x] as unknown as [typeof x, typeof y] }), 'INVALID_ARGUMENT', 'fit({ validationData })', '[x, y]');
    await rejects(() => model.fit(x, y, { validationData: [x, { shape: [10, 2], data: new Float32Array(20) }] }), 'SHAPE_MISMATCH', 'fit({ validationData })(y)', 'expected 1 column');
  });

  it('rejects a second fit while one runs, and finishes the first', async () => {
    const running = model.fit(x, y, { epochs: 3 });
    await expect(model.fit(x, y)).rejects.toMatchObject({ code: 'BUSY' });
    expect((await running).loss).toHaveLength(3);
  });
});
