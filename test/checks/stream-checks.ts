// fitDataset on the GPU against the CPU reference's fit of the same batches in the same order: a dataset larger than
// the largest buffer the device allows, streamed; Dropout, BatchNormalization, sample weights, AUC and a validation
// source, batches from the CPU and from an app's GPU buffers; the callbacks; bad batches; and what it costs: one map
// per epoch, each batch written before the one before it has run, nothing compiled after the first epoch, no buffer
// left alive; a ModelGroup member's, trained alone. Run by the Node, browser and Deno suites with the other GPU checks.
import { Activation, Adam, BatchNormalization, Dense, Dropout, EarlyStopping, type History, LearningRateScheduler, ModelGroup, ReduceLROnPlateau, SGD, Sequential, TerminateOnNaN, type WebGPUNNError, regularizers } from '../../src/index';
import type { Batch } from '../../src/model/fit-dataset';
import type { Matrix } from '../../src/matrix';
import { halvesDataset, maxRelativeError, randomMatrix } from '../support/data';
import { asGPU, reportedAs } from './reported';
import type { Check } from './check';
import { batchesOf, rowsOf } from '../support/batches';
import { tracking } from '../support/buffers';

type Backend = 'webgpu' | 'cpu';

const flat = (weights: Float32Array[]) => weights.flatMap((w) => Array.from(w));

/**
 * The checks' model, one shape for all but the first, the shape of a check of fit's (gpu-checks.ts), so that they
 * share its compiled pipelines: 20 inputs, a Dense without bias, BatchNormalization, relu, Dropout, a sigmoid
 * output; Adam; accuracy.
 */
async function streamModel(backend: Backend, device: GPUDevice, seed: number, compile: { learningRate?: number; weightedMetrics?: string[] } = {}): Promise<Sequential> {
  const model = new Sequential([
    new Dense({ units: 12, inputDim: 20, useBias: false }),
    new BatchNormalization(),
    new Activation({ activation: 'relu' }),
    new Dropout({ rate: 0.2 }),
    new Dense({ units: 1, activation: 'sigmoid' }),
  ]);
  const optimizer = new Adam({ learningRate: compile.learningRate ?? 0.01 });
  await model.compile({ loss: 'binaryCrossentropy', optimizer, metrics: ['accuracy'], weightedMetrics: compile.weightedMetrics, backend, device, seed });
  return model;
}

/** The largest error between two runs' histories (every column of the CPU's), batch logs and weights. */
function compare(gpu: { history: History; batches: number[]; weights: number[] }, cpu: { history: History; batches: number[]; weights: number[] }) {
  const columns = Object.keys(cpu.history);
  const same = columns.join() === Object.keys(gpu.history).join() && columns.every((c) => gpu.history[c].length === cpu.history[c].length);
  const errors = {
    history: same ? Math.max(...columns.map((c) => maxRelativeError(gpu.history[c], cpu.history[c]))) : Infinity,
    batches: gpu.batches.length === cpu.batches.length ? maxRelativeError(gpu.batches, cpu.batches) : Infinity,
    weights: maxRelativeError(gpu.weights, cpu.weights),
  };
  return { maxError: Math.max(...Object.values(errors)), detail: `${columns.join(' ')} over ${cpu.history.epoch.length} epochs; ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}` };
}

