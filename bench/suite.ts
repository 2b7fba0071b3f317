// The measurements, the same in a browser page and in Node: the lesson's training step in each library, matmul
// throughput, the cost of an empty dispatch and of a workgroup's memory, webgpu-nn as the data and the network
// grow, and the time of each dispatch of webgpu-nn's training step. Every function takes and returns plain data,
// so that the driver (run.ts) can call it in a page through puppeteer or directly in Node.
import * as tf from '@tensorflow/tfjs';
import { decodeDigits } from '../src/data/digits';
import { BinaryCrossentropy, CategoricalCrossentropy, Dense, ModelGroup, RMSprop, SGD, Sequential, type ModelArtifactsLike } from '../src/index';
import type { Matrix } from '../src/matrix';
import { BufferUsage, MapMode } from '../src/runtime/flags';
import forward from '../src/layers/dense/forward.wgsl?raw';
import forwardShared from '../src/layers/dense/forward-shared.wgsl?raw';
import { outputEpilogue } from '../src/runtime/epilogues';
import { blocking, compile, matmulWorkgroups, occupancy } from '../src/runtime/kernels';
import { padded } from '../src/runtime/layout';
import { deviceMatrix } from '../src/runtime/device-matrix';
import { Members } from '../src/runtime/members';
import { Plan } from '../src/runtime/plan';
import { stepKernel } from '../src/runtime/sources';
import type { NetworkSpec } from '../src/spec';

export type Library = 'webgpu-nn' | 'webgpu-nn-cpu' | 'tfjs-webgpu' | 'tfjs-webgl' | 'tfjs-wasm' | 'tfjs-cpu';

/** The lesson's network: 400 inputs, Dense(25, sigmoid) → Dense(15, sigmoid) → Dense(1, sigmoid). */
const LESSON = [400, 25, 15, 1];
const LESSON_ROWS = 1000;
const LEARNING_RATE = 0.1;
const SEED = 42;

// ---- WebGPU call counters: the prototypes' methods, wrapped once ----

const counted = {
  dispatches: ['GPUComputePassEncoder', 'dispatchWorkgroups'],
  submits: ['GPUQueue', 'submit'],
  maps: ['GPUBuffer', 'mapAsync'],
  bindGroups: ['GPUDevice', 'createBindGroup'],
  writes: ['GPUQueue', 'writeBuffer'],
  buffers: ['GPUDevice', 'createBuffer'],
} as const;

export type Calls = Record<keyof typeof counted, number>;
const calls = Object.fromEntries(Object.keys(counted).map((name) => [name, 0])) as Calls;

function countCalls(): void {
  for (const [name, [type, method]] of Object.entries(counted) as [keyof Calls, [string, string]][]) {
    const prototype = (globalThis as unknown as Record<string, { prototype: Record<string, (...args: unknown[]) => unknown> }>)[type].prototype;
    const original = prototype[method];
    prototype[method] = function (this: unknown, ...args: unknown[]) {
      calls[name]++;
      return original.apply(this, args);
    };
  }
}

const resetCalls = () => Object.keys(calls).forEach((name) => (calls[name as keyof Calls] = 0));

// ---- setup ----

export interface Environment {
  /** The lesson's layer sizes, inputs first. */
  network: number[];
  /** device: Dawn's name for the adapter's device ('null-backend' on its null backend, which names nothing else). */
  adapter: { vendor: string; architecture: string; description: string; device: string; fallback: boolean };
  tfjs: { version: string; backends: string[] };
}

/** Held for as long as the device is used: in Node, Dawn's instance goes with this object. */
let gpu: GPU;
let device: GPUDevice;
let digits: { x: Matrix; y: Matrix };
let environment: Environment;

/** Requests the one device of the benchmark, decodes the digits and starts counting WebGPU calls. */
export async function setup(options: { gpu: GPU; digits: Uint8Array; tfBackends: string[] }): Promise<void> {
  gpu = options.gpu;
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null');
  device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize, maxBufferSize: adapter.limits.maxBufferSize },
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  const { vendor, architecture, description, device: name } = adapter.info;
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? adapter.info.isFallbackAdapter ?? false;
  environment = { network: LESSON, adapter: { vendor, architecture, description, device: name, fallback }, tfjs: { version: tf.version.tfjs, backends: options.tfBackends } };
  const all = decodeDigits(options.digits);
  digits = { x: all.x, y: all.y };
  countCalls();
}

export async function describeEnvironment(): Promise<Environment> {
  return environment;
}

// ---- data, weights and FLOPs ----

/** The first 1000 digits, repeated to `rows` rows. */
function examples(rows: number): { x: Matrix; y: Matrix } {
  const tile = (m: Matrix): Matrix => {
    const cols = m.shape[1];
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r += LESSON_ROWS) data.set(m.data.subarray(0, Math.min(LESSON_ROWS, rows - r) * cols), r * cols);
    return { shape: [rows, cols], data };
  };
  return { x: tile(digits.x), y: tile(digits.y) };
}

function ourModel(sizes: number[]): Sequential {
  return new Sequential(sizes.slice(1).map((units, l) => new Dense({ units, activation: 'sigmoid', inputDim: l === 0 ? sizes[0] : undefined })));
}

