// ModelGroup on the GPU: members trained side by side in the same dispatches, each exactly as the same Sequential
// alone (GPU against GPU, and against the CPU reference's group), a diverging member masked while the others train
// on, one submit and one map per epoch for the whole group, a clear error where a group is too large, and members
// whose products a GPU stages in workgroup memory.
import {
  Adam,
  BatchNormalization,
  CosineDecay,
  Dense,
  Dropout,
  EarlyStopping,
  type History,
  ModelGroup,
  SGD,
  Sequential,
  type WebGPUNNError,
  regularizers,
} from '../../src/index';
import type { Check } from './check';
import { counted } from './counted';
import { reportedAs } from './reported';
import { halvesDataset, maxRelativeError, randomMatrix } from '../support/data';

type Backend = 'webgpu' | 'cpu';

const flat = (weights: Float32Array[]) => weights.flatMap((w) => Array.from(w));

/** The largest error between two histories' common columns, which must be the same. */
function historyError(a: History, b: History): number {
  const columns = Object.keys(a);
  if (columns.join() !== Object.keys(b).join()) return Infinity;
  return Math.max(...columns.map((c) => (a[c].length === b[c].length ? maxRelativeError(a[c], b[c]) : Infinity)));
}

/** Member i of the sweep: a Dense → Dropout → Dense network with its own penalty and dropout rate. */
function sweepMember(i: number): Sequential {
  return new Sequential([
    new Dense({ units: 12, activation: 'relu', inputDim: 20, kernelRegularizer: regularizers.l2({ l2: 0.001 * (i + 1) }) }),
    new Dropout({ rate: 0.1 + 0.05 * i }),
    new Dense({ units: 1, activation: 'sigmoid' }),
  ]);
}

const rates = [0.003, 0.01, 0.02, 0.005, 0.03];

const sweepCheck: Check = {
  name: 'a group of 5 (learning rates, seeds, penalties and dropout rates of their own, orders of their own) trains each member exactly as it trains alone on the GPU, and as the CPU reference group',
  async run(device) {
    const { x, y } = halvesDataset(130, 20, 41);
    const valid = halvesDataset(50, 20, 42);
    const options = { epochs: 3, batchSize: 32, validationData: [valid.x, valid.y] as [typeof x, typeof y] };
    const compile = (backend: Backend) => ({ loss: 'binaryCrossentropy' as const, optimizer: (i: number) => new Adam({ learningRate: rates[i] }), metrics: ['accuracy', 'auc'], seed: (i: number) => 100 + i, backend, device });
    const grouped = async (backend: Backend) => {
      const group = new ModelGroup(rates.map((_, i) => sweepMember(i)));
      await group.compile(compile(backend));
      const histories = await group.fit(x, y, { ...options, shuffle: 'each' });
      const weights = await Promise.all(rates.map((_, i) => group.getWeights(i)));
      const scores = await group.evaluate(valid.x, valid.y);
      const mean = await group.predict(valid.x, { mean: true });
      const each = await group.predict(valid.x);
      group.dispose();
      return { histories, weights: weights.map(flat), scores, mean, each };
    };
    const [gpu, cpu] = [await grouped('webgpu'), await grouped('cpu')];
    const alone: { history: History; weights: number[] }[] = [];
    for (const [i, rate] of rates.entries()) {
      const model = sweepMember(i);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: rate }), metrics: ['accuracy', 'auc'], seed: 100 + i, backend: 'webgpu', device });
      alone.push({ history: await model.fit(x, y, options), weights: flat(await model.getWeights()) });
      model.dispose();
    }
    const errors = {
      'GPU alone': Math.max(...alone.map((a, i) => Math.max(historyError(gpu.histories[i], a.history), maxRelativeError(gpu.weights[i], a.weights)))),
      'CPU group': Math.max(...rates.map((_, i) => Math.max(historyError(gpu.histories[i], cpu.histories[i]), maxRelativeError(gpu.weights[i], cpu.weights[i])))),
      evaluate: Math.max(...gpu.scores.map((s, i) => maxRelativeError(Object.values(s), Object.values(cpu.scores[i])))),
      'predict mean': maxRelativeError(gpu.mean.data, gpu.each[0].data.map((_, j) => gpu.each.reduce((sum, m) => sum + m.data[j], 0) / rates.length)),
    };
    // The members really differ: their weights are not one another's.
    const distinct = maxRelativeError(gpu.weights[0], gpu.weights[1]) > 1e-3 ? 0 : Infinity;
    return { maxError: Math.max(distinct, ...Object.values(errors)), tolerance: 1e-5, detail: Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ') };
  },
};

