// The scheduler: turns a network into a flat list of dispatches for one step, with every buffer, pipeline and
// bind group made here, once. Training, evaluation and prediction are three plans over the same kernels.
import type { Data, LayerSpec, NetworkSpec } from '../backend';
import { WebGPUNNError } from '../errors';
import { activationCode } from '../model/activations';
import { Adam, RMSprop } from '../model/optimizers';
import { checked } from './device';
import { BufferUsage } from './flags';
import { type KernelName, blocking, blockingConstants, compile, matmulWorkgroups, occupancy } from './kernels';

export type PlanMode = 'train' | 'evaluate' | 'predict';

/** One dispatch. Its workgroup count may depend on the step's rows (the last batch can be short). */
export interface Dispatch {
  kernel: KernelName;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Whether it takes the step table at a dynamic offset. */
  stepped: boolean;
  workgroups(rows: number): [number, number];
  /** A line for people: what the dispatch computes, with shapes. */
  text: string;
}

/** The rows of the epoch order that one step covers. */
export interface Step {
  rowStart: number;
  rows: number;
}

/**
 * Data on the device: [rows × cols] float32, row-major with `stride` floats per row, as row ranges that each fit
 * one binding: the whole matrix, or chunks of it when it is larger than the device lets a shader bind
 * (maxStorageBufferBindingSize). Owned buffers are destroyed with the plan.
 */
export interface DeviceMatrix {
  chunks: { buffer: GPUBuffer; offset: number; size: number; firstRow: number; rows: number }[];
  rows: number;
  cols: number;
  stride: number;
  owned: boolean;
}

/** Floats per row of a matrix the kernels read as vec4s: `cols` padded to a multiple of 4. */
export const padded = (cols: number) => Math.ceil(cols / 4) * 4;

/** The optimizer's state on the device: per layer its moments (none for SGD). */
export interface OptimizerBuffers {
  moments: GPUBuffer[];
}

/** The most bytes one binding (and one buffer) may hold on this device. */
export function bindingLimit(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}

/** Rows per chunk: as many as fit a binding, a multiple of 64 so that every chunk starts 256-byte aligned. */
function chunkRows(device: GPUDevice, cols: number, label: string): number {
  const rows = Math.floor(bindingLimit(device) / (cols * 4) / 64) * 64;
  if (rows === 0) throw new WebGPUNNError('INVALID_ARGUMENT', `${label}: expected rows that fit 64 to a GPU binding of ${bindingLimit(device)} bytes, got rows of ${cols} numbers`);
  return rows;
}

/**
 * A matrix on the device: the app's own buffer as it is, or a Float32Array uploaded once, its rows padded to vec4s
 * when `pad` (the inputs: the kernels read them as vec4s); chunked when large.
 */
export function deviceMatrix(device: GPUDevice, m: Data, label: string, pad = false): DeviceMatrix {
  const [rows, cols] = m.shape;
  const stride = 'buffer' in m || !pad ? cols : padded(cols);
  const perChunk = chunkRows(device, stride, label);
  const chunks: DeviceMatrix['chunks'] = [];
  for (let firstRow = 0; firstRow < rows; firstRow += perChunk) {
    const count = Math.min(perChunk, rows - firstRow);
    const size = count * stride * 4;
    if ('buffer' in m) {
      chunks.push({ buffer: m.buffer, offset: firstRow * stride * 4, size, firstRow, rows: count });
    } else {
      const buffer = device.createBuffer({ label, size: Math.max(16, size), usage: BufferUsage.STORAGE, mappedAtCreation: true });
      const data = new Float32Array(buffer.getMappedRange());
      for (let r = 0; r < count; r++) data.set(m.data.subarray((firstRow + r) * cols, (firstRow + r + 1) * cols), r * stride);
      buffer.unmap();
      chunks.push({ buffer, offset: 0, size: Math.max(16, size), firstRow, rows: count });
    }
  }
  return { chunks, rows, cols, stride, owned: !('buffer' in m) };
}

const lossCode = { binaryCrossentropy: 1, meanSquaredError: 2 } as const;
const updateKernel = { sgd: 'update_sgd', adam: 'update_adam', rmsprop: 'update_rmsprop' } as const;
const ceil = (a: number, b: number) => Math.ceil(a / b);