/** Glorot-uniform kernels and zero biases from the seed, in Keras order: every library starts from these. */
async function initialWeights(sizes: number[]): Promise<Float32Array[]> {
  const model = ourModel(sizes);
  await model.compile({ loss: new BinaryCrossentropy(), backend: 'cpu', seed: SEED });
  const weights = await model.getWeights();
  model.dispose();
  return weights;
}

/** FLOPs of training on `rows` rows: forward 2·m·I·U per layer, backprop 2·m·U·I for every layer but the first, update 2·m·(I+1)·U per layer. */
function trainingFlops(rows: number, sizes: number[]): number {
  let flops = 0;
  for (let l = 1; l < sizes.length; l++) {
    const [inputs, units] = [sizes[l - 1], sizes[l]];
    flops += 2 * rows * inputs * units * (l > 1 ? 2 : 1) + 2 * rows * (inputs + 1) * units;
  }
  return flops;
}

// ---- training, timed ----

interface Trainer {
  /** Trains `epochs` more epochs from where the last call left off; returns each epoch's loss. */
  fit(epochs: number, onEpochEnd?: () => void): Promise<number[]>;
  dispose(): void;
}

async function ourTrainer(backend: 'webgpu' | 'cpu', sizes: number[], rows: number, batchSize: number, tuning?: 'auto'): Promise<Trainer & { model: Sequential }> {
  const { x, y } = examples(rows);
  const model = ourModel(sizes);
  await model.compile({ loss: new BinaryCrossentropy(), optimizer: new SGD({ learningRate: LEARNING_RATE }), backend, device, seed: SEED, tuning });
  await model.setWeights(await initialWeights(sizes));
  return {
    model,
    fit: async (epochs, onEpochEnd) => (await model.fit(x, y, { epochs, batchSize, shuffle: false, onEpochEnd })).loss,
    dispose: () => model.dispose(),
  };
}

async function useBackend(backend: string): Promise<void> {
  if (!(await tf.setBackend(backend))) throw new Error(`TF.js backend ${backend} failed to initialize`);
}

async function tfTrainer(backend: string, sizes: number[], rows: number, batchSize: number): Promise<Trainer> {
  await useBackend(backend);
  const { x, y } = examples(rows);
  const model = tf.sequential({
    layers: sizes.slice(1).map((units, l) => tf.layers.dense({ units, activation: 'sigmoid', inputShape: l === 0 ? [sizes[0]] : undefined })),
  });
  const weights = await initialWeights(sizes);
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(weights[i], w.shape)));
  model.compile({ loss: 'binaryCrossentropy', optimizer: tf.train.sgd(LEARNING_RATE) });
  const xs = tf.tensor2d(x.data, x.shape);
  const ys = tf.tensor2d(y.data, y.shape);
  return {
    fit: async (epochs, onEpochEnd) =>
      (await model.fit(xs, ys, { epochs, batchSize, shuffle: false, verbose: 0, callbacks: { onEpochEnd: async () => onEpochEnd?.() } })).history
        .loss as number[],
    dispose: () => {
      model.dispose();
      tf.dispose([xs, ys]);
    },
  };
}

export interface Budget {
  /** Epochs from the shared initial weights before timing; the last one's loss is compared across libraries. */
  warmupEpochs: number;
  /** Timed runs; the median counts. */
  runs: number;
  /** Each timed run trains whole epochs, as many as whole fit calls after the warm-up say last this long (at least one). */
  runMs: number;
}

