// fitDataset on the CPU reference: against fit with shuffle off on the same rows cut into the same batches (every
// layer kind, sample weights, metrics, validation, callbacks); sources that make data on the fly, that are called
// once per epoch, or that never end; and bad batches, each rejected naming where it came from, the model keeping
// the weights of its last completed epoch. The GPU runs the same against the CPU in the shared GPU checks
// (checks/stream-checks.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Activation, Adam, BatchNormalization, Callback, Dense, Dropout, EarlyStopping, type History, ModelGroup, ReduceLROnPlateau, SGD, Sequential, TerminateOnNaN, WebGPUNNError } from '../src/index';
import type { Batch } from '../src/model/fit-dataset';
import type { Matrix } from '../src/matrix';
import { seededRandom } from '../src/random';
import { halvesDataset, randomMatrix } from './support/data';
import { batchesOf } from './support/batches';
import { rejection } from './support/rejection';

const flat = (weights: Float32Array[]) => weights.flatMap((w) => Array.from(w));

/** Rows of batches, in order, as one matrix. */
function joined(parts: Matrix[]): Matrix {
  const cols = parts[0].shape[1];
  const data = new Float32Array(parts.reduce((n, m) => n + m.data.length, 0));
  let at = 0;
  for (const m of parts) data.set(m.data, (at += m.data.length) - m.data.length);
  return { shape: [data.length / cols, cols], data };
}

async function layered(seed = 3, weightedMetrics: string[] = []) {
  const model = new Sequential([
    new Dense({ units: 10, inputDim: 12, useBias: false }),
    new BatchNormalization(),
    new Activation({ activation: 'relu' }),
    new Dropout({ rate: 0.3 }),
    new Dense({ units: 1, activation: 'sigmoid' }),
  ]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.02 }), metrics: ['accuracy', 'auc'], weightedMetrics, backend: 'cpu', seed });
  return model;
}

async function small(seed = 1) {
  const model = new Sequential([new Dense({ units: 3, activation: 'tanh', inputDim: 4 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.05 }), backend: 'cpu', seed });
  return model;
}

/** Records every batch log's values, key by key. */
const recorder = () => {
  const values: number[] = [];
  return { values, onBatchEnd: (_: number, logs: Record<string, number>) => void values.push(...Object.keys(logs).sort().map((k) => logs[k])) };
};

afterEach(() => vi.restoreAllMocks());

