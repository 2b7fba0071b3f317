// Runs one kernel of the runtime on chosen buffers, so that each can be checked alone against the CPU reference.
import { BufferUsage, MapMode } from '../../src/runtime/flags';
import { type KernelName, compile } from '../../src/runtime/kernels';
import { padded } from '../../src/runtime/plan';

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

export type Binding = Float32Array | Uint32Array | { output: number };

/**
 * Dispatches `kernel` once with the step {rowStart, rows, index} bound first (kernels that take it) and `bindings` after
 * it: typed arrays are uploaded, `{ output: n }` makes an n-float buffer. Returns the final contents of every
 * storage binding, in order.
 */
export async function runKernel(
  device: GPUDevice,
  kernel: KernelName,
  constants: Record<string, number>,
  bindings: Binding[],
  workgroups: [number, number],
  step?: { rowStart: number; rows: number; index?: number },
): Promise<Float32Array[]> {
  const { pipeline, layout } = await compile(device, kernel, constants);
  const created: GPUBuffer[] = [];
  const make = (size: number, usage: number) => {
    const buffer = device.createBuffer({ size: Math.max(16, Math.ceil(size / 16) * 16), usage });
    created.push(buffer);
    return buffer;
  };
  try {
    const storage = bindings.map((b) => {
      const buffer = make('output' in b ? b.output * 4 : b.byteLength, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
      if (!('output' in b)) device.queue.writeBuffer(buffer, 0, b);
      return buffer;
    });
    const resources: GPUBuffer[] = [];
    if (step) {
      const uniform = make(16, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
      device.queue.writeBuffer(uniform, 0, new Uint32Array([step.rowStart, step.rows, step.index ?? 0]));
      resources.push(uniform);
    }
    resources.push(...storage);
    const bindGroup = device.createBindGroup({
      layout,
      entries: resources.map((buffer, binding) => ({ binding, resource: { buffer, size: binding === 0 && step ? 12 : undefined } })),
    });
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup, step ? [0] : []);
    pass.dispatchWorkgroups(...workgroups);
    pass.end();
    const readbacks = storage.map((b) => {
      const r = make(b.size, BufferUsage.MAP_READ | BufferUsage.COPY_DST);
      encoder.copyBufferToBuffer(b, 0, r, 0, b.size);
      return r;
    });
    device.queue.submit([encoder.finish()]);
    return await Promise.all(
      readbacks.map(async (r, i) => {
        await r.mapAsync(MapMode.READ);
        const length = bindings[i] instanceof Uint32Array ? 0 : 'output' in bindings[i] ? (bindings[i] as { output: number }).output : (bindings[i] as Float32Array).length;
        return new Float32Array(r.getMappedRange().slice(0, length * 4));
      }),
    );
  } finally {
    created.forEach((b) => b.destroy());
  }
}