interface Timed {
  /** The loss of the last warm-up epoch (NaN without a warm-up). */
  loss: number;
  /**
   * The median time between two epoch ends within one fit call (warm-up and timed runs): an epoch without fit's
   * setup. NaN when no call trained two epochs.
   */
  epochMs: number;
  /** The median over the timed runs of the time from the fit call to its first epoch end: an epoch and fit's setup. */
  firstEpochMs: number;
  epochsPerRun: number;
  /** Wall time of each timed run: the whole fit call. */
  runMs: number[];
  /** WebGPU calls during the timed runs, all runs together. */
  calls: Calls;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

async function timeTraining(trainer: Trainer, budget: Budget): Promise<Timed> {
  const intervals: number[] = [];
  const firstEpochs: number[] = [];
  /** fit, recording the time from the call to the first epoch end and between consecutive epoch ends. */
  const fit = (epochs: number) => {
    let last = performance.now();
    let first = true;
    return trainer.fit(epochs, () => {
      const now = performance.now();
      (first ? firstEpochs : intervals).push(now - last);
      first = false;
      last = now;
    });
  };
  const timeFit = async (epochs: number) => {
    const start = performance.now();
    await fit(epochs);
    return performance.now() - start;
  };
  const losses = await fit(budget.warmupEpochs);
  // Epochs per run from whole fit calls of 1, 4, 16, … epochs until one lasts a quarter of a run: fit's setup
  // included, so fewer epochs than the budget, never too many. (The time between the last two epoch ends says
  // nothing: fit queues each epoch before reading back the one before, and the last two may end together.)
  let epochsPerRun = 1;
  if (budget.runMs > 0) {
    let probe = 1;
    let probeMs = await timeFit(probe);
    while (probeMs < budget.runMs / 4) probeMs = await timeFit((probe *= 4));
    epochsPerRun = Math.max(1, Math.floor((probe * budget.runMs) / probeMs));
  }
  resetCalls();
  firstEpochs.length = 0;
  const runMs: number[] = [];
  for (let r = 0; r < budget.runs; r++) {
    const runStart = performance.now();
    await fit(epochsPerRun);
    runMs.push(performance.now() - runStart);
  }
  return {
    loss: losses.at(-1) ?? NaN, epochMs: intervals.length ? median(intervals) : NaN, firstEpochMs: median(firstEpochs), epochsPerRun, runMs, calls: { ...calls },
  };
}

export interface LessonResult extends Timed {
  library: Library;
  batchSize: number;
  stepsPerEpoch: number;
  warmupSteps: number;
  msPerStep: number;
  /** FLOPs of one full step (batchSize rows). */
  stepFlops: number;
  /** WebGPU calls per step. */
  perStep: Calls;
}

/** One library training the lesson's network on 1000 digits at `batchSize`. */
export async function lesson(library: Library, batchSize: number, budget: Budget): Promise<LessonResult> {
  const trainer = library.startsWith('tfjs-')
    ? await tfTrainer(library.slice('tfjs-'.length), LESSON, LESSON_ROWS, batchSize)
    : await ourTrainer(library === 'webgpu-nn' ? 'webgpu' : 'cpu', LESSON, LESSON_ROWS, batchSize);
  try {
    const timed = await timeTraining(trainer, budget);
    const stepsPerEpoch = Math.ceil(LESSON_ROWS / batchSize);
    const steps = timed.epochsPerRun * stepsPerEpoch;
    const perStep = Object.fromEntries(Object.entries(timed.calls).map(([name, n]) => [name, n / (steps * budget.runs)])) as Calls;
    return {
      library, batchSize, stepsPerEpoch, warmupSteps: budget.warmupEpochs * stepsPerEpoch, ...timed,
      msPerStep: median(timed.runMs) / steps, stepFlops: trainingFlops(batchSize, LESSON), perStep,
    };
  } finally {
    trainer.dispose();
  }
}

export interface ScaleResult {
  rows: number;
  width: number;
  epochsPerRun: number;
  runs: number;
  msPerEpoch: number;
  msPerStep: number;
  gflops: number;
}

/** webgpu-nn on WebGPU, batch 32, over `rows` examples with a first layer `width` units wide. */
export async function scale(rows: number, width: number, budget: Budget): Promise<ScaleResult> {
  const sizes = [LESSON[0], width, ...LESSON.slice(2)];
  const trainer = await ourTrainer('webgpu', sizes, rows, 32);
  try {
    const { epochsPerRun, runMs } = await timeTraining(trainer, budget);
    const msPerEpoch = median(runMs) / epochsPerRun;
    return { rows, width, epochsPerRun, runs: budget.runs, msPerEpoch, msPerStep: msPerEpoch / Math.ceil(rows / 32), gflops: trainingFlops(rows, sizes) / msPerEpoch / 1e6 };
  } finally {
    trainer.dispose();
  }
}

// ---- many models at once ----

export interface GroupResult {
  members: number;
  batchSize: number;
  /** One epoch of the whole group: a ModelGroup of `members` lesson networks, each its own learning rate. */
  groupMsPerEpoch: number;
  /** One epoch of each of `members` Sequentials, each fitted in turn (its epochs in one fit call), in the same page. */
  sequentialMsPerEpoch: number;
  /** How many times the group's throughput (members' epochs per second) the sequential fits'. */
  speedUp: number;
  /** The largest relative difference between a member's loss after the warm-up and its Sequential's. */
  lossDifference: number;
}

/**
 * `members` lesson networks at `batchSize` as one ModelGroup, against the same networks fitted one after another:
 * each member its own learning rate (a sweep), from the same initial weights as its Sequential.
 */
export async function group(members: number, batchSize: number, budget: Budget): Promise<GroupResult> {
  const { x, y } = examples(LESSON_ROWS);
  const weights = await initialWeights(LESSON);
  const rate = (i: number) => LEARNING_RATE * (0.5 + i / Math.max(1, members));
  const models = Array.from({ length: members }, () => ourModel(LESSON));
  const ensemble = new ModelGroup(models);
  await ensemble.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new SGD({ learningRate: rate(i) }), backend: 'webgpu', device, seed: SEED });
  for (let i = 0; i < members; i++) await ensemble.setWeights(i, weights);
  const alone = await Promise.all(
    Array.from({ length: members }, async (_, i) => {
      const model = ourModel(LESSON);
      await model.compile({ loss: new BinaryCrossentropy(), optimizer: new SGD({ learningRate: rate(i) }), backend: 'webgpu', device, seed: SEED });
      await model.setWeights(weights);
      return model;
    }),
  );
  try {
    const grouped: Trainer = {
      fit: async (epochs, onEpochEnd) => (await ensemble.fit(x, y, { epochs, batchSize, shuffle: false, onEpochEnd })).map((h) => h.loss.at(-1) ?? NaN),
      dispose: () => ensemble.dispose(),
    };
    // Each Sequential trains its epochs in one fit, one model after another.
    const sequential: Trainer = {
      fit: async (epochs) => {
        const losses: number[] = [];
        for (const model of alone) losses.push((await model.fit(x, y, { epochs, batchSize, shuffle: false })).loss.at(-1) ?? NaN);
        return losses;
      },
      dispose: () => alone.forEach((m) => m.dispose()),
    };
    // Both trained the same warm-up epochs: the members' last losses against their Sequentials'.
    const groupLosses = await grouped.fit(budget.warmupEpochs);
    const sequentialLosses = await sequential.fit(budget.warmupEpochs);
    const lossDifference = Math.max(...groupLosses.map((l, i) => Math.abs(l - sequentialLosses[i]) / Math.max(1, Math.abs(sequentialLosses[i]))));
    const timedGroup = await timeTraining(grouped, { ...budget, warmupEpochs: 0 });
    const timedSequential = await timeTraining(sequential, { ...budget, warmupEpochs: 0 });
    const groupMsPerEpoch = median(timedGroup.runMs) / timedGroup.epochsPerRun;
    const sequentialMsPerEpoch = median(timedSequential.runMs) / timedSequential.epochsPerRun;
    return { members, batchSize, groupMsPerEpoch, sequentialMsPerEpoch, speedUp: sequentialMsPerEpoch / groupMsPerEpoch, lossDifference };
  } finally {
    ensemble.dispose();
    alone.forEach((m) => m.dispose());
  }
}