export class Plan {
  /** One step, in order. */
  readonly dispatches: Dispatch[] = [];
  /** Once per pass over the data: the mean loss into result[0] and, with metrics, the accuracy into result[1]. */
  readonly reductions: Dispatch[] = [];
  readonly steps: Step[] = [];
  /** [rows] u32: the epoch order, written before each epoch. */
  readonly order: GPUBuffer;
  /** a[l] of the current step, [capacity × units] each. */
  readonly activations: GPUBuffer[] = [];
  /** [2] float32: the pass's mean loss and accuracy. Train and evaluate only. */
  result: GPUBuffer | undefined;
  /** Adam's bias corrections 1 − β1^t, 1 − β2^t for each step of the next epoch, written before it. */
  corrections: GPUBuffer | undefined;
  /** Per epoch position, `perRow` values each: the losses and the 1/0 right answers. Train and evaluate only. */
  scores: { losses: GPUBuffer; correct: GPUBuffer; perRow: number } | undefined;
  private readonly owned: GPUBuffer[] = [];
  private readonly stepBuffer: GPUBuffer;
  private readonly stepStride: number;

  private constructor(
    private readonly device: GPUDevice,
    readonly mode: PlanMode,
    readonly spec: NetworkSpec,
    private readonly data: { x: DeviceMatrix; y?: DeviceMatrix },
    readonly capacity: number,
  ) {
    const rows = data.x.rows;
    for (let rowStart = 0; rowStart < rows; rowStart += capacity) this.steps.push({ rowStart, rows: Math.min(capacity, rows - rowStart) });
    this.order = this.buffer('order', rows * 4, BufferUsage.STORAGE | BufferUsage.COPY_DST);
    this.stepStride = Math.max(device.limits.minUniformBufferOffsetAlignment, 16);
    this.stepBuffer = this.buffer('steps', this.steps.length * this.stepStride, BufferUsage.UNIFORM, true);
    const words = new Uint32Array(this.stepBuffer.getMappedRange());
    this.steps.forEach((s, i) => words.set([s.rowStart, s.rows, i], (i * this.stepStride) / 4));
    this.stepBuffer.unmap();
  }

  /**
   * Plans `mode` over data [rows × inputs] (and labels unless predicting), `capacity` rows per step, with the
   * layers' weights in `weights` ([(inputs + 1) × units] each, the bias as the last row).
   */
  static async create(
    device: GPUDevice,
    mode: PlanMode,
    spec: NetworkSpec,
    weights: GPUBuffer[],
    data: { x: DeviceMatrix; y?: DeviceMatrix },
    capacity: number,
    optimizer?: OptimizerBuffers,
  ): Promise<Plan> {
    let plan: Plan | undefined;
    try {
      return await checked(device, `planning ${mode}`, async () => {
        plan = new Plan(device, mode, spec, data, capacity);
        await plan.schedule(weights, optimizer);
        return plan;
      });
    } catch (error) {
      plan?.destroy();
      throw error;
    }
  }

  /** Records step `index` into a compute pass. */
  encodeStep(pass: GPUComputePassEncoder, index: number): void {
    const { rows } = this.steps[index];
    for (const d of this.dispatches) this.encode(pass, d, rows, index);
  }

  /** Records the reductions that close a pass over the data. */
  encodeReductions(pass: GPUComputePassEncoder): void {
    for (const d of this.reductions) this.encode(pass, d, 0, 0);
  }

  /** The dispatch list of one step, one line each. */
  describe(): string {
    const rows = this.steps[0].rows;
    const lines = this.dispatches.map((d, i) => `${String(i + 1).padStart(2)}. ${d.text}  ${d.workgroups(rows).join('×')} workgroups`);
    lines.push(...this.reductions.map((d) => `then once per pass over the data: ${d.text}`));
    return `${this.mode}, ${rows} rows per step, ${this.steps.length} steps:\n${lines.join('\n')}`;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    for (const m of [this.data.x, this.data.y]) if (m?.owned) m.chunks.forEach((c) => c.buffer.destroy());
    this.owned.length = 0;
  }

  private encode(pass: GPUComputePassEncoder, d: Dispatch, rows: number, step: number): void {
    pass.setPipeline(d.pipeline);
    if (d.stepped) pass.setBindGroup(0, d.bindGroup, [step * this.stepStride]);
    else pass.setBindGroup(0, d.bindGroup);
    // A grid taller than the device allows is folded into z; the kernels unfold it (step.wgsl).
    const [x, y] = d.workgroups(rows);
    const limit = this.device.limits.maxComputeWorkgroupsPerDimension;
    pass.dispatchWorkgroups(x, Math.min(y, limit), Math.ceil(y / limit));
  }