const largeCheck: Check = {
  name: 'fitDataset: a dataset 4× the largest buffer the device allows, streamed in batches of 32, trains as the CPU reference fits the same batches: history and batch logs (an l2 penalty in the loss), weights',
  async run(device) {
    // 420 rows of 10 floats are 16,800 bytes; the device allows buffers and bindings of 3072 bytes, so that the ring of
    // three batches (3840 bytes) takes a buffer per slot, whose rows each step gathers.
    const limit = 3072;
    const small = reportedAs(device, { limits: { maxStorageBufferBindingSize: limit, maxBufferSize: limit } });
    const { x, y } = halvesDataset(420, 10, 41);
    const run = async (backend: Backend) => {
      // A penalty on the first kernel: each batch's loss carries it, at that step's weights.
      const model = new Sequential([new Dense({ units: 6, activation: 'tanh', inputDim: 10, kernelRegularizer: regularizers.l2({ l2: 0.01 }) }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), metrics: ['accuracy'], backend, device: small, seed: 7 });
      const batches: number[] = [];
      const onBatchEnd = (_: number, logs: { loss: number; accuracy?: number }) => void batches.push(logs.loss, logs.accuracy!);
      // The GPU's batches come from a generator that slices them out of the rows as it goes.
      async function* source() {
        for (let start = 0; start < 420; start += 32) yield { xs: rowsOf(x, start, Math.min(32, 420 - start)), ys: rowsOf(y, start, Math.min(32, 420 - start)) };
      }
      const { result: history, largest } = await tracking(device, () =>
        backend === 'webgpu' ? model.fitDataset(source, { epochs: 3, onBatchEnd }) : model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false, onBatchEnd }),
      );
      const weights = flat(await model.getWeights());
      model.dispose();
      return { history, batches, weights, largest };
    };
    const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
    const { maxError, detail } = compare(gpu, cpu);
    const fits = gpu.largest <= limit && x.data.byteLength >= 4 * limit && gpu.batches.length === 3 * 14 * 2;
    return { maxError: fits ? maxError : Infinity, tolerance: 1e-5, detail: `${detail}; largest buffer ${gpu.largest} bytes for ${x.data.byteLength} bytes of rows` };
  },
};

/** The batches of `x` and `y` on the device, as an app holds them: x, y and the weights each a buffer of its own. */
function onDevice(device: GPUDevice, batch: Batch<Matrix>): { batch: Batch; buffers: GPUBuffer[] } {
  const upload = (data: Float32Array) => {
    const buffer = device.createBuffer({ size: data.byteLength, usage: 0x80 | 0x8 | 0x4 }); // STORAGE | COPY_DST | COPY_SRC
    device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  };
  const [xs, ys, w] = [upload(batch.xs.data), upload(batch.ys.data), upload(batch.sampleWeight as Float32Array)];
  const rows = batch.xs.shape[0];
  return { batch: { xs: { shape: batch.xs.shape, buffer: xs }, ys: { shape: batch.ys.shape, buffer: ys }, sampleWeight: { shape: [rows, 1], buffer: w } }, buffers: [xs, ys, w] };
}

const weightsCheck: Check = {
  name: 'fitDataset with sample weights and a weighted AUC, every other batch in GPU buffers, trains as the CPU reference fits the same batches: history, batch logs, weights',
  async run(device) {
    const { x, y } = halvesDataset(90, 20, 42);
    const w = randomMatrix(90, 1, 43, 0, 2).data;
    const batches = batchesOf(x, y, 32, w);
    const gpuBatches = batches.map((b, i) => (i % 2 === 1 ? onDevice(device, b) : { batch: b as Batch, buffers: [] }));
    const run = async (backend: Backend) => {
      const model = await streamModel(backend, device, 9, { weightedMetrics: ['auc'] });
      const logs: number[] = [];
      const onBatchEnd = (_: number, scores: Record<string, number>) => void logs.push(...Object.keys(scores).sort().map((k) => scores[k]));
      const history =
        backend === 'webgpu'
          ? await model.fitDataset(() => gpuBatches.map((b) => b.batch), { epochs: 3, onBatchEnd })
          : await model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false, sampleWeight: w, onBatchEnd });
      const weights = flat(await model.getWeights());
      model.dispose();
      return { history, batches: logs, weights };
    };
    const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
    gpuBatches.forEach((b) => b.buffers.forEach((buffer) => buffer.destroy()));
    const { maxError, detail } = compare(gpu, cpu);
    const learned = cpu.history.loss[2] < cpu.history.loss[0] && 'auc' in cpu.history;
    return { maxError: learned ? maxError : Infinity, tolerance: 1e-5, detail };
  },
};

/**
 * What fitDataset costs, counted: a submit per batch and one per epoch, one map per epoch; batch k+1 written and
 * submitted before batch k has run (each fence the library waits on is held back until the batch after it has been
 * submitted: a library that waited for batch k before writing batch k+1 would stall here); no pipeline compiled after
 * the first epoch.
 */
