// Bad input is rejected with an error naming the argument, what was expected and what came,
// and the rejected call leaves the model exactly as it was.
import { beforeEach, describe, expect, it } from 'vitest';
import { Activation, Adam, AdamW, BatchNormalization, Dense, Dropout, RMSprop, SGD, Sequential, initializers, regularizers } from '../src/index';
import type { Initializer, Regularizer } from '../src/index';
import { halvesDataset } from './support/data';
import { rejection } from './support/rejection';

const { x, y } = halvesDataset(10, 4);
let model: Sequential;
let before: number[][];

beforeEach(async () => {
  model = new Sequential([new Dense({ units: 3, activation: 'sigmoid', inputDim: 4 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.1 }), backend: 'cpu', seed: 1 });
  before = (await model.getWeights()).map((w) => Array.from(w));
});

async function rejects(call: () => Promise<unknown> | unknown, code: string, ...fragments: (string | RegExp)[]) {
  await rejection(call, fragments, code);
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

  it('rejects softmax on a hidden layer, a categorical loss without softmax, and unknown or misconfigured metrics', async () => {
    const hiddenSoftmax = new Sequential([new Dense({ units: 3, activation: 'softmax', inputDim: 4 }), new Dense({ units: 2, activation: 'softmax' })]);
    await expect(hiddenSoftmax.compile({ loss: 'categoricalCrossentropy', backend: 'cpu' })).rejects.toThrow(/model.layers\[0\].activation: expected 'softmax' on the last layer only/);
    await rejects(() => model.compile({ loss: 'categoricalCrossentropy', backend: 'cpu' }), 'INVALID_ARGUMENT', "expected a last layer with activation 'softmax' for categoricalCrossentropy, got 'sigmoid'");
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', metrics: ['accuracy', 'f1'] }), 'INVALID_ARGUMENT', 'compile({ metrics })[1]: expected a metric name', "'binaryAccuracy'", 'got "f1"');
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', metrics: [{ name: 'topKCategoricalAccuracy', k: 0 }] }), 'INVALID_ARGUMENT', 'compile({ metrics })[0].k: expected a valid k', 'got 0');
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', metrics: [{ name: 'auc', curve: 'PR' }] }), 'INVALID_ARGUMENT', 'compile({ metrics })[0].curve: expected one of the options of auc: numThresholds');
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', metrics: ['sparseCategoricalAccuracy'] }), 'INVALID_ARGUMENT', 'compile({ metrics })[0]: expected class indices');
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', metrics: ['mse', 'mse'] }), 'INVALID_ARGUMENT', 'compile({ metrics })[1]: expected metrics with different names');
    await rejects(() => model.compile({ loss: 'binaryCrossentropy', weightedMetrics: 'auc' as never }), 'INVALID_ARGUMENT', 'compile({ weightedMetrics }): expected an array of metric names');
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

describe('bad options of the layers, penalties, initializers and optimizers', () => {
  it('rejects a Dropout rate outside [0, 1) and a seed that is not a 32-bit integer', async () => {
    for (const rate of [1, -0.1, 1.5, NaN, 'a']) await rejects(() => new Dropout({ rate: rate as number }), 'INVALID_ARGUMENT', 'Dropout({ rate }): expected a number in [0, 1)', `got ${typeof rate === 'string' ? '"a"' : rate}`);
    await rejects(() => new Dropout({ rate: 0.2, seed: 1.5 }), 'INVALID_ARGUMENT', 'Dropout({ seed }): expected an integer in [0, 2^32)', 'got 1.5');
    await rejects(() => new Dropout(0.2 as unknown as { rate: number }), 'INVALID_ARGUMENT', 'Dropout(config): expected an object like { rate: 0.2 }', 'got 0.2');
  });

  it('rejects negative or unknown penalties on a kernel or a bias', async () => {
    const cases: [string, Regularizer][] = [
      ['kernelRegularizer', regularizers.l1({ l1: -0.01 })],
      ['kernelRegularizer', regularizers.l1l2({ l1: 0.01, l2: -1 })],
      ['biasRegularizer', regularizers.l2({ l2: -0.5 })],
      ['biasRegularizer', { l1: NaN, l2: 0 }],
      ['kernelRegularizer', 'l3' as 'l1'],
    ];
    for (const [argument, value] of cases) {
      await rejects(() => new Dense({ units: 2, [argument]: value }), 'INVALID_ARGUMENT', `Dense({ ${argument} }): expected regularizers.l1(), l2(), l1l2() or 'l1', 'l2', 'l1l2': non-negative l1 and l2`);
    }
  });

  it('rejects SGD momentum outside [0, 1], BatchNormalization momentum outside [0, 1), and its other options', async () => {
    for (const momentum of [1.5, -0.1]) await rejects(() => new SGD({ momentum }), 'INVALID_ARGUMENT', 'SGD({ momentum }): expected a number in [0, 1]', `got ${momentum}`);
    await rejects(() => new SGD({ momentum: 0.9, nesterov: 1 as unknown as boolean }), 'INVALID_ARGUMENT', 'SGD({ nesterov }): expected true or false', 'got 1');
    for (const momentum of [1, -0.1]) await rejects(() => new BatchNormalization({ momentum }), 'INVALID_ARGUMENT', 'BatchNormalization({ momentum }): expected a number in [0, 1)', `got ${momentum}`);
    await rejects(() => new BatchNormalization({ epsilon: 0 }), 'INVALID_ARGUMENT', 'BatchNormalization({ epsilon }): expected a positive finite number', 'got 0');
    await rejects(() => new BatchNormalization({ center: 'yes' as unknown as boolean }), 'INVALID_ARGUMENT', 'BatchNormalization({ center }): expected true or false', 'got "yes"');
    await rejects(() => new BatchNormalization({ inputShape: [2, 3] as unknown as [number] }), 'INVALID_ARGUMENT', 'BatchNormalization({ inputShape }): expected [n]', 'got an array of length 2');
  });

  it('rejects two clippings together, negative weight decay and clipping, on every optimizer', async () => {
    await rejects(() => new SGD({ clipnorm: 1, clipvalue: 0.5 }), 'INVALID_ARGUMENT', 'SGD({ clipvalue, clipnorm }): expected at most one of clipvalue, clipnorm and globalClipnorm, got 2');
    await rejects(() => new Adam({ clipnorm: 1, globalClipnorm: 1 }), 'INVALID_ARGUMENT', 'Adam({ clipnorm, globalClipnorm }): expected at most one of');
    for (const [name, make] of [['SGD', (o: object) => new SGD(o)], ['Adam', (o: object) => new Adam(o)], ['AdamW', (o: object) => new AdamW(o)], ['RMSprop', (o: object) => new RMSprop(o)]] as const) {
      await rejects(() => make({ weightDecay: -0.1 }), 'INVALID_ARGUMENT', `${name}({ weightDecay }): expected a non-negative finite number`, 'got -0.1');
      await rejects(() => make({ clipvalue: -1 }), 'INVALID_ARGUMENT', `${name}({ clipvalue }): expected a non-negative finite number`, 'got -1');
      await rejects(() => make({ globalClipnorm: Infinity }), 'INVALID_ARGUMENT', `${name}({ globalClipnorm })`, 'got Infinity');
    }
  });

  it('rejects unknown initializers, bad seeds and ranges', async () => {
    const cases: [string, Initializer, string][] = [
      ['kernelInitializer', 'glorot' as 'zeros', 'got "glorot"'],
      ['biasInitializer', 'truncatedNormal' as 'zeros', 'got "truncatedNormal"'],
      ['kernelInitializer', initializers.heNormal({ seed: -1 }), 'got an object with keys {name, scale, mode, distribution, seed}'],
      ['kernelInitializer', initializers.randomUniform({ minval: 1, maxval: 0 }), 'got an object with keys {name, minval, maxval}'],
      ['biasInitializer', initializers.randomNormal({ stddev: -1 }), 'got an object with keys {name, mean, stddev}'],
    ];
    for (const [argument, value, got] of cases) {
      await rejects(() => new Dense({ units: 2, [argument]: value }), 'INVALID_ARGUMENT', `Dense({ ${argument} }): expected an initializer: initializers.heNormal({ seed }), ... or one of 'glorotUniform', 'glorotNormal', 'heUniform', 'heNormal', 'lecunUniform', 'lecunNormal', 'zeros', 'ones', 'randomNormal', 'randomUniform'`, got);
    }
  });

  it('rejects a Dropout or an Activation as the first layer, in the constructor and in add(), and leaves the model as it was', async () => {
    for (const layer of [new Dropout({ rate: 0.2 }), new Activation({ activation: 'relu' })]) {
      await rejects(() => new Sequential([layer, new Dense({ units: 1 })]), 'INVALID_ARGUMENT', 'Sequential(layers)[0]: expected a first layer with weights (Dense, BatchNormalization)', layer.className);
      const empty = new Sequential();
      await rejects(() => empty.add(layer), 'INVALID_ARGUMENT', 'add(layer): expected a first layer with weights (Dense, BatchNormalization)', layer.className);
      expect(empty.layers).toEqual([]);
      // The model takes a first layer with weights, and the rejected layer after it.
      empty.add(new BatchNormalization({ inputDim: 4 }));
      empty.add(layer);
      expect(empty.layers.map((l) => l.className)).toEqual(['BatchNormalization', layer.className]);
    }
    // After compile, add() rejects any layer and the compiled model trains on as before.
    await rejects(() => model.add(new Dropout({ rate: 0.1 })), 'INVALID_ARGUMENT', 'add(layer): expected layers to be added before compile()');
    expect(model.layers).toHaveLength(2);
    expect((await model.fit(x, y, { epochs: 1 })).loss).toHaveLength(1);
  });

  it('rejects softmax before the last layer, from an Activation layer too, and leaves the model uncompiled', async () => {
    const hidden = new Sequential([new Dense({ units: 3, inputDim: 4 }), new Activation({ activation: 'softmax' }), new Dropout({ rate: 0.1 }), new Dense({ units: 2, activation: 'softmax' })]);
    await expect(hidden.compile({ loss: 'categoricalCrossentropy', backend: 'cpu' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: "compile(): model.layers[1].activation: expected 'softmax' on the last layer only, got \"softmax\"" });
    await expect(hidden.fit(x, [[0, 1]])).rejects.toMatchObject({ code: 'NOT_COMPILED' });
  });

  it('rejects a learning rate set to a non-positive number, keeps the old one, and trains with it', async () => {
    const optimizer = new SGD({ learningRate: 0.1 });
    const twin = new Sequential([new Dense({ units: 3, activation: 'sigmoid', inputDim: 4 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await twin.compile({ loss: 'binaryCrossentropy', optimizer, backend: 'cpu', seed: 1 });
    for (const value of [0, -1, NaN]) {
      await rejects(() => {
        optimizer.learningRate = value;
      }, 'INVALID_ARGUMENT', 'optimizer.learningRate: expected a positive finite number', `got ${value}`);
    }
    expect(optimizer.learningRate).toBe(0.1);
    expect((await twin.fit(x, y, { epochs: 2, shuffle: false })).loss).toEqual((await model.fit(x, y, { epochs: 2, shuffle: false })).loss);
  });
});