  private buffer(label: string, size: number, usage: number, mappedAtCreation = false): GPUBuffer {
    // Whole vec4s: the kernels bind matrices as array<vec4f>.
    const buffer = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage, mappedAtCreation });
    this.owned.push(buffer);
    return buffer;
  }

  /** Dispatches being compiled, in order: every pipeline of a plan compiles at once. */
  private readonly compiling: { list: Dispatch[]; dispatch: Promise<Dispatch> }[] = [];

  private add(kernel: KernelName, constants: Record<string, number>, buffers: (GPUBuffer | GPUBufferBinding)[], workgroups: Dispatch['workgroups'], text: string, list = this.dispatches): void {
    const stepped = list === this.dispatches;
    const dispatch = compile(this.device, kernel, constants).then(({ pipeline, layout }) => {
      const resources = stepped ? [{ buffer: this.stepBuffer, size: 12 }, ...buffers] : buffers;
      const entries = resources.map((resource, binding) => ({ binding, resource: 'buffer' in resource ? resource : { buffer: resource } }));
      const bindGroup = this.device.createBindGroup({ label: kernel, layout, entries });
      return { kernel, pipeline, bindGroup, stepped, workgroups, text: `${kernel.padEnd(14)} ${text}` };
    });
    dispatch.catch(() => undefined); // the failure is thrown where the plan awaits it, in order
    this.compiling.push({ list, dispatch });
  }

  private async schedule(weights: GPUBuffer[], optimizer: OptimizerBuffers | undefined): Promise<void> {
    const { layers, loss } = this.spec;
    const last = layers.length - 1;
    const output = layers[last];
    const { x, y } = this.data;
    const training = this.mode === 'train';
    const scoring = this.mode !== 'predict';
    const softmax = output.activation === 'softmax';
    const storage = BufferUsage.STORAGE;

    // Hidden activations and all deltas have their rows padded to vec4s; the output layer's activations are
    // [rows × units] as they are read back.
    const outStride = (l: number) => (l === last ? layers[l].units : padded(layers[l].units));
    for (const l of layers.keys()) this.activations.push(this.buffer('activations', this.capacity * outStride(l) * 4, storage | BufferUsage.COPY_SRC));
    const deltas = layers.map((layer, l) => (training || (scoring && l === last) ? this.buffer('deltas', this.capacity * padded(layer.units) * 4, storage) : undefined));
    if (x.rows * 4 > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `x: expected at most ${bindingLimit(this.device) / 4} rows on this device, got ${x.rows}`);
    if (scoring) {
      const perRow = softmax ? 1 : output.units;
      const size = x.rows * perRow * 4;
      if (size > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `y: expected at most ${bindingLimit(this.device)} bytes of per-row scores on this device, got ${size}`);
      const usage = storage | BufferUsage.COPY_SRC;
      this.scores = { losses: this.buffer('losses', size, usage), correct: this.buffer('correct', size, usage), perRow };
    }
    // Each product's blocking is chosen for a full step's rows; a short last step runs fewer workgroups of it.
    const target = occupancy(this.device);
    const product = (rows: number, cols: number) => {
      const b = blocking(rows, cols, target);
      const blocks = `${4 * b.tileRows} × ${4 * b.tileCols} blocks, ${b.group.join(' × ')} invocations per workgroup`;
      return { constants: blockingConstants(b), groups: (stepRows: number) => matmulWorkgroups(stepRows, cols, b), blocks };
    };
    const dims = (layer: LayerSpec) => `[${layer.inputs + 1} × ${layer.units}]`;
    const whole = (m: DeviceMatrix, what: string) => {
      if (m.chunks.length > 1) throw new WebGPUNNError('INVALID_ARGUMENT', `${what}: expected at most ${bindingLimit(this.device)} bytes (this device's largest binding), got ${m.rows * m.cols * 4}`);
      const { buffer, offset, size } = m.chunks[0];
      return { buffer, offset, size };
    };
    const labels = y && whole(y, 'labels');

    // Layer 0 reads the dataset through the epoch order; a dataset too large for one binding, or an app's buffer
    // whose rows are not whole vec4s, is first gathered, chunk by chunk, into a batch buffer.
    const gathered = x.chunks.length > 1 || x.stride % 4 !== 0;
    const dataset = gathered ? this.buffer('batch', this.capacity * padded(x.cols) * 4, storage) : whole(x, 'x');
    for (const chunk of gathered ? x.chunks : []) {
      this.add('gather', { COLS: x.cols, STRIDE: x.stride, FIRST_ROW: chunk.firstRow, CHUNK_ROWS: chunk.rows }, [this.order, chunk, dataset],
        (rows) => [1, ceil(rows * x.cols, 64)], `x rows ${chunk.firstRow}..${chunk.firstRow + chunk.rows - 1} of this step into the batch`);
    }

    // Forward: a[l] = g(a[l−1] · W[l] + b[l]); an element-wise output layer also takes the loss and its deltas,
    // a softmax one hands its z to the softmax kernel.
    for (const [l, layer] of layers.entries()) {
      const input = l === 0 ? dataset : this.activations[l - 1];
      const activation = layer.activation === 'softmax' ? 'linear' : layer.activation;
      const { constants: tiles, groups, blocks } = product(this.capacity, layer.units);
      const constants = { INPUTS: layer.inputs, UNITS: layer.units, ACTIVATION: activationCode[activation], GATHER: l === 0 && !gathered ? 1 : 0, OUT_STRIDE: outStride(l), ...tiles };
      const text = `layer ${l}  [rows × ${layer.inputs}] · ${dims(layer)} → ${layer.activation === 'softmax' ? 'z' : layer.activation}`;
      const buffers = [this.order, input, weights[l], this.activations[l]];
      if (l === last && scoring && !softmax) {
        const { losses, correct } = this.scores!;
        this.add('forward_loss', { ...constants, LOSS: lossCode[loss.name as keyof typeof lossCode] }, [...buffers, labels!, deltas[l]!, losses, correct],
          groups, `${text}, ${loss.name} and dJ/dz; ${blocks}`);
      } else {
        this.add('forward', constants, buffers, groups, `${text}; ${blocks}`);
      }
    }
    if (softmax) {
      const rowGroups = (rows: number): [number, number] => [1, ceil(rows, 64)];
      if (scoring) {
        const { losses, correct } = this.scores!;
        this.add('softmax_loss', { UNITS: output.units, LABELS: y!.cols }, [this.activations[last], this.order, labels!, deltas[last]!, losses, correct],
          rowGroups, `layer ${last}  softmax of each row, ${loss.name} and dJ/dz = a − y`);
      } else {
        this.add('softmax', { UNITS: output.units }, [this.activations[last]], rowGroups, `layer ${last}  softmax of each row`);
      }
    }

    // Backpropagation and the update, last layer first. dz[l−1] is computed from W[l] before W[l] changes.
    if (training) {
      const opt = this.spec.optimizer;
      const kernel = updateKernel[opt.name];
      const hyper: Record<string, number> = { LEARNING_RATE: opt.learningRate };
      if (opt instanceof Adam) Object.assign(hyper, { BETA1: opt.beta1, BETA2: opt.beta2, EPSILON: opt.epsilon });
      if (opt instanceof RMSprop) Object.assign(hyper, { RHO: opt.rho, EPSILON: opt.epsilon });
      for (let l = last; l >= 0; l--) {
        const layer = layers[l];
        if (l > 0) {
          const previous = layers[l - 1].activation;
          const { constants: tiles, groups, blocks } = product(this.capacity, layer.inputs);
          this.add('backprop', { INPUTS: layer.inputs, UNITS: layer.units, ACTIVATION: activationCode[previous], ...tiles }, [deltas[l]!, weights[l], this.activations[l - 1], deltas[l - 1]!],
            groups, `layer ${l}  dz[${l - 1}] = (dz[${l}] · W[${l}]ᵀ) ⊙ ${previous}'; ${blocks}`);
        }
        const input = l === 0 ? dataset : this.activations[l - 1];
        const state = opt.slots > 0 ? [optimizer!.moments[l]] : [];
        if (opt instanceof Adam) state.push((this.corrections ??= this.buffer('corrections', this.steps.length * 8, storage | BufferUsage.COPY_DST)));
        const { constants: tiles, groups, blocks } = product(layer.inputs + 1, layer.units);
        const constants = { INPUTS: layer.inputs, UNITS: layer.units, GATHER: l === 0 && !gathered ? 1 : 0, ...tiles };
        this.add(kernel, { ...constants, ...hyper }, [this.order, input, deltas[l]!, weights[l], ...state],
          () => groups(layer.inputs + 1), `layer ${l}  W[${l}] ${dims(layer)} updated by ${opt.name} from [a | 1]ᵀ · dz; ${blocks}`);
      }
    }

    if (scoring) {
      const { losses, correct, perRow } = this.scores!;
      const count = x.rows * perRow;
      this.result = this.buffer('result', 8, storage | BufferUsage.COPY_SRC);
      this.add('loss_sum', { COUNT: count, SLOT: 0 }, [losses, this.result], () => [1, 1], `the mean of ${count} losses: the loss`, this.reductions);
      if (this.spec.accuracy) {
        this.add('loss_sum', { COUNT: count, SLOT: 1 }, [correct, this.result], () => [1, 1], `the mean of ${count} right answers: the accuracy`, this.reductions);
      }
    }
    for (const { list, dispatch } of this.compiling) list.push(await dispatch);
  }
}