const costCheck: Check = {
  name: 'fitDataset submits once per batch and once per epoch, maps once per epoch, writes batch k+1 before batch k has run, and compiles nothing after the first epoch',
  async run(device) {
    const { x, y } = halvesDataset(300, 20, 45);
    const batches = batchesOf(x, y, 32);
    const model = await streamModel('webgpu', device, 4);
    const queue = device.queue;
    const [submit, workDone, createPipeline] = [queue.submit, queue.onSubmittedWorkDone, device.createComputePipelineAsync];
    const proto = Object.getPrototypeOf(device.createBuffer({ size: 4, usage: 0x8 })) as GPUBuffer;
    const mapAsync = proto.mapAsync;
    const counts = { submits: 0, maps: 0, pipelines: 0, pipelinesAfterFirst: 0, fences: 0, stalled: false };
    const held: { after: number; release: () => void }[] = [];
    const release = (all = false) => {
      for (const fence of held.splice(0)) {
        if (all || counts.submits > fence.after) fence.release();
        else held.push(fence);
      }
    };
    // A library that waits for a fence held back makes no progress: no submit for 3 s while no pipeline compiles.
    // Then it stalled, and every fence is let go, then and after, so that the check ends and fails.
    let [lastSubmit, compiling] = [performance.now(), 0];
    const watchdog = setInterval(() => {
      if (held.length === 0 || compiling > 0 || performance.now() - lastSubmit < 3000) return;
      counts.stalled = true;
      release(true);
    }, 250);
    queue.submit = function (...args) {
      const result = submit.apply(this, args);
      [counts.submits, lastSubmit] = [counts.submits + 1, performance.now()];
      release();
      return result;
    };
    queue.onSubmittedWorkDone = function () {
      counts.fences++;
      const real = workDone.call(this);
      const after = counts.submits;
      if (counts.stalled) return real;
      return new Promise<undefined>((resolve, reject) => held.push({ after, release: () => real.then(resolve, reject) }));
    };
    proto.mapAsync = function (...args) {
      counts.maps++;
      release(true);
      return mapAsync.apply(this, args);
    };
    device.createComputePipelineAsync = function (...args) {
      [counts.pipelines, compiling] = [counts.pipelines + 1, compiling + 1];
      const pipeline = createPipeline.apply(this, args);
      pipeline.finally(() => compiling--).catch(() => undefined);
      return pipeline;
    };
    let history: History;
    try {
      history = await model.fitDataset(batches, { epochs: 4, validationData: batchesOf(x, y, 32).slice(0, 4), onEpochEnd: (epoch) => void (epoch === 0 && (counts.pipelinesAfterFirst = -counts.pipelines)) });
    } finally {
      clearInterval(watchdog);
      [queue.submit, queue.onSubmittedWorkDone, proto.mapAsync, device.createComputePipelineAsync] = [submit, workDone, mapAsync, createPipeline];
      model.dispose();
    }
    counts.pipelinesAfterFirst += counts.pipelines;
    // 10 training and 4 validation batches an epoch, and the epoch's readback.
    const expected = { submits: 4 * (10 + 4 + 1), maps: 4 };
    const ok = counts.submits === expected.submits && counts.maps === expected.maps && counts.pipelinesAfterFirst === 0 && !counts.stalled && history.loss.length === 4;
    return {
      maxError: ok ? 0 : Infinity,
      tolerance: 0,
      detail: `${counts.submits} submits (expected ${expected.submits}), ${counts.maps} maps, ${counts.fences} fences, stalled ${counts.stalled}, pipelines ${counts.pipelines} in the first epoch, ${counts.pipelinesAfterFirst} after`,
    };
  },
};

