// Training control on the GPU against the CPU reference: every metric (weighted and not), sample and class weights,
// learning-rate schedules and the callbacks, from the same weights; and still one submit and one map per epoch
// with all of them on. Run by the Node, browser and Deno suites with the other GPU checks.
import {
  Adam,
  Callback,
  Dense,
  EarlyStopping,
  type EpochLogs,
  ExponentialDecay,
  type History,
  LearningRateScheduler,
  type MetricLike,
  PiecewiseConstantDecay,
  ReduceLROnPlateau,
  SGD,
  Sequential,
  TerminateOnNaN,
} from '../../src/index';
import type { FitOptions } from '../../src/model/fit-options';
import type { Check } from './check';
import { counted } from './counted';
import { halvesDataset, maxRelativeError, randomMatrix } from '../support/data';

type Backend = 'webgpu' | 'cpu';
type Matrix = { shape: [number, number]; data: Float32Array };

/** Four classes by which quarter of the columns sums largest. */
function quarters(x: Matrix): Matrix {
  const [rows, cols] = x.shape;
  const data = Float32Array.from({ length: rows }, (_, r) => {
    const sums = [0, 0, 0, 0];
    for (let c = 0; c < cols; c++) sums[Math.floor((4 * c) / cols)] += x.data[r * cols + c];
    return sums.indexOf(Math.max(...sums));
  });
  return { shape: [rows, 1], data };
}

/** Two binary labels per row: the halves label, and whether the first column is positive. */
function twoLabels(x: Matrix, y: Matrix): Matrix {
  const rows = x.shape[0];
  const data = new Float32Array(2 * rows);
  for (let r = 0; r < rows; r++) [data[2 * r], data[2 * r + 1]] = [y.data[r], Number(x.data[r * x.shape[1]] > 0)];
  return { shape: [rows, 2], data };
}

/** The largest error between two runs' histories (every column, the same epochs), batch logs and weights. */
function compare(gpu: Run, cpu: Run): { maxError: number; detail: string } {
  const columns = Object.keys(cpu.history);
  const sameColumns = columns.join() === Object.keys(gpu.history).join() && columns.every((c) => gpu.history[c].length === cpu.history[c].length);
  const errors: Record<string, number> = {
    columns: sameColumns ? 0 : Infinity,
    history: sameColumns ? Math.max(...columns.map((c) => maxRelativeError(gpu.history[c], cpu.history[c]))) : Infinity,
    batches: gpu.batches.length === cpu.batches.length && gpu.batches.length > 0 ? maxRelativeError(gpu.batches, cpu.batches) : Infinity,
    weights: maxRelativeError(gpu.weights, cpu.weights),
    evaluate: maxRelativeError(gpu.evaluated, cpu.evaluated),
  };
  const detail = `${columns.join(' ')} over ${cpu.history.epoch.length} epochs; ${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}`;
  return { maxError: Math.max(...Object.values(errors)), detail };
}

interface Run {
  history: History;
  batches: number[];
  weights: number[];
  evaluated: number[];
}

/** Records every batch log's values, in order, key by key. */
class BatchRecorder extends Callback {
  readonly values: number[] = [];
  override onBatchEnd(_batch: number, logs: EpochLogs): void {
    for (const key of Object.keys(logs).sort()) this.values.push(logs[key]);
  }
}

interface Case {
  name: string;
  softmax: boolean;
  metrics: MetricLike[];
  weightedMetrics: MetricLike[];
  optimizer: () => SGD | Adam;
  fit: (data: { x: Matrix; y: Matrix; validation: [Matrix, Matrix, Float32Array] }) => FitOptions<Matrix> & { callbacks: Callback[] };
  /** On WebGPU, give the sample weights as a GPU buffer of the app's. */
  weightsInBuffer?: boolean;
}

