// The scheduler: turns a network into a flat list of dispatches for one step, with every buffer, pipeline and
// bind group made here, once. Training, evaluation and prediction are three plans over the same kernels.
import type { Data, LayerSpec, NetworkSpec } from '../backend';
import { activationCode } from '../model/activations';
import { BufferUsage } from './flags';
import { type KernelName, TILE, compile } from './kernels';

export type PlanMode = 'train' | 'evaluate' | 'predict';

/** One dispatch of a step. Its workgroup count may depend on the step's rows (the last batch can be short). */
export interface Dispatch {
  kernel: KernelName;
  layer: number;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups(rows: number): [number, number];
  /** A line for people: what the dispatch computes, with shapes. */
  text: string;
}

/** The rows of the epoch order that one step covers. */
export interface Step {
  rowStart: number;
  rows: number;
}

const lossCode = { binaryCrossentropy: 1, meanSquaredError: 2 } as const;
const ceil = (a: number, b: number) => Math.ceil(a / b);

/** Data already on the GPU: [rows × cols] float32, row-major. Owned buffers are destroyed with the plan. */
export interface DeviceMatrix {
  buffer: GPUBuffer;
  rows: number;
  cols: number;
  owned: boolean;
}

/** A matrix on the device: the app's own buffer as it is, or a Float32Array uploaded once. */
export function deviceMatrix(device: GPUDevice, m: Data, label: string): DeviceMatrix {
  const [rows, cols] = m.shape;
  if ('buffer' in m) return { buffer: m.buffer, rows, cols, owned: false };
  return uploadMatrix(device, m.data, rows, cols, label);
}

export function uploadMatrix(device: GPUDevice, data: Float32Array, rows: number, cols: number, label: string): DeviceMatrix {
  const buffer = device.createBuffer({ label, size: Math.max(4, data.byteLength), usage: BufferUsage.STORAGE, mappedAtCreation: true });
  new Float32Array(buffer.getMappedRange()).set(data);
  buffer.unmap();
  return { buffer, rows, cols, owned: true };
}