const divergenceCheck: Check = {
  name: 'in a group of 4, a member whose loss diverges stops at that epoch and is reported, and the others train on exactly as alone',
  async run(device) {
    const { x, y } = halvesDataset(96, 20, 43);
    const lr = [0.1, 1e5, 0.2, 0.05];
    const member = () => new Sequential([new Dense({ units: 8, activation: 'tanh', inputDim: 20 }), new Dense({ units: 1 })]);
    const group = new ModelGroup(lr.map(member));
    await group.compile({ loss: 'meanSquaredError', optimizer: (i) => new SGD({ learningRate: lr[i], momentum: 0.5 }), seed: (i) => 7 + i, backend: 'webgpu', device });
    const warn = console.warn;
    console.warn = () => {};
    const histories = await group.fit(x, y, { epochs: 6, batchSize: 32, shuffle: false }).finally(() => (console.warn = warn));
    const diverged = group.diverged;
    const weights = await Promise.all(lr.map((_, i) => group.getWeights(i)));
    group.dispose();
    let error = 0;
    for (const i of [0, 2, 3]) {
      const model = member();
      await model.compile({ loss: 'meanSquaredError', optimizer: new SGD({ learningRate: lr[i], momentum: 0.5 }), seed: 7 + i, backend: 'webgpu', device });
      const history = await model.fit(x, y, { epochs: 6, batchSize: 32, shuffle: false });
      error = Math.max(error, historyError(histories[i], history), maxRelativeError(flat(weights[i]), flat(await model.getWeights())));
      model.dispose();
    }
    const stopped = diverged[1];
    const reported = stopped !== undefined && stopped < 5 && histories[1].epoch.length === stopped + 1 && !Number.isFinite(histories[1].loss.at(-1)!) && diverged.filter((d) => d !== undefined).length === 1;
    return { maxError: reported ? error : Infinity, tolerance: 1e-6, detail: `member 1 diverged at epoch ${stopped}; the others' worst error ${error.toExponential(2)}` };
  },
};

const structureCheck: Check = {
  name: 'a group with BatchNormalization, a softmax output, globalClipnorm and cosine-decay schedules of its own per member, early stopping per member, trains as the CPU reference group, and a member fits alone leaving the others as they were',
  async run(device) {
    const { x } = halvesDataset(120, 16, 44);
    const y = { shape: [120, 1] as [number, number], data: Float32Array.from({ length: 120 }, (_, r) => (x.data[r * 16] > 0.5 ? 1 : 0) + (x.data[r * 16 + 1] > 0.5 ? 1 : 0)) };
    const valid = { x: randomMatrix(40, 16, 45, 0, 1), y: { shape: [40, 1] as [number, number], data: Float32Array.from({ length: 40 }, (_, r) => r % 3) } };
    const member = () => new Sequential([new Dense({ units: 10, inputDim: 16, useBias: false }), new BatchNormalization(), new Dense({ units: 3, activation: 'softmax' })]);
    const run = async (backend: Backend) => {
      const group = new ModelGroup([member(), member(), member()]);
      await group.compile({
        loss: 'sparseCategoricalCrossentropy',
        optimizer: (i) => new SGD({ learningRate: new CosineDecay({ initialLearningRate: 0.2 + 0.1 * i, decaySteps: 20 }), globalClipnorm: 0.5 + i }),
        metrics: ['accuracy'],
        seed: [3, 4, 5],
        backend,
        device,
      });
      const histories = await group.fit(x, y, { epochs: 8, batchSize: 25, validationData: [valid.x, valid.y], callbacks: (i) => (i === 1 ? [new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 1 })] : []) });
      const before = await Promise.all([0, 1, 2].map((i) => group.getWeights(i)));
      await group.members[2].fit(x, y, { epochs: 1, batchSize: 40 });
      const after = await Promise.all([0, 1, 2].map((i) => group.getWeights(i)));
      group.dispose();
      return { histories, before: before.map(flat), after: after.map(flat) };
    };
    const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
    const errors = {
      histories: Math.max(...gpu.histories.map((h, i) => historyError(h, cpu.histories[i]))),
      weights: Math.max(...gpu.after.map((w, i) => maxRelativeError(w, cpu.after[i]))),
      'others untouched': Math.max(maxRelativeError(gpu.after[0], gpu.before[0]), maxRelativeError(gpu.after[1], gpu.before[1])) === 0 ? 0 : Infinity,
      'member 2 trained': maxRelativeError(gpu.after[2], gpu.before[2]) > 1e-4 ? 0 : Infinity,
      'early stop': gpu.histories[1].epoch.length < 8 && gpu.histories[0].epoch.length === 8 ? 0 : Infinity,
    };
    return { maxError: Math.max(...Object.values(errors)), tolerance: 1e-5, detail: Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ') };
  },
};