// ---- the tuner against the heuristic ----

export type TuningWorkload = 'lesson' | 'wide' | 'matmul';

export interface TuningResult {
  workload: TuningWorkload;
  batchSize: number;
  tuning: boolean;
  /** The first fit of one epoch (matmul: the first predict), ms: its pipelines compiled and, the first time a product is met with tuning on, timed. */
  firstMs: number;
  /** lesson, wide: ms per training step, the median run; matmul: ms per predict of all its rows. */
  ms: number;
  /** Each product's kernel, as describeTrainingStep (or, for the matmul, the tuning table) names it. */
  kernels: string[];
}

const blocksOf = (text: string) => [...text.matchAll(/; ([^;]*blocks[^;]*?)\s+\d+×\d+ workgroups/g)].map((m) => m[1]);

/**
 * webgpu-nn with `compile({ tuning: 'auto' })` or without: the lesson (400 → 25 → 15 → 1) or its first layer 1024
 * units wide, trained at `batchSize` as the lesson table trains it; or the matmul, predict over 1024 rows of a
 * Dense(1024) from 1024 inputs (the 1024³ product, its upload and its readback).
 */
export async function tuned(workload: TuningWorkload, batchSize: number, tuning: boolean, budget: Budget): Promise<TuningResult> {
  if (workload === 'matmul') return tunedMatmul(batchSize, tuning, budget.runs);
  const sizes = workload === 'lesson' ? LESSON : [LESSON[0], 1024, ...LESSON.slice(2)];
  const trainer = await ourTrainer('webgpu', sizes, LESSON_ROWS, batchSize, tuning ? 'auto' : undefined);
  try {
    const start = performance.now();
    await trainer.fit(1);
    const firstMs = performance.now() - start;
    const { runMs, epochsPerRun } = await timeTraining(trainer, budget);
    const kernels = blocksOf(await trainer.model.describeTrainingStep(batchSize));
    return { workload, batchSize, tuning, firstMs, ms: median(runMs) / (epochsPerRun * Math.ceil(LESSON_ROWS / batchSize)), kernels };
  } finally {
    trainer.dispose();
  }
}

async function tunedMatmul(n: number, tuning: boolean, runs: number): Promise<TuningResult> {
  const model = new Sequential([new Dense({ units: n, inputDim: n, useBias: false })]);
  await model.compile({ loss: 'meanSquaredError', device, tuning: tuning ? 'auto' : undefined });
  const x = { shape: [n, n] as [number, number], data: random(n * n) };
  try {
    let start = performance.now();
    await model.predict(x);
    const firstMs = performance.now() - start;
    const times: number[] = [];
    for (let r = 0; r < runs; r++) {
      start = performance.now();
      await model.predict(x);
      times.push(performance.now() - start);
    }
    const heuristic = blocking(n, n, occupancy(device), n);
    const kernels = tuning ? Object.values(model.getTuning()?.kernels ?? {}) : [heuristic];
    return { workload: 'matmul', batchSize: n, tuning, firstMs, ms: median(times), kernels: kernels.map((b) => `${4 * b.tileRows} × ${4 * b.tileCols} blocks, ${b.group.join(' × ')}${b.workgroupMemory ? ', staged' : ''}`) };
  } finally {
    model.dispose();
  }
}

// ---- the full-size workload ----