describe('fitDataset on the CPU reference', () => {
  it('equals fit with shuffle off on the same rows cut into the same batches: Dropout, BatchNormalization, sample weights, metrics, validation rows and batches', async () => {
    const { x, y } = halvesDataset(100, 12, 51);
    const w = randomMatrix(100, 1, 52, 0, 2).data;
    const valid = halvesDataset(45, 12, 53);
    const fitted = await layered(3, ['accuracy']);
    const a = recorder();
    const expected = await fitted.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, sampleWeight: w, validationData: [valid.x, valid.y], onBatchEnd: a.onBatchEnd });
    const streamed = await layered(3, ['accuracy']);
    const b = recorder();
    const history = await streamed.fitDataset(batchesOf(x, y, 16, w), { epochs: 3, validationData: [valid.x, valid.y], onBatchEnd: b.onBatchEnd });
    const fromBatches = await layered(3, ['accuracy']);
    const c = recorder();
    const again = await fromBatches.fitDataset(batchesOf(x, y, 16, w), { epochs: 3, validationData: batchesOf(valid.x, valid.y, 10), onBatchEnd: c.onBatchEnd });

    expect(Object.keys(expected)).toEqual(['epoch', 'loss', 'accuracy', 'auc', 'weighted_accuracy', 'val_loss', 'val_accuracy', 'val_auc', 'val_weighted_accuracy']);
    expect(history).toEqual(expected);
    expect(b.values).toEqual(a.values);
    expect(b.values.length).toBe(3 * 7 * 4);
    expect(flat(await streamed.getWeights())).toEqual(flat(await fitted.getWeights()));
    // Validation batches sum to the scores of their rows in one pass (to rounding: the sums are in another order).
    for (const key of Object.keys(expected)) expect(again[key].map((v, i) => Math.abs(v - expected[key][i])).every((d) => d < 1e-12), key).toBe(true);
    expect(c.values).toEqual(a.values);
    expect(expected.loss[2]).toBeLessThan(expected.loss[0]);
  });

  it('trains on a generator that augments the rows on the fly, one new pass per epoch, as fit does on each epoch\'s augmented rows', async () => {
    const { x, y } = halvesDataset(60, 4, 54);
    const made: Matrix[][] = [];
    let calls = 0;
    // A function source: each call starts a pass whose batches are the rows plus seeded noise, new each epoch.
    const augmented = () => {
      const noise = seededRandom(100 + calls++);
      const pass: Matrix[] = [];
      made.push(pass);
      return (function* () {
        for (const { xs, ys } of batchesOf(x, y, 16)) {
          const jittered = { shape: xs.shape, data: xs.data.map((v) => v + 0.1 * (noise() - 0.5)) };
          pass.push(jittered);
          yield { xs: jittered, ys };
        }
      })();
    };
    const streamed = await small(4);
    const history = await streamed.fitDataset(augmented, { epochs: 4 });
    expect(calls).toBe(4);
    expect(made.map((pass) => pass.length)).toEqual([4, 4, 4, 4]);
    expect(made[1][0].data).not.toEqual(made[0][0].data);

    // The same rows trained by fit, epoch by epoch, shuffle off: the same weights and losses.
    const fitted = await small(4);
    const losses: number[] = [];
    for (const pass of made) losses.push(...(await fitted.fit(joined(pass), y, { epochs: 1, batchSize: 16, shuffle: false })).loss);
    expect(history.loss).toEqual(losses);
    expect(flat(await streamed.getWeights())).toEqual(flat(await fitted.getWeights()));
    expect(history.loss[3]).toBeLessThan(history.loss[0]);
  });

  it('calls a function source once per epoch, and reads batchesPerEpoch batches of each call', async () => {
    const { x, y } = halvesDataset(64, 4, 55);
    const batches = batchesOf(x, y, 8);
    let calls = 0;
    let read = 0;
    const source = () => {
      calls++;
      return (function* () {
        for (const batch of batches) {
          read++;
          yield batch;
        }
      })();
    };
    const model = await small();
    await model.fitDataset(source, { epochs: 5, initialEpoch: 2 });
    expect([calls, read]).toEqual([3, 3 * 8]);
    await model.fitDataset(source, { epochs: 2, batchesPerEpoch: 3 });
    expect([calls, read]).toEqual([5, 3 * 8 + 2 * 3]);
  });

  it('trains batchesPerEpoch batches an epoch from an endless generator, which runs on across epochs and is closed at the end', async () => {
    const { x, y } = halvesDataset(48, 4, 56);
    const batches = batchesOf(x, y, 8);
    let yielded = 0;
    let closed = false;
    function* forever() {
      try {
        for (;;) yield batches[yielded++ % batches.length];
      } finally {
        closed = true;
      }
    }
    const streamed = await small(5);
    const history = await streamed.fitDataset(forever(), { epochs: 3, batchesPerEpoch: 4 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect([yielded, closed]).toEqual([12, true]);

    // Epoch e trains batches 4e .. 4e + 3 of the cycle of 6.
    const fitted = await small(5);
    const losses: number[] = [];
    for (let e = 0; e < 3; e++) {
      const part = Array.from({ length: 4 }, (_, k) => batches[(4 * e + k) % 6]);
      losses.push(...(await fitted.fit(joined(part.map((b) => b.xs)), joined(part.map((b) => b.ys)), { epochs: 1, batchSize: 8, shuffle: false })).loss);
    }
    expect(history.loss).toEqual(losses);
    expect(flat(await streamed.getWeights())).toEqual(flat(await fitted.getWeights()));
  });

  it('ends training with a warning where a source with batchesPerEpoch runs out, keeping the epochs it trained', async () => {
    const { x, y } = halvesDataset(40, 4, 57);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = await small();
    // 5 batches, 2 an epoch: epochs 0 and 1 whole, epoch 2 of one batch, then nothing.
    const history = await model.fitDataset(batchesOf(x, y, 8)[Symbol.iterator](), { epochs: 6, batchesPerEpoch: 2 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/fitDataset\(source\) ran out of batches after 1 of epoch 2/);
  });

  it('builds a model without inputDim from the first batch', async () => {
    const { x, y } = halvesDataset(30, 6, 58);
    const model = new Sequential([new Dense({ units: 3, activation: 'relu' }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await model.compile({ loss: 'binaryCrossentropy', backend: 'cpu', seed: 2 });
    const history = await model.fitDataset(batchesOf(x, y, 10), { epochs: 2 });
    expect(history.loss).toHaveLength(2);
    expect((await model.getWeights())[0]).toHaveLength(6 * 3);
  });

  it('tells callbacks the batches and rows of each epoch once it has ended (params.steps, params.samples)', async () => {
    const { x, y } = halvesDataset(30, 4, 59);
    const model = await small();
    const seen: number[][] = [];
    const logger = new (class extends Callback {
      override onEpochEnd() {
        seen.push([this.params.steps, this.params.samples]);
      }
    })();
    await model.fitDataset(batchesOf(x, y, 8), { epochs: 2, callbacks: [logger] });
    expect(seen).toEqual([[4, 30], [4, 30]]);
  });

  it("trains a ModelGroup member alone, as a Sequential of its own fits the same batches; the group's others keep their weights", async () => {
    const { x, y } = halvesDataset(40, 4, 60);
    const layers = () => [new Dense({ units: 3, activation: 'tanh', inputDim: 4 }), new Dense({ units: 1, activation: 'sigmoid' })];
    const group = new ModelGroup([0, 1, 2].map(() => new Sequential(layers())));
    await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new Adam({ learningRate: 0.02 * (i + 1) }), backend: 'cpu', seed: (i) => 30 + i });
    const before = await Promise.all([0, 1, 2].map((i) => group.getWeights(i)));
    const a = recorder();
    const history = await group.members[1].fitDataset(batchesOf(x, y, 16), { epochs: 3, onBatchEnd: a.onBatchEnd });
    const alone = new Sequential(layers());
    await alone.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.04 }), backend: 'cpu', seed: 31 });
    await alone.setWeights(before[1]);
    const b = recorder();
    const expected = await alone.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false, onBatchEnd: b.onBatchEnd });
    expect(history).toEqual(expected);
    expect(a.values).toEqual(b.values);
    expect(flat(await group.getWeights(1))).toEqual(flat(await alone.getWeights()));
    expect(flat(await group.getWeights(1))).not.toEqual(flat(before[1]));
    for (const i of [0, 2]) expect(flat(await group.getWeights(i))).toEqual(flat(before[i]));
  });
});