/** `weights` in a new buffer of the device's, as an app would keep them. */
function weightBuffer(device: GPUDevice, weights: Float32Array): { shape: [number, number]; buffer: GPUBuffer } {
  const buffer = device.createBuffer({ size: weights.byteLength, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, weights);
  return { shape: [weights.length, 1], buffer };
}

function controlCheck(c: Case): Check {
  return {
    name: `${c.name} match the CPU reference: every history column, batch log and weight, and evaluate with sample weights`,
    async run(device) {
      const { x, y: halves } = halvesDataset(150, 24, 31);
      const valid = halvesDataset(90, 24, 32);
      const labels = (m: { x: Matrix; y: Matrix }) => (c.softmax ? quarters(m.x) : twoLabels(m.x, m.y));
      const y = labels({ x, y: halves });
      const vw = randomMatrix(90, 1, 34, 0, 2).data;
      const run = async (backend: Backend): Promise<Run> => {
        const model = new Sequential([
          new Dense({ units: 10, activation: 'tanh', inputDim: 24 }),
          new Dense(c.softmax ? { units: 4, activation: 'softmax' } : { units: 2, activation: 'sigmoid' }),
        ]);
        await model.compile({
          loss: c.softmax ? 'sparseCategoricalCrossentropy' : 'binaryCrossentropy',
          optimizer: c.optimizer(),
          metrics: c.metrics,
          weightedMetrics: c.weightedMetrics,
          backend,
          device,
          seed: 5,
        });
        const recorder = new BatchRecorder();
        const options = c.fit({ x, y, validation: [valid.x, labels(valid), vw] });
        const inBuffer = c.weightsInBuffer && backend === 'webgpu' && options.sampleWeight instanceof Float32Array ? weightBuffer(device, options.sampleWeight) : undefined;
        const history = await model.fit(x, y, { ...options, ...(inBuffer ? { sampleWeight: inBuffer } : {}), callbacks: [...options.callbacks, recorder] });
        inBuffer?.buffer.destroy();
        const weights = (await model.getWeights()).flatMap((w) => Array.from(w));
        const scores = await model.evaluate(valid.x, labels(valid), { sampleWeight: vw, batchSize: 40 });
        model.dispose();
        return { history, batches: recorder.values, weights, evaluated: Object.keys(scores).sort().map((k) => scores[k]) };
      };
      const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
      return { ...compare(gpu, cpu), tolerance: 1e-5 };
    },
  };
}

const elementMetrics: MetricLike[] = ['accuracy', 'mse', 'mae', 'precision', { name: 'recall', thresholds: 0.3 }, 'auc', { name: 'binaryAccuracy', threshold: 0.7 }];
const rowMetrics: MetricLike[] = ['accuracy', { name: 'topKCategoricalAccuracy', k: 2 }, 'mse', 'mae', 'precision', 'recall', { name: 'auc', numThresholds: 50 }];
const sampleWeight = randomMatrix(150, 1, 33, 0, 2).data;

const controlChecks: Check[] = [
  controlCheck({
    name: 'every element metric, weighted metrics, sample weights (in a GPU buffer on WebGPU), an exponential-decay schedule and validationFreq 2 (sigmoid outputs)',
    softmax: false,
    weightsInBuffer: true,
    metrics: elementMetrics,
    weightedMetrics: ['accuracy', 'auc', 'mse'],
    optimizer: () => new Adam({ learningRate: new ExponentialDecay({ initialLearningRate: 0.02, decaySteps: 3, decayRate: 0.8 }) }),
    fit: ({ validation }) => ({ epochs: 4, batchSize: 32, sampleWeight, validationData: validation, validationFreq: 2, callbacks: [] }),
  }),
  controlCheck({
    name: 'every row metric, weighted metrics, class weights, a piecewise-constant schedule and validation batches of 32 (softmax outputs)',
    softmax: true,
    metrics: rowMetrics,
    weightedMetrics: ['accuracy', { name: 'topKCategoricalAccuracy', k: 2 }],
    optimizer: () => new SGD({ learningRate: new PiecewiseConstantDecay({ boundaries: [5, 10], values: [0.2, 0.1, 0.05] }), momentum: 0.5 }),
    fit: ({ validation }) => ({ epochs: 3, batchSize: 25, classWeight: { 0: 2, 1: 0.5, 3: 3 }, validationData: validation, validationBatchSize: 32, callbacks: [] }),
  }),
  controlCheck({
    name: 'ReduceLROnPlateau (in mode max, so it reduces), EarlyStopping with restoreBestWeights and TerminateOnNaN, epochs queued ahead',
    softmax: false,
    metrics: ['accuracy', 'auc'],
    weightedMetrics: [],
    optimizer: () => new SGD({ learningRate: 0.5 }),
    fit: ({ validation }) => ({
      epochs: 8,
      batchSize: 32,
      validationData: validation,
      callbacks: [new ReduceLROnPlateau({ monitor: 'loss', mode: 'max', patience: 1, factor: 0.5 }), new EarlyStopping({ monitor: 'val_auc', patience: 3, restoreBestWeights: true }), new TerminateOnNaN()],
    }),
  }),
  controlCheck({
    name: 'LearningRateScheduler (each epoch queued after its callbacks) with EarlyStopping on val_loss stopping the run',
    softmax: true,
    metrics: ['accuracy'],
    weightedMetrics: [],
    optimizer: () => new SGD({ learningRate: 0.3 }),
    fit: ({ validation }) => ({
      epochs: 12,
      batchSize: 50,
      validationData: validation,
      callbacks: [new LearningRateScheduler((epoch, rate) => (epoch < 2 ? rate : rate * 1.6)), new EarlyStopping({ monitor: 'val_loss', minDelta: 0.01, patience: 1 })],
    }),
  }),
];

const controlCountCheck: Check = {
  name: 'fit still submits once and maps once per epoch with every metric, weighted metrics, sample weights, validation, batch logs, a schedule and every callback (10 epochs, 5 steps each)',
  async run(device) {
    const { x, y: halves } = halvesDataset(150, 24, 35);
    const y = twoLabels(x, halves);
    const valid = halvesDataset(60, 24, 36);
    const runs: { submits: number; maps: number }[] = [];
    for (const scheduled of [true, false]) {
      const model = new Sequential([new Dense({ units: 10, activation: 'tanh', inputDim: 24 }), new Dense({ units: 2, activation: 'sigmoid' })]);
      await model.compile({
        loss: 'binaryCrossentropy',
        optimizer: new SGD({ learningRate: scheduled ? new ExponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.9 }) : 0.1 }),
        metrics: elementMetrics,
        weightedMetrics: ['accuracy', 'auc'],
        backend: 'webgpu',
        device,
        seed: 2,
      });
      // A schedule excludes the callbacks that set the rate; without one, they run and keep it (patience 100, the same rate).
      const setters = scheduled ? [] : [new ReduceLROnPlateau({ patience: 100 }), new LearningRateScheduler((_, rate) => rate)];
      const callbacks = [new EarlyStopping({ patience: 100, restoreBestWeights: true }), new TerminateOnNaN(), new BatchRecorder(), ...setters];
      runs.push(await counted(device, () => model.fit(x, y, { epochs: 10, batchSize: 32, sampleWeight, validationData: [valid.x, twoLabels(valid.x, valid.y)], callbacks })));
      model.dispose();
    }
    const worst = Math.max(...runs.flatMap((r) => [r.submits, r.maps]));
    return { maxError: worst / 10, tolerance: 1.0001, detail: runs.map((r, i) => `${i === 0 ? 'with a schedule' : 'with the rate setters'}: ${r.submits} submits, ${r.maps} maps`).join('; ') };
  },
};

export const trainingControlChecks: Check[] = [...controlChecks, controlCountCheck];
