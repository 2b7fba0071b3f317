// Runs one kernel of the runtime on chosen buffers, assembled as the plan assembles it (step.wgsl, the kernel's
// sources, its epilogue), so that each can be checked alone against the CPU reference.
import type { KernelRequest } from '../../src/runtime/layer-context';
import type { Binding } from '../../src/runtime/epilogues';
import { BufferUsage, MapMode } from '../../src/runtime/flags';
import { type Blocking, type KernelSource, compile } from '../../src/runtime/kernels';
import { padded } from '../../src/runtime/layout';
import { Members, type RunConstants } from '../../src/runtime/members';
import { stepKernel } from '../../src/runtime/sources';
import { f32Bits } from '../../src/runtime/wgsl';

/** A [rows × cols] matrix with its rows padded to vec4s, the layout the matmul kernels read. */
export function padRows(data: Float32Array, rows: number, cols: number): Float32Array {
  const stride = padded(cols);
  const out = new Float32Array(rows * stride);
  for (let r = 0; r < rows; r++) out.set(data.subarray(r * cols, (r + 1) * cols), r * stride);
  return out;
}

/** The [rows × cols] matrix held in padded rows. */
export function unpadRows(data: Float32Array, rows: number, cols: number): Float32Array {
  const stride = padded(cols);
  return Float32Array.from({ length: rows * cols }, (_, i) => data[Math.floor(i / cols) * stride + (i % cols)]);
}

export const read = (resource: GPUBuffer): Binding => ({ kind: 'read', resource });
export const write = (resource: GPUBuffer): Binding => ({ kind: 'write', resource });

/** The step a kernel runs as: its rows of the epoch, its number, the epoch order and the schedule's words. */
export interface StepOf {
  rowStart: number;
  rows: number;
  index?: number;
  order?: Uint32Array;
  /** Each step's counter, then its scalars (the learning rate first); the member trains. */
  schedule?: number[][];
}

/** Buffers a check fills and reads, and the kernels it runs on them; `destroy` frees them all. */
export class KernelHarness {
  private readonly created: GPUBuffer[] = [];
  /** One member, as a Sequential's plan has. */
  readonly members = new Members(1);
  /** The run's constants the kernels' epilogues take, laid out in the words as the plan lays them out. */
  private readonly runWords: number[] = [];
  readonly constants: RunConstants = {
    word: (value) => `run_word(${this.runWords.push(value) - 1}u)`,
    float: (value) => `run_f32(${this.runWords.push(f32Bits(value)) - 1}u)`,
  };

  constructor(private readonly device: GPUDevice) {}

  /** A storage buffer holding `data`. */
  input(data: Float32Array | Uint32Array): GPUBuffer {
    const buffer = this.make(data.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** A zeroed storage buffer of `floats` floats. */
  output(floats: number): GPUBuffer {
    return this.make(floats * 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
  }

  /** Dispatches a per-step kernel once, as the plan would, at `step`. */
  async run(request: Omit<KernelRequest, 'workgroups' | 'text' | 'product'> & { blocking?: Blocking }, workgroups: [number, number], step: StepOf): Promise<void> {
    // The words as the plan lays them out (step.wgsl): the order, the run's constants, then each step's schedule:
    // its counter, the scalars and whether the member trains.
    const order = step.order ?? Uint32Array.from({ length: step.rowStart + step.rows }, (_, i) => i);
    const scalars = (step.schedule?.[0].length ?? 1) - 1;
    const perStep = scalars + 2;
    const constants = { ...request.constants, STEP_SCALARS: scalars + 1 };
    const { kernel, bindings } = stepKernel({ ...request, constants, product: request.blocking && { blocking: request.blocking, groups: () => workgroups, text: '' } });
    const schedule = order.length + this.runWords.length;
    const words = new Uint32Array(schedule + Math.max(1, step.schedule?.length ?? 1) * perStep);
    const floats = new Float32Array(words.buffer);
    words.set(order);
    words.set(this.runWords, order.length);
    (step.schedule ?? [[0]]).forEach(([counter, ...values], s) => {
      words[schedule + s * perStep] = counter;
      floats.set(values, schedule + s * perStep + 1);
      words[schedule + s * perStep + 1 + scalars] = 1;
    });
    const index = step.index ?? 0;
    const uniform = this.make(32, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(uniform, 0, new Uint32Array([step.rowStart, step.rows, index, order.length, schedule + index * perStep]));
    await this.dispatch(kernel, [{ buffer: uniform, size: 20 }, this.input(words), ...bindings.map((b: { resource: GPUBuffer | GPUBufferBinding }) => b.resource)], workgroups, true);
  }

  /** Dispatches a kernel without the step's bindings. */
  runUnstepped(kernel: KernelSource, resources: GPUBuffer[], workgroups: [number, number]): Promise<void> {
    return this.dispatch(kernel, resources, workgroups, false);
  }

  /** The first `floats` floats of a buffer. */
  async read(buffer: GPUBuffer, floats = buffer.size / 4): Promise<Float32Array> {
    const readback = this.make(buffer.size, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
    const encoder = this.device.createCommandEncoder();
    encoder.copyBufferToBuffer(buffer, 0, readback, 0, buffer.size);
    this.device.queue.submit([encoder.finish()]);
    await readback.mapAsync(MapMode.READ);
    return new Float32Array(readback.getMappedRange().slice(0, floats * 4));
  }

  destroy(): void {
    this.created.forEach((b) => b.destroy());
  }

  private make(size: number, usage: number): GPUBuffer {
    const buffer = this.device.createBuffer({ size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    this.created.push(buffer);
    return buffer;
  }

  private async dispatch(kernel: KernelSource, resources: (GPUBuffer | GPUBufferBinding)[], workgroups: [number, number], stepped: boolean): Promise<void> {
    const { pipeline, layout } = await compile(this.device, kernel);
    const bindGroup = this.device.createBindGroup({
      layout,
      entries: resources.map((resource, binding) => ({ binding, resource: 'buffer' in resource ? resource : { buffer: resource } })),
    });
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup, stepped ? [0] : []);
    pass.dispatchWorkgroups(...workgroups);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }
}

/** Runs `check` with a harness on `device`, freeing its buffers after. */
export async function withHarness<T>(device: GPUDevice, check: (h: KernelHarness) => Promise<T>): Promise<T> {
  const harness = new KernelHarness(device);
  try {
    return await check(harness);
  } finally {
    harness.destroy();
  }
}