describe('callbacks in fitDataset', () => {
  it('EarlyStopping with restoreBestWeights and ReduceLROnPlateau stop, reduce and restore as in fit', async () => {
    const { x, y } = halvesDataset(96, 12, 60);
    const valid = halvesDataset(64, 12, 61);
    const callbacks = () => [new EarlyStopping({ monitor: 'val_loss', minDelta: 0.01, patience: 2, restoreBestWeights: true }), new ReduceLROnPlateau({ monitor: 'loss', minDelta: 0.01, patience: 1, factor: 0.5 })];
    const run = async (stream: boolean) => {
      const model = await layered(5);
      const [early, plateau] = callbacks();
      const history: History = stream
        ? await model.fitDataset(batchesOf(x, y, 32), { epochs: 40, validationData: batchesOf(valid.x, valid.y, 32), callbacks: [early, plateau] })
        : await model.fit(x, y, { epochs: 40, batchSize: 32, shuffle: false, validationData: [valid.x, valid.y], callbacks: [early, plateau] });
      return { history, weights: flat(await model.getWeights()), best: (early as EarlyStopping).bestEpoch, rate: model.optimizer!.learningRate };
    };
    const [fitted, streamed] = [await run(false), await run(true)];
    expect(fitted.history.epoch.length).toBeLessThan(40);
    expect(new Set(fitted.history.learning_rate).size).toBeGreaterThan(1);
    expect(fitted.best).toBeLessThan(fitted.history.epoch.length - 1);
    expect(streamed.history.epoch).toEqual(fitted.history.epoch);
    expect(streamed.history.learning_rate).toEqual(fitted.history.learning_rate);
    expect(streamed.best).toBe(fitted.best);
    expect(streamed.rate).toBe(fitted.rate);
    for (const key of Object.keys(fitted.history)) expect(streamed.history[key].every((v, i) => Math.abs(v - fitted.history[key][i]) < 1e-12), key).toBe(true);
    // Both restored the best epoch's weights; to rounding, since the validation batches sum in another order.
    expect(streamed.weights.every((v, i) => Math.abs(v - fitted.weights[i]) < 1e-6)).toBe(true);
  });
});