/** Keras's MNIST multilayer perceptron, 784 → 512 → 512 → 10, at batch 128 over 60,000 synthetic rows. */
const FULL_SIZE = { inputs: 784, classes: 10, rows: 60_000, batchSize: 128 };

/**
 * The full-size network in TF.js, Keras's recipe: Dense(512, relu) → Dropout(0.2) → Dense(512, relu) → Dropout(0.2) →
 * Dense(10, softmax), Glorot-uniform kernels seeded one per layer; webgpu-nn loads it through the model files.
 */
function fullSizeNetwork(): tf.Sequential {
  let seed = SEED;
  const dense = (units: number, activation: 'relu' | 'softmax') =>
    tf.layers.dense({ units, activation, kernelInitializer: tf.initializers.glorotUniform({ seed: seed++ }) });
  const hidden = (units: number) => [dense(units, 'relu'), tf.layers.dropout({ rate: 0.2 })];
  return tf.sequential({
    layers: [tf.layers.inputLayer({ inputShape: [FULL_SIZE.inputs] }), ...hidden(512), ...hidden(512), dense(FULL_SIZE.classes, 'softmax')],
  });
}

/** The full-size network's layer widths, inputs first, for its FLOPs. */
const FULL_SIZE_WIDTHS = [FULL_SIZE.inputs, 512, 512, FULL_SIZE.classes];

let fullSizeFiles: Promise<{ tf: tf.io.ModelArtifacts; ours: ModelArtifactsLike }> | undefined;

/** The full-size network with its initial weights as TF.js saves it: both libraries load these files. */
function fullSizeModelFiles(): Promise<{ tf: tf.io.ModelArtifacts; ours: ModelArtifactsLike }> {
  fullSizeFiles ??= (async () => {
    await useBackend('cpu');
    const model = fullSizeNetwork();
    let saved: tf.io.ModelArtifacts | undefined;
    await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) })));
    model.dispose();
    const { modelTopology, weightSpecs, weightData, generatedBy } = saved!;
    const modelJson = { modelTopology, format: 'layers-model', generatedBy, convertedBy: null, weightsManifest: [{ paths: ['weights.bin'], weights: weightSpecs }] };
    return { tf: saved!, ours: { modelJson: JSON.stringify(modelJson), weightData: tf.io.CompositeArrayBuffer.join(weightData) } };
  })();
  return fullSizeFiles;
}

/**
 * 60,000 synthetic rows a network can learn: row r is class r mod 10 (one-hot), its pixels noise in [0, 0.5)
 * plus 0.5 over the class's tenth of the row.
 */
function syntheticRows(rows: number): { x: Matrix; y: Matrix } {
  const { inputs, classes } = FULL_SIZE;
  const x = new Float32Array(rows * inputs);
  const y = new Float32Array(rows * classes);
  const band = Math.ceil(inputs / classes);
  for (let r = 0; r < rows; r++) {
    const label = r % classes;
    y[r * classes + label] = 1;
    for (let c = 0; c < inputs; c++) {
      const i = r * inputs + c;
      x[i] = ((Math.imul(i + 1, 2654435761) >>> 0) / 2 ** 33) + (Math.floor(c / band) === label ? 0.5 : 0);
    }
  }
  return { x: { shape: [rows, inputs], data: x }, y: { shape: [rows, classes], data: y } };
}

const firstRows = (m: Matrix, rows: number): Matrix => ({ shape: [rows, m.shape[1]], data: m.data.subarray(0, rows * m.shape[1]) });

export interface FullSizeBudget {
  /** Steps from the shared initial weights before timing; their mean loss is compared across libraries. */
  warmupSteps: number;
  /** The timed steps last about this long, by the last warm-up step's time (at least 2; all of an epoch's where they fit). */
  timedMs: number;
}

export interface FullSizeResult {
  library: 'webgpu-nn' | 'tfjs-webgpu';
  /** The data set's rows and the layer widths, inputs first. */
  rows: number;
  widths: number[];
  batchSize: number;
  warmupSteps: number;
  /** The mean loss of the warm-up steps, the first batches from the shared initial weights. */
  loss: number;
  /** What was timed: webgpu-nn one fit call of one epoch over the first `steps` batches; TF.js `steps` trainOnBatch calls. */
  timed: 'fit' | 'trainOnBatch';
  steps: number;
  /** Steps in a whole epoch of the data set. */
  epochSteps: number;
  ms: number;
  msPerStep: number;
  stepFlops: number;
}

/**
 * The full-size workload, RMSprop (Keras's defaults) and categorical cross-entropy, in one library: a warm-up of
 * `warmupSteps` batches (pipelines compile), then as many steps as last about `budget.timedMs`: for webgpu-nn one
 * `fit` call of an epoch over that many batches (the whole call, uploading the rows included), for TF.js webgpu
 * that many `trainOnBatch` calls on consecutive batches, each awaited, its batch uploaded in the step.
 */
