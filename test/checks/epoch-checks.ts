// The one-dispatch epoch (src/runtime/epoch-kernel.ts) against the CPU reference. A GPU takes it for small networks;
// these checks describe this adapter as a GPU so that it takes it here too, as the checks of a GPU's blocks do.
import { Adam, Callback, Dense, Dropout, type FitOptions, type History, type Layer, type Loss, ModelGroup, type Optimizer, SGD, Sequential, regularizers } from '../../src/index';
import type { Matrix } from '../../src/matrix';
import { halvesDataset, maxRelativeError } from '../support/data';
import type { Check } from './check';
import { counted } from './counted';
import { asGPU } from './reported';

/** The names of the dispatches of one training step, as describeTrainingStep lists them. */
const dispatchNames = (text: string) => text.split('\n').filter((line) => /^ *\d+\. /.test(line)).map((line) => line.trim().split(/\s+/)[1]);

interface Run {
  history: History;
  batches: number[];
  weights: number[];
  predictions: number[];
  evaluated: number[];
}

/**
 * The same model fitted on this device described as a GPU and on the CPU reference, from the same weights: its
 * history, batch logs, weights, predictions and evaluation, the GPU's dispatch list at the batch size, and the
 * dispatches, submits and maps of its fit.
 */
async function onGpuAndCpu(device: GPUDevice, layers: () => Layer[], loss: Loss | 'binaryCrossentropy' | 'meanSquaredError', optimizer: () => Optimizer, data: { x: Matrix; y: Matrix }, options: FitOptions<Matrix> & { metrics?: string[]; weightedMetrics?: string[] }) {
  const gpuDevice = asGPU(device);
  const runs: Run[] = [];
  let steps = '';
  let calls = { dispatches: 0, submits: 0, maps: 0 };
  for (const backend of ['webgpu', 'cpu'] as const) {
    const model = new Sequential(layers());
    await model.compile({ loss, optimizer: optimizer(), metrics: options.metrics, weightedMetrics: options.weightedMetrics, backend, device: gpuDevice, seed: 17 });
    const batches: number[] = [];
    const fit = () => model.fit(data.x, data.y, { ...options, onBatchEnd: options.onBatchEnd && ((_, logs) => void batches.push(...Object.values(logs))) });
    let history: History;
    if (backend === 'webgpu') {
      const { result, ...rest } = await counted(device, fit);
      [history, calls] = [result, rest];
      steps = await model.describeTrainingStep(options.batchSize);
    } else {
      history = await fit();
    }
    runs.push({
      history,
      batches,
      weights: (await model.getWeights()).flatMap((w) => Array.from(w)),
      predictions: Array.from((await model.predict(data.x)).data),
      evaluated: Object.values(await model.evaluate(data.x, data.y)),
    });
    model.dispose();
  }
  const [gpu, cpu] = runs;
  const columns = Object.keys(cpu.history).filter((key) => key !== 'epoch');
  const errors = {
    history: gpu.history.epoch.join() === cpu.history.epoch.join() && columns.every((c) => gpu.history[c]) ? Math.max(...columns.map((c) => maxRelativeError(gpu.history[c]!, cpu.history[c]!))) : Infinity,
    batches: maxRelativeError(gpu.batches, cpu.batches),
    weights: maxRelativeError(gpu.weights, cpu.weights),
    predictions: maxRelativeError(gpu.predictions, cpu.predictions),
    evaluate: maxRelativeError(gpu.evaluated, cpu.evaluated),
  };
  return { errors, epochs: cpu.history.epoch.length, columns, batchLogs: gpu.batches.length, steps: dispatchNames(steps), ...calls };
}

const detail = (errors: Record<string, number>) => Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ');

const lesson = () => [
  new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }),
  new Dense({ units: 15, activation: 'sigmoid' }),
  new Dense({ units: 1, activation: 'sigmoid' }),
];

const lessonCheck: Check = {
  name: 'on a GPU the lesson at batch 32 (200 rows, last batch 8) trains each epoch in one dispatch, one submit and one map, as the CPU reference after 20 epochs: history, weights, predict, evaluate',
  async run(device) {
    const epochs = 20;
    const r = await onGpuAndCpu(device, lesson, 'binaryCrossentropy', () => new SGD({ learningRate: 0.5 }), halvesDataset(200, 400, 21), { epochs, batchSize: 32, shuffle: false });
    // Each epoch: the epoch's dispatch and the loss sum.
    const one = r.steps.join() === 'epoch' && r.dispatches === 2 * epochs && r.submits === epochs && r.maps === epochs;
    return { maxError: one ? Math.max(...Object.values(r.errors)) : Infinity, tolerance: 1e-5, detail: `${detail(r.errors)}; step ${r.steps.join(', ')}; ${r.dispatches} dispatches, ${r.submits} submits, ${r.maps} maps in ${epochs} epochs` };
  },
};