describe('TerminateOnNaN in fitDataset', () => {
  it('ends a diverging run after the epoch of its first non-finite batch, as in fit, where without it DIVERGED stops it', async () => {
    const { x, y } = halvesDataset(64, 4, 63);
    const run = async (stream: boolean, callbacks: Callback[]) => {
      const model = new Sequential([new Dense({ units: 4, inputDim: 4 }), new Dense({ units: 1 })]);
      await model.compile({ loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 1e6 }), backend: 'cpu', seed: 2 });
      const options = { epochs: 50, callbacks };
      const training = stream ? model.fitDataset(batchesOf(x, y, 8), options) : model.fit(x, y, { ...options, batchSize: 8, shuffle: false });
      return training.then((h) => h.loss, (e: WebGPUNNError & { history: History }) => `${e.code} after ${e.history.loss.length}`);
    };
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const [fitted, streamed] = [await run(false, [new TerminateOnNaN()]), await run(true, [new TerminateOnNaN()])];
    expect(Array.isArray(fitted) && fitted.length < 50 && !Number.isFinite(fitted.at(-1)!)).toBe(true);
    expect(streamed).toEqual(fitted);
    expect(await run(true, [])).toBe(`DIVERGED after ${(fitted as number[]).length}`);
  });
});

describe('bad batches', () => {
  const { x, y } = halvesDataset(24, 4, 62);
  const good = batchesOf(x, y, 6);
  const bad = (change: (batch: Record<string, unknown>) => unknown): unknown[] => [good[0], good[1], change({ ...good[2] }), good[3]];

  /** fitDataset(source) rejects with `code` and the message fragments, and the model keeps `expected` weights. */
  async function rejects(source: unknown, code: string, fragments: (string | RegExp)[], epochs = 1, expectedEpochs = 0) {
    const model = await small(7);
    const reference = await small(7);
    if (expectedEpochs > 0) await reference.fitDataset(good, { epochs: expectedEpochs });
    const error = await rejection(() => model.fitDataset(source as Batch[], { epochs }), fragments, code);
    expect((error as { history?: History }).history?.loss ?? []).toHaveLength(expectedEpochs);
    expect(flat(await model.getWeights())).toEqual(flat(await reference.getWeights()));
    // Its state too: training on continues as from the weights kept.
    expect((await model.fitDataset(good)).loss).toEqual((await reference.fitDataset(good)).loss);
  }

  it('rejects a batch that is not an object', () => rejects(bad(() => 7), 'INVALID_ARGUMENT', ['fitDataset(source) epoch 0 batch 2: expected a batch { xs, ys }', 'got 7']));

  it('rejects xs of the wrong width', () =>
    rejects(bad((b) => ({ ...b, xs: { shape: [6, 5], data: new Float32Array(30) } })), 'SHAPE_MISMATCH', ['fitDataset(source) epoch 0 batch 2 xs: expected 4 columns', 'got 5']));

  it('rejects NaN in xs, naming the row and column', () =>
    rejects(bad((b) => ({ ...b, xs: { shape: [6, 4], data: new Float32Array(24).fill(0.5).fill(NaN, 9, 10) } })), 'NON_FINITE', ['fitDataset(source) epoch 0 batch 2 xs[2][1]: expected a finite number, got NaN']));

  it('rejects labels outside what the loss takes', () =>
    rejects(bad((b) => ({ ...b, ys: { shape: [6, 1], data: new Float32Array(6).fill(3) } })), 'INVALID_ARGUMENT', ['fitDataset(source) epoch 0 batch 2 ys[0][0]', '[0, 1]', 'got 3']));

  it('rejects xs and ys with different rows', () =>
    rejects(bad((b) => ({ ...b, ys: { shape: [5, 1], data: new Float32Array(5) } })), 'SHAPE_MISMATCH', ['fitDataset(source) epoch 0 batch 2 ys: expected 6 rows (as many as fitDataset(source) epoch 0 batch 2 xs), got 5']));

  it('rejects a batch with more rows than the first', () =>
    rejects([good[0], { xs: x, ys: y }], 'SHAPE_MISMATCH', ['fitDataset(source) epoch 0 batch 1 xs: expected at most 6 rows', 'got 24']));

  it('rejects sample weights on some batches only', () =>
    rejects(bad((b) => ({ ...b, sampleWeight: new Float32Array(6).fill(1) })), 'INVALID_ARGUMENT', ['fitDataset(source) epoch 0 batch 2 sampleWeight: expected none, as the first batch had none']));

  it('rejects GPU buffers on a CPU model', () =>
    rejects(bad((b) => ({ ...b, xs: { shape: [6, 4], buffer: { mapAsync() {} } } })), 'INVALID_ARGUMENT', ["fitDataset(source) epoch 0 batch 2 xs: expected a model compiled with backend 'webgpu'"]));

  it('rejects a bad batch in epoch 1, keeping the weights of epoch 0', () => {
    let calls = 0;
    return rejects(() => (calls++ === 0 ? good : bad(() => null)), 'INVALID_ARGUMENT', ['fitDataset(source) epoch 1 batch 2: expected a batch', 'got null'], 3, 1);
  });

  it('rejects a used-up iterator in epoch 1, keeping the weights of epoch 0, with a hint', () =>
    rejects(good[Symbol.iterator](), 'INVALID_ARGUMENT', ['fitDataset(source): expected at least one batch in epoch 1, got none', 'give a function that returns a new one per epoch'], 2, 1));

  it('rejects an empty source and a source that is not iterable', async () => {
    await rejects([], 'INVALID_ARGUMENT', ['fitDataset(source): expected at least one batch in epoch 0, got none']);
    await rejects(5, 'INVALID_ARGUMENT', ['fitDataset(source): expected an iterable or async iterable of batches', 'got 5']);
    await rejects(() => 5, 'INVALID_ARGUMENT', ['fitDataset(source)() for epoch 0: expected an iterable', 'got 5']);
  });

  it('rejects a bad validation batch, naming it, keeping the weights as the epoch began', async () => {
    const model = await small(7);
    const before = flat(await model.getWeights());
    const validationData = [{ xs: x, ys: { shape: [24, 2] as [number, number], data: new Float32Array(48) } }];
    const error = await model.fitDataset(good, { epochs: 2, validationData }).then(() => undefined, (e: WebGPUNNError) => e);
    expect(error?.code).toBe('SHAPE_MISMATCH');
    expect(error?.message).toMatch('fitDataset({ validationData }) epoch 0 batch 0 ys: expected 1 column');
    expect(flat(await model.getWeights())).toEqual(before);
  });

  it('rejects bad options', async () => {
    const model = await small();
    for (const [options, fragment] of [
      [{ batchesPerEpoch: 0 }, 'fitDataset({ batchesPerEpoch }): expected a positive integer, got 0'],
      [{ validationBatches: 1.5 }, 'fitDataset({ validationBatches }): expected a positive integer, got 1.5'],
      [{ epochs: -1 }, 'fitDataset({ epochs }): expected a non-negative integer, got -1'],
      [{ callbacks: [{}] }, 'fitDataset({ callbacks })[0]: expected a Callback'],
    ] as const) {
      const error = await model.fitDataset(good, options as never).then(() => undefined, (e: WebGPUNNError) => e);
      expect(error?.message).toContain(fragment);
    }
  });
});