export async function fullSize(library: FullSizeResult['library'], budget: FullSizeBudget): Promise<FullSizeResult> {
  const { rows, batchSize } = FULL_SIZE;
  const epochSteps = Math.ceil(rows / batchSize);
  const files = await fullSizeModelFiles();
  const data = syntheticRows(rows);
  const warmupRows = budget.warmupSteps * batchSize;
  const stepsFor = (stepMs: number) => Math.min(epochSteps, Math.max(2, Math.floor(budget.timedMs / stepMs)));
  const result = (loss: number, timed: FullSizeResult['timed'], steps: number, ms: number): FullSizeResult => ({
    library, rows, widths: FULL_SIZE_WIDTHS, batchSize, warmupSteps: budget.warmupSteps, loss, timed, steps, epochSteps, ms,
    msPerStep: ms / steps, stepFlops: trainingFlops(batchSize, FULL_SIZE_WIDTHS),
  });

  if (library === 'webgpu-nn') {
    const model = await Sequential.load(files.ours, { device });
    try {
      await model.compile({ loss: new CategoricalCrossentropy(), optimizer: new RMSprop(), device });
      const fit = (n: number) => model.fit(firstRows(data.x, n), firstRows(data.y, n), { epochs: 1, batchSize, shuffle: false });
      const [loss] = (await fit(warmupRows)).loss;
      // The warm-up's rows once more, for the estimate: the first call compiled the pipelines.
      let start = performance.now();
      await fit(warmupRows);
      const steps = stepsFor((performance.now() - start) / budget.warmupSteps);
      start = performance.now();
      await fit(Math.min(rows, steps * batchSize));
      return result(loss, 'fit', steps, performance.now() - start);
    } finally {
      model.dispose();
    }
  }

  await useBackend('webgpu');
  const model = await tf.loadLayersModel(tf.io.fromMemory(files.tf));
  model.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.rmsprop(new RMSprop().learningRate) });
  const batch = (b: number) => {
    const n = Math.min(batchSize, rows - b * batchSize);
    const part = (m: Matrix) => tf.tensor2d(m.data.subarray(b * batchSize * m.shape[1], (b * batchSize + n) * m.shape[1]), [n, m.shape[1]]);
    return [part(data.x), part(data.y)];
  };
  const step = async (b: number) => {
    const [xs, ys] = batch(b);
    try {
      return (await model.trainOnBatch(xs, ys)) as number;
    } finally {
      tf.dispose([xs, ys]);
    }
  };
  try {
    const losses: number[] = [];
    let stepMs = Infinity;
    for (let b = 0; b < budget.warmupSteps; b++) {
      const start = performance.now();
      losses.push(await step(b));
      stepMs = performance.now() - start;
    }
    const steps = stepsFor(stepMs);
    const start = performance.now();
    for (let b = 0; b < steps; b++) await step(b);
    return result(losses.reduce((a, l) => a + l, 0) / losses.length, 'trainOnBatch', steps, performance.now() - start);
  } finally {
    model.dispose();
  }
}

// ---- kernels, timed on the device ----

/** Times `encode` recorded `reps` times in one compute pass and one submit, until the queue is done. */
async function timePass(reps: number, encode: (pass: GPUComputePassEncoder) => void): Promise<number> {
  const start = performance.now();
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (let r = 0; r < reps; r++) encode(pass);
  pass.end();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - start;
}

/**
 * The device's own time for `encode` recorded `reps` times in one compute pass, from timestamps written at the
 * pass's start and end (browsers round them to 0.1 ms); without the timestamp-query feature, `timePass`.
 */
async function timePassOnDevice(reps: number, encode: (pass: GPUComputePassEncoder) => void): Promise<number> {
  if (!device.features.has('timestamp-query')) return timePass(reps, encode);
  const querySet = device.createQuerySet({ type: 'timestamp', count: 2 });
  const resolved = device.createBuffer({ size: 16, usage: 0x200 /* QUERY_RESOLVE */ | BufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } });
    for (let r = 0; r < reps; r++) encode(pass);
    pass.end();
    encoder.resolveQuerySet(querySet, 0, 2, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, read, 0, 16);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(MapMode.READ);
    const [begin, end] = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    return Number(end - begin) / 1e6;
  } finally {
    querySet.destroy();
    resolved.destroy();
    read.destroy();
  }
}

/**
 * Times one rep (a warm-up and a first estimate), then as many reps as last `runMs` together. A first rep over
 * 10 s is the result itself: one rep, first-call costs included. A first rep too short for the clock (device
 * timestamps may be rounded to 0.1 ms) is retried with ten times the reps until it registers.
 */
async function timeReps(runMs: number, run: (reps: number) => Promise<number>): Promise<{ reps: number; ms: number }> {
  let probe = 1;
  let first = await run(probe);
  while (first === 0 && probe < 10_000) first = await run((probe *= 10));
  if (first > 10_000) return { reps: probe, ms: first / probe };
  const reps = Math.max(1, Math.ceil((runMs * probe) / Math.max(first, Number.MIN_VALUE)));
  return { reps, ms: (await run(reps)) / reps };
}

export interface MatmulResult {
  library: 'webgpu-nn' | 'tfjs-webgpu';
  /** [rows, inner, cols]. */
  shape: [number, number, number];
  /** Timed passes of `reps` products; the median counts. */
  runs: number;
  reps: number;
  /** Per multiply. */
  ms: number;
  gflops: number;
}