export class Plan {
  readonly dispatches: Dispatch[] = [];
  readonly steps: Step[] = [];
  /** loss_sum: the mean element loss of a pass over the data, into `result`. Train and evaluate only. */
  lossSum: Dispatch | undefined;
  /** [1] float32: the mean loss written by lossSum. */
  result: GPUBuffer | undefined;
  /** [rows] u32: the epoch order, written before each epoch. */
  readonly order: GPUBuffer;
  /** a[l] of the current step, [capacity × units] each. */
  readonly activations: GPUBuffer[] = [];
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
    this.stepStride = Math.max(device.limits.minUniformBufferOffsetAlignment, 8);
    this.stepBuffer = this.buffer('steps', this.steps.length * this.stepStride, BufferUsage.UNIFORM, true);
    const stepWords = new Uint32Array(this.stepBuffer.getMappedRange());
    this.steps.forEach((s, i) => stepWords.set([s.rowStart, s.rows], (i * this.stepStride) / 4));
    this.stepBuffer.unmap();
  }

  /**
   * Plans `mode` over data [rows × inputs] (and labels [rows × units] unless predicting), `capacity` rows per
   * step, with the layers' weights in `weights` ([(inputs + 1) × units] each, the bias as the last row).
   */
  static async create(
    device: GPUDevice,
    mode: PlanMode,
    spec: NetworkSpec,
    weights: GPUBuffer[],
    data: { x: DeviceMatrix; y?: DeviceMatrix },
    capacity: number,
  ): Promise<Plan> {
    const plan = new Plan(device, mode, spec, data, capacity);
    try {
      await plan.schedule(weights);
    } catch (error) {
      plan.destroy();
      throw error;
    }
    return plan;
  }

  /** Records step `index` into a compute pass. */
  encodeStep(pass: GPUComputePassEncoder, index: number): void {
    const { rows } = this.steps[index];
    for (const d of this.dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup, [index * this.stepStride]);
      pass.dispatchWorkgroups(...d.workgroups(rows));
    }
  }

  encodeLossSum(pass: GPUComputePassEncoder): void {
    pass.setPipeline(this.lossSum!.pipeline);
    pass.setBindGroup(0, this.lossSum!.bindGroup);
    pass.dispatchWorkgroups(1);
  }

  /** The dispatch list of one step, one line each. */
  describe(): string {
    const rows = this.steps[0].rows;
    const lines = this.dispatches.map((d, i) => `${String(i + 1).padStart(2)}. ${d.text}  workgroups ${d.workgroups(rows).join('×')}`);
    if (this.lossSum) lines.push(`then once per pass over the data: ${this.lossSum.text}`);
    return `${this.mode}, ${rows} rows per step, ${this.steps.length} steps:\n${lines.join('\n')}`;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    for (const m of [this.data.x, this.data.y]) if (m?.owned) m.buffer.destroy();
    this.owned.length = 0;
  }

  private buffer(label: string, size: number, usage: number, mappedAtCreation = false): GPUBuffer {
    const buffer = this.device.createBuffer({ label, size: Math.max(4, size), usage, mappedAtCreation });
    this.owned.push(buffer);
    return buffer;
  }

  private async schedule(weights: GPUBuffer[]): Promise<void> {
    const { layers, loss, optimizer } = this.spec;
    const last = layers.length - 1;
    const { x, y } = this.data;
    const withLoss = this.mode !== 'predict';
    const dims = (layer: LayerSpec) => `[${layer.inputs + 1} × ${layer.units}]`;

    layers.forEach((layer) => this.activations.push(this.buffer('activations', this.capacity * layer.units * 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC)));
    const deltas = layers.map((layer, l) =>
      this.mode === 'train' || l === last ? this.buffer('deltas', this.capacity * layer.units * 4, BufferUsage.STORAGE) : undefined,
    );
    const losses = withLoss ? this.buffer('losses', x.rows * layers[last].units * 4, BufferUsage.STORAGE) : undefined;

    const add = async (kernel: KernelName, layer: number, constants: Record<string, number>, buffers: GPUBuffer[], workgroups: Dispatch['workgroups'], text: string) => {
      const { pipeline, layout } = await compile(this.device, kernel, constants);
      const entries = [this.stepBuffer, ...buffers].map((buffer, binding) => ({
        binding,
        resource: binding === 0 ? { buffer, size: 8 } : { buffer },
      }));
      const bindGroup = this.device.createBindGroup({ label: `${kernel} ${layer}`, layout, entries });
      this.dispatches.push({ kernel, layer, pipeline, bindGroup, workgroups, text: `${kernel.padEnd(12)} layer ${layer}  ${text}` });
    };

    // Forward: a[l] = g(a[l−1] · W[l] + b[l]); the output layer also takes the loss and its deltas.
    for (const [l, layer] of layers.entries()) {
      const input = l === 0 ? x.buffer : this.activations[l - 1];
      const constants = { INPUTS: layer.inputs, UNITS: layer.units, ACTIVATION: activationCode[layer.activation], GATHER: l === 0 ? 1 : 0 };
      const rowsText = `[rows × ${layer.inputs}] · ${dims(layer)} → ${layer.activation}`;
      const workgroups = (rows: number): [number, number] => [ceil(layer.units, TILE), ceil(rows, TILE)];
      if (l === last && withLoss) {
        await add('forward_loss', l, { ...constants, LOSS: lossCode[loss.name] }, [this.order, input, weights[l], this.activations[l], y!.buffer, deltas[l]!, losses!], workgroups, `${rowsText}, ${loss.name} and dJ/dz`);
      } else {
        await add('forward', l, constants, [this.order, input, weights[l], this.activations[l]], workgroups, rowsText);
      }
    }

    // Backpropagation and the update, last layer first. dz[l−1] is computed from W[l] before W[l] changes.
    if (this.mode === 'train') {
      for (let l = last; l >= 0; l--) {
        const layer = layers[l];
        if (l > 0) {
          const constants = { INPUTS: layer.inputs, UNITS: layer.units, ACTIVATION: activationCode[layers[l - 1].activation] };
          await add('backprop', l, constants, [deltas[l]!, weights[l], this.activations[l - 1], deltas[l - 1]!],
            (rows) => [ceil(layer.inputs, TILE), ceil(rows, TILE)], `dz[${l - 1}] = (dz[${l}] · W[${l}]ᵀ) ⊙ ${layers[l - 1].activation}'`);
        }
        const input = l === 0 ? x.buffer : this.activations[l - 1];
        const constants = { INPUTS: layer.inputs, UNITS: layer.units, GATHER: l === 0 ? 1 : 0, LEARNING_RATE: optimizer.learningRate };
        await add('update', l, constants, [this.order, input, deltas[l]!, weights[l]],
          () => [ceil(layer.units, TILE), ceil(layer.inputs + 1, TILE)], `W[${l}] ${dims(layer)} −= ${optimizer.learningRate} · [a | 1]ᵀ · dz`);
      }
    }

    if (withLoss) {
      const count = x.rows * layers[last].units;
      this.result = this.buffer('loss', 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
      const { pipeline, layout } = await compile(this.device, 'loss_sum', { COUNT: count });
      const bindGroup = this.device.createBindGroup({
        label: 'loss_sum',
        layout,
        entries: [losses!, this.result].map((buffer, binding) => ({ binding, resource: { buffer } })),
      });
      this.lossSum = { kernel: 'loss_sum', layer: last, pipeline, bindGroup, workgroups: () => [1, 1], text: `loss_sum: mean of ${count} element losses` };
    }
  }
}