const featuresCheck: Check = {
  name: 'on a GPU one dispatch an epoch with relu, dropout, tanh, a layer without bias, Adam, shuffle, metrics, weighted metrics, sample weights, validation data, batch logs, a learning rate changed in onEpochEnd and stopTraining matches the CPU reference: every history column, batch log, weight',
  async run(device) {
    const data = halvesDataset(90, 20, 15);
    const validation = halvesDataset(40, 20, 16);
    const sampleWeight = Array.from({ length: 90 }, (_, i) => 0.5 + (i % 3) / 2);
    // The epoch queued behind epoch 1 is rolled back and queued again with the new rate; the one behind epoch 3 is
    // rolled back for good.
    class Steer extends Callback {
      onEpochEnd(epoch: number) {
        if (epoch === 1) this.model.optimizer!.learningRate = 0.005;
        if (epoch === 3) this.model.stopTraining = true;
      }
    }
    const r = await onGpuAndCpu(
      device,
      () => [
        new Dense({ units: 12, activation: 'relu', inputDim: 20 }),
        new Dropout({ rate: 0.3, seed: 5 }),
        new Dense({ units: 6, activation: 'tanh', useBias: false }),
        new Dense({ units: 1, activation: 'sigmoid' }),
      ],
      'binaryCrossentropy',
      () => new Adam({ learningRate: 0.02 }),
      data,
      {
        epochs: 5,
        batchSize: 16,
        shuffle: true,
        metrics: ['accuracy', 'mse', 'auc'],
        weightedMetrics: ['accuracy'],
        sampleWeight,
        validationData: [validation.x, validation.y],
        onBatchEnd: () => undefined,
        callbacks: [new Steer()],
      },
    );
    // Epochs 0–3 of 5, each with 6 batches' logs; loss, 3 metrics and the weighted one, and their val_ columns.
    const ok = r.steps.join() === 'epoch' && r.epochs === 4 && r.columns.length === 10 && r.batchLogs === 4 * 6 * 5;
    return { maxError: ok ? Math.max(...Object.values(r.errors)) : Infinity, tolerance: 1e-5, detail: `${detail(r.errors)}; ${r.epochs} epochs, ${r.batchLogs} batch log values, columns ${r.columns.join(', ')}; step ${r.steps.join(', ')}` };
  },
};

const singleLayerCheck: Check = {
  name: 'on a GPU one Dense layer (3 linear units, mean squared error, SGD with momentum) trains in one dispatch an epoch as the CPU reference: history, weights, predict',
  async run(device) {
    const { x } = halvesDataset(30, 5, 18);
    const y = { shape: [30, 3] as [number, number], data: x.data.filter((_, i) => i % 5 < 3).map((v, i) => v * (i % 3) - 0.2) };
    const r = await onGpuAndCpu(device, () => [new Dense({ units: 3, inputDim: 5 })], 'meanSquaredError', () => new SGD({ learningRate: 0.1, momentum: 0.9 }), { x, y }, { epochs: 6, batchSize: 8, shuffle: false });
    return { maxError: r.steps.join() === 'epoch' ? Math.max(...Object.values(r.errors)) : Infinity, tolerance: 1e-5, detail: `${detail(r.errors)}; step ${r.steps.join(', ')}` };
  },
};