const callbacksCheck: Check = {
  name: 'fitDataset with EarlyStopping (restoreBestWeights), ReduceLROnPlateau, LearningRateScheduler and TerminateOnNaN stops, sets rates and restores as the CPU reference fit does',
  async run(device) {
    const { x, y } = halvesDataset(96, 20, 46);
    const valid = halvesDataset(64, 20, 47);
    const batches = batchesOf(x, y, 32);
    const run = async (backend: Backend) => {
      const model = await streamModel(backend, device, 5, { learningRate: 0.03 });
      // The scheduler acts at the beginning of epochs and TerminateOnNaN at their batches' ends: both as in fit.
      const callbacks = () => [
        new EarlyStopping({ monitor: 'val_loss', minDelta: 0.01, patience: 2, restoreBestWeights: true }),
        new ReduceLROnPlateau({ monitor: 'loss', minDelta: 0.01, patience: 1, factor: 0.5 }),
        new LearningRateScheduler((epoch, rate) => (epoch === 2 ? rate * 0.8 : rate)),
        new TerminateOnNaN(),
      ];
      const history =
        backend === 'webgpu'
          ? await model.fitDataset(batches, { epochs: 30, validationData: batchesOf(valid.x, valid.y, 32), callbacks: callbacks() })
          : await model.fit(x, y, { epochs: 30, batchSize: 32, shuffle: false, validationData: [valid.x, valid.y], callbacks: callbacks() });
      const weights = flat(await model.getWeights());
      model.dispose();
      return { history, batches: [], weights };
    };
    const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
    const { maxError, detail } = compare(gpu, cpu);
    const rates = cpu.history.learning_rate ?? [];
    const acted = cpu.history.epoch.length < 30 && new Set(rates).size > 1;
    return { maxError: acted ? maxError : Infinity, tolerance: 1e-5, detail: `${detail}; rates ${rates.join(', ')}` };
  },
};

const badBatchCheck: Check = {
  name: 'fitDataset: a bad batch in epoch 1 rejects naming it; the model keeps epoch 0\'s weights (Adam\'s state and step count too) and trains on from them as the CPU reference',
  async run(device) {
    const { x, y } = halvesDataset(100, 20, 48);
    const batches = batchesOf(x, y, 32);
    const bad = batches.map((b) => ({ ...b }));
    const nan = bad[2].xs.data.slice();
    nan[5] = NaN;
    bad[2] = { ...bad[2], xs: { shape: bad[2].xs.shape, data: nan } };
    const make = (backend: Backend) => streamModel(backend, device, 6, { learningRate: 0.05 });
    const gpu = await make('webgpu');
    let epochs = 0;
    const error = await gpu
      .fitDataset(() => (epochs++ === 0 ? batches : bad), { epochs: 3 })
      .then(() => undefined, (e: WebGPUNNError & { history?: History }) => e);
    const kept = flat(await gpu.getWeights());
    const after = await gpu.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false });
    const continued = flat(await gpu.getWeights());
    gpu.dispose();
    const cpu = await make('cpu');
    await cpu.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false });
    const expectedKept = flat(await cpu.getWeights());
    const expectedAfter = await cpu.fit(x, y, { epochs: 1, batchSize: 32, shuffle: false });
    const expectedContinued = flat(await cpu.getWeights());
    cpu.dispose();
    const named = error?.code === 'NON_FINITE' && error.message.startsWith('fitDataset(source) epoch 1 batch 2 xs[0][5]') && error.history?.loss.length === 1;
    const errors = [maxRelativeError(kept, expectedKept), maxRelativeError(continued, expectedContinued), maxRelativeError(after.loss, expectedAfter.loss)];
    return { maxError: named ? Math.max(...errors) : Infinity, tolerance: 1e-5, detail: `${error?.code}: ${error?.message}; kept ${errors[0].toExponential(2)}, continued ${errors[1].toExponential(2)}` };
  },
};

const leakCheck: Check = {
  name: 'fitDataset destroys every buffer it made: runs with a validation source, validation rows, and a batch larger than the first leave none alive',
  async run(device) {
    const { x, y } = halvesDataset(64, 20, 49);
    const batches = batchesOf(x, y, 32);
    const tooLarge = [batches[0], { xs: rowsOf(x, 0, 33), ys: rowsOf(y, 0, 33) }];
    const { result: outcomes, alive } = await tracking(device, async () => {
      const outcomes: string[] = [];
      for (let cycle = 0; cycle < 3; cycle++) {
        const model = await streamModel('webgpu', device, cycle);
        const source = cycle === 2 ? tooLarge : batches;
        outcomes.push(
          await model.fitDataset(source, { epochs: 2, validationData: cycle === 1 ? [x, y] : batches, validationBatchSize: 32 }).then(
            (h) => `${h.loss.length} epochs`,
            (e: WebGPUNNError) => e.code,
          ),
        );
        model.dispose();
      }
      return outcomes;
    });
    const expected = ['2 epochs', '2 epochs', 'SHAPE_MISMATCH'];
    return { maxError: alive + (outcomes.join() === expected.join() ? 0 : Infinity), tolerance: 0, detail: `${alive} buffers alive; ${outcomes.join(', ')}` };
  },
};