const random = (length: number) => Float32Array.from({ length }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);

function storage(data: Float32Array | Uint32Array | number, usage: number = BufferUsage.STORAGE): GPUBuffer {
  const size = typeof data === 'number' ? data : data.byteLength;
  const buffer = device.createBuffer({ size: Math.max(16, size), usage: usage | BufferUsage.COPY_DST });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data);
  return buffer;
}

/**
 * [rows × inner] · [inner × cols]: webgpu-nn's forward kernel (linear, no gather; the bias row adds cols·rows
 * additions, not counted) dispatched `reps` times in one pass, the median of `runs` such passes, or TF.js's
 * tf.matMul called `reps` times and the last result read back, once (it is never the faster one, and its largest
 * product takes half a minute).
 */
export async function matmul(library: MatmulResult['library'], shape: [number, number, number], runMs: number, runs = 1): Promise<MatmulResult> {
  const [m, k, n] = shape;
  const timing = library === 'webgpu-nn' ? await ourMatmul(m, k, n, runMs, runs) : await tfMatmul(m, k, n, runMs);
  return { library, shape, runs: library === 'webgpu-nn' ? runs : 1, ...timing, gflops: (2 * m * k * n) / timing.ms / 1e6 };
}

async function ourMatmul(m: number, k: number, n: number, runMs: number, runs: number) {
  const blocks = blocking(m, n, occupancy(device), k);
  // The step: rows 0 .. m of the order (unread without the gather), step 0 of the epoch; its output stored as it is.
  const step = storage(new Uint32Array([0, m, 0, 0, 0, 0, 0, 0]), BufferUsage.UNIFORM);
  const [input, weights, output] = [storage(random(m * padded(k))), storage(random((k + 1) * padded(n))), storage(m * n * 4)];
  const { kernel } = stepKernel({
    name: 'forward', sources: [forward], entry: 'forward', workgroupMemory: { source: forwardShared, entry: 'forward_shared' }, constants: { INPUTS: k, UNITS: n, GATHER: 0 },
    bindings: [{ kind: 'read', resource: input }, { kind: 'read', resource: weights }],
    epilogues: [outputEpilogue([], { buffer: output, width: n, padded: false }, new Members(1))],
    product: { blocking: blocks, groups: () => matmulWorkgroups(m, n, blocks), text: '' },
  });
  const { pipeline, layout } = await compile(device, kernel);
  const buffers = [step, storage(4), input, weights, output];
  const bindGroup = device.createBindGroup({ layout, entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer, size: binding === 0 ? 20 : undefined } })) });
  const run = (reps: number) =>
    timePass(reps, (pass) => {
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bindGroup, [0]);
      pass.dispatchWorkgroups(...matmulWorkgroups(m, n, blocks));
    });
  try {
    const first = await timeReps(runMs, run);
    const more: number[] = [];
    for (let r = 1; r < runs; r++) more.push((await run(first.reps)) / first.reps);
    return { reps: first.reps, ms: median([first.ms, ...more]) };
  } finally {
    buffers.forEach((b) => b.destroy());
  }
}

async function tfMatmul(m: number, k: number, n: number, runMs: number) {
  await useBackend('webgpu');
  const a = tf.tensor2d(random(m * k), [m, k]);
  const b = tf.tensor2d(random(k * n), [k, n]);
  try {
    return await timeReps(runMs, async (reps) => {
      const start = performance.now();
      const products = Array.from({ length: reps }, () => tf.matMul(a, b));
      await products.at(-1)!.data();
      const ms = performance.now() - start;
      tf.dispose(products);
      return ms;
    });
  } finally {
    tf.dispose([a, b]);
  }
}

/** The cost of a dispatch that does nothing: `count` of them in one pass, one submit, after a warm-up. */
export async function emptyDispatch(count: number): Promise<{ count: number; us: number }> {
  const module = device.createShaderModule({ code: '@compute @workgroup_size(1) fn main() {}' });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });
  const run = (reps: number) => timePass(reps, (pass) => {
    pass.setPipeline(pipeline);
    pass.dispatchWorkgroups(1);
  });
  await run(100);
  return { count, us: ((await run(count)) / count) * 1000 };
}

/**
 * The cost of one 8 × 8 workgroup that fills `bytes` of workgroup memory (which WebGPU zero-fills before the
 * kernel runs), waits at a barrier and writes one value: the fixed cost of each workgroup of a kernel that stages
 * tiles in workgroup memory.
 */
export async function workgroupMemory(bytes: number, runMs: number): Promise<{ bytes: number; reps: number; us: number }> {
  const vec4s = bytes / 16;
  const code = `@group(0) @binding(0) var<storage, read_write> out: array<vec4f>;
    var<workgroup> tile: array<vec4f, ${vec4s}>;
    @compute @workgroup_size(8, 8) fn main(@builtin(local_invocation_index) i: u32) {
      for (var s = i; s < ${vec4s}u; s += 64u) { tile[s] = vec4f(f32(s)); }
      workgroupBarrier();
      if (i == 0u) { out[0] = tile[0]; }
    }`;
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module: device.createShaderModule({ code }), entryPoint: 'main' } });
  const out = storage(16);
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: out } }] });
  try {
    const { reps, ms } = await timeReps(runMs, (reps) =>
      timePass(reps, (pass) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, bindGroup);
        pass.dispatchWorkgroups(1);
      }),
    );
    return { bytes, reps, us: ms * 1000 };
  } finally {
    out.destroy();
  }
}

