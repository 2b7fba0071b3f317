// ModelGroup's API on the CPU reference: members train as the same Sequentials alone, cross-validation equals its
// folds trained one by one, best() is a standalone copy of the best member, and bad input is refused, changing
// nothing. The GPU runs the same against the CPU in the shared GPU checks (checks/group-checks.ts).
import { describe, expect, it } from 'vitest';
import { Adam, Dense, Dropout, ModelGroup, SGD, Sequential } from '../src/index';
import type { Matrix } from '../src/matrix';
import { halvesDataset, maxRelativeError } from './support/data';
import { rejection } from './support/rejection';

const flat = (weights: Float32Array[]) => weights.flatMap((w) => Array.from(w));
const member = (units = 8) => new Sequential([new Dense({ units, activation: 'tanh', inputDim: 20 }), new Dropout({ rate: 0.2 }), new Dense({ units: 1, activation: 'sigmoid' })]);

const rejected = (call: () => unknown, code: string, fragment: string) => rejection(call, [fragment], code);

describe('ModelGroup', () => {
  const { x, y } = halvesDataset(90, 20, 21);
  const valid = halvesDataset(30, 20, 22);

  it('trains each member as the same Sequential alone, with per-member optimizers, seeds, sample weights and validation weights', async () => {
    const rates = [0.01, 0.03, 0.002];
    const weightsOf = (i: number) => Float32Array.from({ length: 90 }, (_, r) => ((r + i) % 3) / 2);
    const validWeights = (i: number) => Float32Array.from({ length: 30 }, (_, r) => 1 + ((r * (i + 1)) % 2));
    const group = new ModelGroup(rates.map(() => member()));
    await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new Adam({ learningRate: rates[i] }), metrics: ['accuracy'], weightedMetrics: ['accuracy'], seed: [5, 6, 7], backend: 'cpu' });
    const histories = await group.fit(x, y, { epochs: 3, batchSize: 16, shuffle: 'each', sampleWeight: weightsOf, validationData: [valid.x, valid.y, validWeights] });
    for (const [i, rate] of rates.entries()) {
      const alone = member();
      await alone.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: rate }), metrics: ['accuracy'], weightedMetrics: ['accuracy'], seed: 5 + i, backend: 'cpu' });
      const history = await alone.fit(x, y, { epochs: 3, batchSize: 16, sampleWeight: weightsOf(i), validationData: [valid.x, valid.y, validWeights(i)] });
      expect(histories[i]).toEqual(history);
      expect(flat(await group.getWeights(i))).toEqual(flat(await alone.getWeights()));
    }
    expect(histories[0].val_weighted_accuracy).toHaveLength(3);
  });

  it('shares one order among the members by default: member 0 shuffles as it would alone', async () => {
    const group = new ModelGroup([member(), member()]);
    await group.compile({ loss: 'binaryCrossentropy', seed: [11, 12], backend: 'cpu' });
    const [first, second] = await group.fit(x, y, { epochs: 2, batchSize: 16 });
    const alone = member();
    await alone.compile({ loss: 'binaryCrossentropy', seed: 11, backend: 'cpu' });
    expect(first).toEqual(await alone.fit(x, y, { epochs: 2, batchSize: 16 }));
    // Member 1 saw member 0's order: not its own (seed 12's), which would give another history.
    const own = member();
    await own.compile({ loss: 'binaryCrossentropy', seed: 12, backend: 'cpu' });
    expect(second.loss).not.toEqual((await own.fit(x, y, { epochs: 2, batchSize: 16 })).loss);
  });

  it('cross-validates in one run: each fold as a Sequential trained on the other rows and evaluated on its own', async () => {
    const k = 3;
    const group = new ModelGroup(Array.from({ length: k }, () => member()));
    await group.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), metrics: ['accuracy'], seed: (i) => 30 + i, backend: 'cpu' });
    const { folds, mean, histories } = await group.crossValidate(x, y, { epochs: 2, batchSize: 16, shuffle: false });
    // Folds of 30 contiguous rows.
    const rows = (m: Matrix, from: number, to: number) => ({ shape: [to - from, m.shape[1]] as [number, number], data: m.data.slice(from * m.shape[1], to * m.shape[1]) });
    for (let i = 0; i < k; i++) {
      const alone = member();
      await alone.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), metrics: ['accuracy'], seed: 30 + i, backend: 'cpu' });
      const mask = Float32Array.from({ length: 90 }, (_, r) => Number(Math.floor(r / 30) !== i));
      const history = await alone.fit(x, y, { epochs: 2, batchSize: 16, shuffle: false, sampleWeight: mask, validationData: [x, y, mask.map((v) => 1 - v)] });
      expect(histories[i]).toEqual(history);
      const scores = await alone.evaluate(rows(x, 30 * i, 30 * i + 30), rows(y, 30 * i, 30 * i + 30));
      expect(folds[i]).toEqual(scores);
    }
    expect(mean.loss).toBeCloseTo((folds[0].loss + folds[1].loss + folds[2].loss) / 3, 12);
  });

  it('best() is a standalone Sequential compiled as the best member, with its weights; predict can give the ensemble mean', async () => {
    const rates = [0.001, 1, 0.05];
    const group = new ModelGroup(rates.map(() => member()));
    await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new SGD({ learningRate: rates[i] }), metrics: ['accuracy'], seed: 3, backend: 'cpu' });
    const histories = await group.fit(x, y, { epochs: 4, batchSize: 16, validationData: [valid.x, valid.y] });
    const finals = histories.map((h) => h.val_loss.at(-1)!);
    const expected = finals.indexOf(Math.min(...finals));
    const best = await group.best('val_loss');
    expect(flat(await best.getWeights())).toEqual(flat(await group.getWeights(expected)));
    expect(best.optimizer!.learningRate).toBe(rates[expected]);
    expect((await best.evaluate(valid.x, valid.y)).loss).toBeCloseTo(finals[expected], 6);
    const accurate = await group.best('val_accuracy');
    const accuracies = histories.map((h) => h.val_accuracy.at(-1)!);
    expect((await accurate.evaluate(valid.x, valid.y)).accuracy).toBe(Math.max(...accuracies));
    // The copy is its own: disposing the group leaves it working.
    const mean = await group.predict(valid.x, { mean: true });
    const each = await group.predict(valid.x);
    expect(maxRelativeError(mean.data, each[0].data.map((_, j) => (each[0].data[j] + each[1].data[j] + each[2].data[j]) / 3))).toBeLessThan(1e-6);
    group.dispose();
    expect((await best.predict(valid.x)).data).toEqual(each[expected].data);
  });

  it('refuses members of other shapes, losses or optimizer kinds, wrong indices and lists of the wrong length, changing nothing', async () => {
    await rejected(() => new ModelGroup([]), 'INVALID_ARGUMENT', 'ModelGroup(members): expected a non-empty array');
    const twice = member();
    await rejected(() => new ModelGroup([twice, twice]), 'INVALID_ARGUMENT', 'ModelGroup(members)[1]: expected a model not already in the group');
    await rejected(async () => new ModelGroup([member(), member(12)]).compile({ loss: 'binaryCrossentropy', backend: 'cpu' }), 'INVALID_ARGUMENT', 'ModelGroup(members)[1]: expected the layers of member 0 (20 → dense 8 tanh → dropout');
    const unbuilt = new Sequential([new Dense({ units: 3 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await rejected(async () => new ModelGroup([member(), unbuilt]).compile({ loss: 'binaryCrossentropy', backend: 'cpu' }), 'INVALID_ARGUMENT', 'ModelGroup(members)[1].layers[0]: expected a first layer with inputDim');
    await rejected(async () => new ModelGroup([member(), member()]).compile({ loss: (i) => (i === 0 ? 'binaryCrossentropy' : 'meanSquaredError'), backend: 'cpu' }), 'INVALID_ARGUMENT', "ModelGroup.compile({ loss })(1): expected the loss of member 0 ('binaryCrossentropy')");
    await rejected(async () => new ModelGroup([member(), member()]).compile({ loss: 'binaryCrossentropy', optimizer: ['sgd', 'adam'], backend: 'cpu' }), 'INVALID_ARGUMENT', 'ModelGroup.compile({ optimizer })(1): expected the optimizer of member 0 (sgd)');
    await rejected(async () => new ModelGroup([member(), member()]).compile({ loss: 'binaryCrossentropy', seed: [1, 2, 3], backend: 'cpu' }), 'INVALID_ARGUMENT', 'ModelGroup.compile({ seed }): expected one value per member (2), got an array of length 3');
    await rejected(async () => new ModelGroup([member(), member()]).compile({ loss: 'binaryCrossentropy', seed: (i) => (i === 1 ? -1 : 0), backend: 'cpu' }), 'INVALID_ARGUMENT', 'ModelGroup member 1: compile({ seed }): expected an integer');

    const group = new ModelGroup([member(), member()]);
    await rejected(() => group.fit(x, y), 'NOT_COMPILED', 'ModelGroup.fit: expected a compiled group');
    await group.compile({ loss: 'binaryCrossentropy', seed: 1, backend: 'cpu' });
    const before = await Promise.all([0, 1].map((i) => group.getWeights(i)));
    await rejected(() => group.getWeights(2), 'INVALID_ARGUMENT', 'ModelGroup.getWeights(member): expected a member index in [0, 2), got 2');
    await rejected(() => group.fit(x, y, { sampleWeight: (i) => (i === 1 ? [1, 2] : undefined) }), 'SHAPE_MISMATCH', 'ModelGroup.fit({ sampleWeight })(1): expected 90 weights');
    await rejected(() => group.fit(x, y, { classWeight: [{ 0: 1 }] }), 'INVALID_ARGUMENT', 'ModelGroup.fit({ classWeight }): expected one value per member (2)');
    await rejected(() => group.fit(x, y, { shuffle: 'some' as never }), 'INVALID_ARGUMENT', "ModelGroup.fit({ shuffle }): expected true, false or 'each'");
    await rejected(() => group.fit(x, y, { callbacks: [] as never }), 'INVALID_ARGUMENT', 'ModelGroup.fit({ callbacks }): expected a function of the member index');
    await rejected(() => group.fit(x, y, { epochs: -1 }), 'INVALID_ARGUMENT', 'fit({ epochs }): expected a non-negative integer');
    await rejected(() => group.best(), 'NOT_COMPILED', 'ModelGroup.best(): expected a fit to have run');
    await rejected(() => group.crossValidate({ shape: [1, 20], data: new Float32Array(20) }, { shape: [1, 1], data: new Float32Array(1) }), 'INVALID_ARGUMENT', "ModelGroup.crossValidate(x): expected at least as many rows as folds (2, the group's size), got 1");
    const after = await Promise.all([0, 1].map((i) => group.getWeights(i)));
    expect(after.map(flat)).toEqual(before.map(flat));
  });
});