const memberCheck: Check = {
  name: "fitDataset on a ModelGroup member trains it alone as the CPU reference fits the same batches (history, batch logs, weights); the group's others keep their weights bit for bit",
  async run(device) {
    const { x, y } = halvesDataset(100, 20, 50);
    const batches = batchesOf(x, y, 32);
    const layers = () => [new Dense({ units: 8, activation: 'relu', inputDim: 20 }), new Dense({ units: 1, activation: 'sigmoid' })];
    const group = new ModelGroup([0, 1, 2].map(() => new Sequential(layers())));
    await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new Adam({ learningRate: 0.01 * (i + 1) }), metrics: ['accuracy'], seed: (i) => 20 + i, backend: 'webgpu', device });
    const before = await Promise.all([0, 1, 2].map((i) => group.getWeights(i)));
    const run = async (fit: (onBatchEnd: (batch: number, logs: Record<string, number>) => void) => Promise<History>) => {
      const logs: number[] = [];
      const history = await fit((_, scores) => void logs.push(scores.loss, scores.accuracy));
      return { history, batches: logs };
    };
    const gpu = await run((onBatchEnd) => group.members[1].fitDataset(batches, { epochs: 3, onBatchEnd }));
    const after = await Promise.all([0, 1, 2].map((i) => group.getWeights(i)));
    group.dispose();
    const alone = new Sequential(layers());
    await alone.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.02 }), metrics: ['accuracy'], backend: 'cpu', seed: 21 });
    await alone.setWeights(before[1]);
    const cpu = await run((onBatchEnd) => alone.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false, onBatchEnd }));
    const { maxError, detail } = compare({ ...gpu, weights: flat(after[1]) }, { ...cpu, weights: flat(await alone.getWeights()) });
    const kept = [0, 2].every((i) => flat(after[i]).every((v, k) => v === flat(before[i])[k]));
    const trained = cpu.history.loss[2] < cpu.history.loss[0];
    return { maxError: kept && trained ? maxError : Infinity, tolerance: 1e-5, detail: `${detail}; others kept ${kept}` };
  },
};

/**
 * On a GPU, fit trains a small network's whole epoch in one dispatch (epoch-kernel.ts); fitDataset records its steps
 * one at a time as the batches arrive, so its plan must keep the per-step kernels.
 */
const gpuClassCheck: Check = {
  name: "fitDataset on an adapter described as a GPU, where fit takes the one-dispatch epoch, trains step by step as the CPU reference fits the same batches: history, batch logs, weights",
  async run(device) {
    const { x, y } = halvesDataset(90, 20, 60);
    const batches = batchesOf(x, y, 32);
    const gpuDevice = asGPU(device);
    let oneDispatch = false;
    const run = async (backend: Backend) => {
      const model = new Sequential([new Dense({ units: 8, activation: 'relu', inputDim: 20 }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), metrics: ['accuracy'], backend, device: gpuDevice, seed: 61 });
      const logs: number[] = [];
      const onBatchEnd = (_: number, scores: Record<string, number>) => void logs.push(scores.loss, scores.accuracy);
      const history = backend === 'webgpu' ? await model.fitDataset(batches, { epochs: 3, onBatchEnd }) : await model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false, onBatchEnd });
      if (backend === 'webgpu') oneDispatch = (await model.describeTrainingStep(32)).split('\n').some((line) => /^\s*1\.\s+epoch\b/.test(line));
      const weights = flat(await model.getWeights());
      model.dispose();
      return { history, batches: logs, weights };
    };
    const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
    const { maxError, detail } = compare(gpu, cpu);
    const learned = cpu.history.loss[2] < cpu.history.loss[0];
    return { maxError: oneDispatch && learned ? maxError : Infinity, tolerance: 1e-5, detail: `${detail}; fit's step is one dispatch: ${oneDispatch}` };
  },
};

export const streamChecks: Check[] = [largeCheck, weightsCheck, costCheck, callbacksCheck, badBatchCheck, leakCheck, memberCheck, gpuClassCheck];