export interface Floor {
  name: string;
  /** The median over rounds of `reps` calls in sequence, per call. */
  us: number;
  reps: number;
}

/**
 * What a call that fit cannot avoid costs the host at least, each awaited before the next: a buffer's `mapAsync`
 * and `unmap` with nothing submitted; a readback (a 16-byte copy submitted, then mapped and unmapped); an empty
 * command buffer submitted; `onSubmittedWorkDone` with nothing pending; a pushed and popped error scope.
 * `reps` calls a round, after a warm-up round; the median of 5 rounds.
 */
export async function floors(reps: number): Promise<Floor[]> {
  const source = storage(16, BufferUsage.COPY_SRC);
  const read = device.createBuffer({ size: 16, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const map = async () => {
    await read.mapAsync(MapMode.READ);
    read.getMappedRange();
    read.unmap();
  };
  const calls: [string, () => Promise<unknown> | void][] = [
    ['mapAsync + unmap', map],
    ['readback: copy, submit, mapAsync, unmap', () => {
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(source, 0, read, 0, 16);
      device.queue.submit([encoder.finish()]);
      return map();
    }],
    ['submit of an empty command buffer', () => device.queue.submit([device.createCommandEncoder().finish()])],
    ['onSubmittedWorkDone', () => device.queue.onSubmittedWorkDone()],
    ['pushErrorScope + popErrorScope', () => (device.pushErrorScope('validation'), device.popErrorScope())],
  ];
  try {
    const results: Floor[] = [];
    for (const [name, call] of calls) {
      const round = async () => {
        const start = performance.now();
        for (let r = 0; r < reps; r++) await call();
        return ((performance.now() - start) / reps) * 1000;
      };
      await round();
      const rounds: number[] = [];
      for (let r = 0; r < 5; r++) rounds.push(await round());
      results.push({ name, us: median(rounds), reps });
    }
    return results;
  } finally {
    source.destroy();
    read.destroy();
  }
}

export interface Breakdown {
  batchSize: number;
  /** The step's dispatches, then the reductions dispatched once per epoch (the loss sum). */
  dispatches: { text: string; reps: number; ms: number; perEpoch: boolean }[];
  /** A whole epoch over the lesson's rows as fit records it (every step's dispatches in order, then the reductions), on the device's clock. */
  epoch: { steps: number; reps: number; ms: number };
}

/**
 * Each dispatch of webgpu-nn's lesson training step at `batchSize` rows, timed alone, many in one pass, on the
 * device's clock; then a whole epoch of the lesson's rows as fit records it, in one pass.
 */
export async function stepBreakdown(batchSize: number, runMs: number): Promise<Breakdown> {
  const spec = {
    layers: LESSON.slice(1).map((units, l) => ({ kind: 'dense' as const, name: `dense_${l + 1}`, inputs: LESSON[l], units, activation: 'sigmoid' as const, useBias: true })),
    loss: 'binaryCrossentropy',
    optimizer: new SGD({ learningRate: LEARNING_RATE }).spec,
    metrics: [],
  } satisfies NetworkSpec;
  const weights = spec.layers.map(({ inputs, units }) => storage(random((inputs + 1) * padded(units)).map((v) => v * 0.1)));
  const plan = async (rows: number) => {
    const { x, y } = examples(rows);
    const planned = await Plan.create(device, 'train', [spec], weights, { x: deviceMatrix(device, x, 'x', true), y: deviceMatrix(device, y, 'y') }, batchSize);
    planned.writeOrder(Uint32Array.from({ length: rows }, (_, i) => i));
    planned.writeSchedule(0);
    return planned;
  };
  const step = await plan(batchSize);
  const epoch = await plan(LESSON_ROWS);
  try {
    const dispatches = [];
    for (const d of [...step.dispatches, ...step.reductions]) {
      const timing = await timeReps(runMs, (reps) =>
        timePassOnDevice(reps, (pass) => {
          pass.setPipeline(d.pipeline);
          pass.setBindGroup(0, d.bindGroup, d.stepped ? [0] : []);
          pass.dispatchWorkgroups(...d.workgroups(batchSize));
        }),
      );
      dispatches.push({ text: `${d.name} ${d.text}`.replace(/\s+/g, ' '), ...timing, perEpoch: !d.stepped });
    }
    const timing = await timeReps(runMs, (reps) =>
      timePassOnDevice(reps, (pass) => {
        epoch.encodeSteps(pass);
        epoch.encodeReductions(pass);
      }),
    );
    return { batchSize, dispatches, epoch: { steps: epoch.steps.length, ...timing } };
  } finally {
    step.destroy();
    epoch.destroy();
    weights.forEach((w) => w.destroy());
  }
}