const stepByStepCheck: Check = {
  name: 'on a GPU networks the one-dispatch epoch does not run train step by step: a softmax output, a penalty, clipnorm, the lesson at 1000 rows a step',
  async run(device) {
    const gpuDevice = asGPU(device);
    const cases: [string, () => Layer[], Optimizer, number][] = [
      ['softmax', () => [new Dense({ units: 8, activation: 'relu', inputDim: 10 }), new Dense({ units: 3, activation: 'softmax' })], new SGD(), 32],
      ['penalty', () => [new Dense({ units: 8, activation: 'relu', inputDim: 10, kernelRegularizer: regularizers.l2({ l2: 0.01 }) }), new Dense({ units: 1, activation: 'sigmoid' })], new SGD(), 32],
      ['clipnorm', () => [new Dense({ units: 8, activation: 'relu', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })], new SGD({ clipnorm: 1 }), 32],
      ['1000 rows', lesson, new SGD(), 1000],
    ];
    const listed: string[] = [];
    for (const [name, layers, optimizer, batchSize] of cases) {
      const model = new Sequential(layers());
      await model.compile({ loss: name === 'softmax' ? 'categoricalCrossentropy' : 'binaryCrossentropy', optimizer, backend: 'webgpu', device: gpuDevice, seed: 3 });
      listed.push(`${name}: ${dispatchNames(await model.describeTrainingStep(batchSize)).join(' ')}`);
      model.dispose();
    }
    const stepped = listed.every((line) => line.includes('forward') && !line.includes('epoch'));
    return { maxError: stepped ? 0 : Infinity, tolerance: 0, detail: listed.join('; ') };
  },
};

const groupCheck: Check = {
  name: 'on a GPU a group of 4 (learning rates, Adam betas, dropout rates, seeds and orders of their own, a diverging member) trains each epoch in one dispatch, a workgroup per member, as the CPU reference group; a member then fits alone, the others left as they were',
  async run(device) {
    const { x, y } = halvesDataset(100, 12, 19);
    const rates = [0.01, 0.03, 1e12, 0.02];
    const member = (i: number) =>
      new Sequential([new Dense({ units: 10, activation: 'tanh', inputDim: 12 }), new Dropout({ rate: 0.1 + 0.1 * i }), new Dense({ units: 6, activation: 'relu' }), new Dense({ units: 1 })]);
    const run = async (backend: 'webgpu' | 'cpu') => {
      const group = new ModelGroup(rates.map((_, i) => member(i)));
      await group.compile({ loss: 'meanSquaredError', optimizer: (i) => new Adam({ learningRate: rates[i], beta1: 0.9 - 0.1 * i }), metrics: ['mae'], seed: (i) => 30 + i, backend, device: asGPU(device) });
      const warn = console.warn;
      console.warn = () => {};
      const histories = await group.fit(x, y, { epochs: 4, batchSize: 16, shuffle: 'each' }).finally(() => (console.warn = warn));
      const steps = backend === 'webgpu' ? dispatchNames(await group.describeTrainingStep(16)) : [];
      const before = await Promise.all(rates.map((_, i) => group.getWeights(i)));
      await group.members[3].fit(x, y, { epochs: 2, batchSize: 16 });
      const after = await Promise.all(rates.map((_, i) => group.getWeights(i)));
      // From the device's buffers, where getWeights answers from the CPU's copy.
      const predictions = (await group.predict(x)).map((p) => Array.from(p.data));
      const diverged = group.diverged;
      group.dispose();
      const flat = (weights: Float32Array[][]) => weights.map((w) => w.flatMap((v) => Array.from(v)));
      return { histories, steps, before: flat(before), after: flat(after), predictions, diverged };
    };
    const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
    const trained = [0, 1, 3];
    const errors = {
      histories: Math.max(...trained.map((i) => Math.max(...Object.keys(cpu.histories[i]).map((c) => maxRelativeError(gpu.histories[i][c]!, cpu.histories[i][c]!))))),
      weights: Math.max(...trained.map((i) => maxRelativeError(gpu.after[i], cpu.after[i]))),
      predict: Math.max(...trained.map((i) => maxRelativeError(gpu.predictions[i], cpu.predictions[i]))),
      'others untouched': [0, 1].every((i) => maxRelativeError(gpu.after[i], gpu.before[i]) === 0) ? 0 : Infinity,
      'member 3 trained': maxRelativeError(gpu.after[3], gpu.before[3]) > 1e-4 ? 0 : Infinity,
      'members differ': maxRelativeError(gpu.after[0], gpu.after[1]) > 1e-3 ? 0 : Infinity,
      diverged: gpu.diverged.join() === cpu.diverged.join() && gpu.diverged[2] !== undefined && gpu.diverged[2] < 3 ? 0 : Infinity,
    };
    const one = gpu.steps.join() === 'epoch';
    return { maxError: one ? Math.max(...Object.values(errors)) : Infinity, tolerance: 1e-5, detail: `${detail(errors)}; member 2 diverged at epoch ${gpu.diverged[2]}; step ${gpu.steps.join(', ')}` };
  },
};

export const epochKernelChecks: Check[] = [lessonCheck, featuresCheck, singleLayerCheck, stepByStepCheck, groupCheck];