const groupCountCheck: Check = {
  name: 'a group of 8 runs the dispatches of one member per step and submits once and maps once per epoch',
  async run(device) {
    const { x, y } = halvesDataset(160, 20, 46);
    const layers = () => [new Dense({ units: 25, activation: 'sigmoid', inputDim: 20 }), new Dense({ units: 15, activation: 'sigmoid' }), new Dense({ units: 1, activation: 'sigmoid' })];
    const single = new Sequential(layers());
    await single.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device, seed: 1 });
    const group = new ModelGroup(Array.from({ length: 8 }, () => new Sequential(layers())));
    await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new SGD({ learningRate: 0.1 * (i + 1) }), seed: (i) => i, backend: 'webgpu', device });
    const dispatches = (text: string) => text.split('\n').filter((line) => /^ *\d+\. /.test(line)).length;
    const [one, eight] = [dispatches(await single.describeTrainingStep(32)), dispatches(await group.describeTrainingStep(32))];
    single.dispose();
    const counts = await counted(device, () => group.fit(x, y, { epochs: 10, batchSize: 32 })).finally(() => group.dispose());
    const worst = one === eight ? Math.max(counts.submits, counts.maps) / 10 : Infinity;
    return { maxError: worst, tolerance: 1.0001, detail: `${eight} dispatches per step for 8 members, ${one} for one; ${counts.submits} submits, ${counts.maps} maps in 10 epochs` };
  },
};

const groupLimitCheck: Check = {
  name: 'a group larger than the device binds is refused before any buffer is made, naming how many members fit',
  async run(device) {
    const small = reportedAs(device, { limits: { maxStorageBufferBindingSize: 65536, maxBufferSize: 65536 } });
    const members = Array.from({ length: 64 }, () => new Sequential([new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }), new Dense({ units: 1, activation: 'sigmoid' })]));
    const group = new ModelGroup(members);
    let message = '';
    try {
      await group.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device: small });
    } catch (error) {
      message = (error as WebGPUNNError).message;
    }
    // 401 × 28 floats of layer 0 are 44,912 bytes a member: one fits in 65,536.
    const named = message.includes("expected at most 1 member for layer 0's weights") && message.includes('got 64');
    return { maxError: named ? 0 : Infinity, tolerance: 0, detail: message };
  },
};

/** As the staged training check (gpu-checks.ts), a group: its first layer too wide for the one-dispatch epoch. */
const stagedGroupCheck: Check = {
  name: "a group of 3 on this adapter described as a GPU, its first layer's products staged in workgroup memory, orders of their own and a member stopped early, trains as the CPU reference group",
  async run(device) {
    const gpu = reportedAs(device, { adapterInfo: { vendor: 'nvidia', architecture: 'hopper' } });
    const { x, y } = halvesDataset(70, 160, 47);
    const rates = [0.01, 0.003, 0.02];
    const member = () => new Sequential([new Dense({ units: 128, activation: 'tanh', inputDim: 160 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    let staged = 0;
    const run = async (backend: Backend) => {
      const group = new ModelGroup(rates.map(member));
      await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new SGD({ learningRate: 10 * rates[i], momentum: 0.9 }), seed: (i) => 20 + i, backend, device: gpu });
      // Member 1 stops once its loss has not risen for an epoch: after its second.
      const histories = await group.fit(x, y, { epochs: 4, batchSize: 32, shuffle: 'each', callbacks: (i) => (i === 1 ? [new EarlyStopping({ monitor: 'loss', mode: 'max', patience: 1 })] : []) });
      if (backend === 'webgpu') staged = (await group.describeTrainingStep(32)).split('\n').filter((line) => line.includes('staged in workgroup memory')).length;
      const weights = await Promise.all(rates.map((_, i) => group.getWeights(i)));
      // Predictions read the parameters on the device: those of the stopped member as well.
      const predictions = await group.predict(x);
      group.dispose();
      return { histories, weights: weights.map(flat), predictions };
    };
    const [onGpu, cpu] = [await run('webgpu'), await run('cpu')];
    const errors = {
      histories: Math.max(...onGpu.histories.map((h, i) => historyError(h, cpu.histories[i]))),
      weights: Math.max(...onGpu.weights.map((w, i) => maxRelativeError(w, cpu.weights[i]))),
      predictions: Math.max(...onGpu.predictions.map((p, i) => maxRelativeError(p.data, cpu.predictions[i].data))),
      'staged products': staged === 2 ? 0 : Infinity,
      'member 1 stopped': onGpu.histories[1].epoch.length === 2 && onGpu.histories[0].epoch.length === 4 ? 0 : Infinity,
      'members differ': maxRelativeError(onGpu.weights[0], onGpu.weights[2]) > 1e-3 ? 0 : Infinity,
    };
    return { maxError: Math.max(...Object.values(errors)), tolerance: 1e-5, detail: `${staged} of 5 products staged; ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}` };
  },
};

export const groupChecks: Check[] = [sweepCheck, divergenceCheck, structureCheck, groupCountCheck, groupLimitCheck, stagedGroupCheck];
