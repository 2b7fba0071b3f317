// The 'webgpu' backend: weights live in GPU buffers; fit records each epoch's steps into one command buffer.
import type { Backend, Data, FitRequest, NetworkSpec } from '../backend';
import type { GPUMatrix, Matrix } from '../matrix';
import { type GpuHandle, acquireDevice } from './device';
import { BufferUsage, MapMode } from './flags';
import { Plan, deviceMatrix, uploadMatrix } from './plan';

/** Rows per step in predict and evaluate, bounding their activation buffers. */
const INFERENCE_ROWS = 4096;

export class GpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly adapterInfo: string;
  readonly device: GPUDevice;
  /** Each layer's [(inputs + 1) × units] weights: the kernel, then the bias as the last row. */
  private readonly weights: GPUBuffer[];
  /** The weights as they were when the running epoch began, for rolling back an epoch that must not count. */
  private readonly snapshot: GPUBuffer[];
  /**
   * The buffers that hold the weights as the caller should see them: `weights`, except inside an epoch's callback
   * while the next epoch is already queued, when `snapshot` holds the weights at the end of the epoch reported.
   */
  private visible: GPUBuffer[];

  static async create(spec: NetworkSpec, weights: Float32Array[], options: { device?: GPUDevice; gpu?: GPU }): Promise<GpuBackend> {
    return new GpuBackend(await acquireDevice(options), spec, weights);
  }

  private constructor(
    private readonly handle: GpuHandle,
    private readonly spec: NetworkSpec,
    initial: Float32Array[],
  ) {
    this.device = handle.device;
    this.adapterInfo = handle.adapterInfo;
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    this.weights = spec.layers.map((layer, l) => this.device.createBuffer({ label: `weights ${l}`, size: (layer.inputs + 1) * layer.units * 4, usage }));
    this.snapshot = this.weights.map((w, l) => this.device.createBuffer({ label: `snapshot ${l}`, size: w.size, usage }));
    this.visible = this.weights;
    this.writeWeights(initial);
  }

  async getWeights(): Promise<Float32Array[]> {
    const staging = this.visible.map((w) => this.device.createBuffer({ size: w.size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
    const encoder = this.device.createCommandEncoder();
    this.visible.forEach((w, l) => encoder.copyBufferToBuffer(w, 0, staging[l], 0, w.size));
    this.device.queue.submit([encoder.finish()]);
    try {
      return await Promise.all(
        staging.map(async (buffer, l) => {
          await buffer.mapAsync(MapMode.READ);
          const all = new Float32Array(buffer.getMappedRange().slice(0));
          const { inputs, units } = this.spec.layers[l];
          return [all.slice(0, inputs * units), all.slice(inputs * units)];
        }),
      ).then((pairs) => pairs.flat());
    } finally {
      staging.forEach((b) => b.destroy());
    }
  }

  async setWeights(weights: Float32Array[]): Promise<void> {
    this.writeWeights(weights);
  }

  async fit({ x, y, epochs, batchSize, nextOrder, epochEnd }: FitRequest): Promise<void> {
    if (epochs === 0) return;
    const data = { x: deviceMatrix(this.device, x, 'x'), y: deviceMatrix(this.device, y, 'y') };
    const plan = await Plan.create(this.device, 'train', this.spec, this.weights, data, Math.min(batchSize, x.shape[0]));
    const readbacks = [0, 1].map(() => this.device.createBuffer({ label: 'epoch loss', size: 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
    const queue = this.device.queue;

    // One command buffer per epoch: snapshot the weights, every step, the loss sum, the copy to a readback.
    const submitEpoch = (epoch: number) => {
      queue.writeBuffer(plan.order, 0, nextOrder());
      const encoder = this.device.createCommandEncoder({ label: `epoch ${epoch}` });
      this.weights.forEach((w, l) => encoder.copyBufferToBuffer(w, 0, this.snapshot[l], 0, w.size));
      const pass = encoder.beginComputePass();
      for (let s = 0; s < plan.steps.length; s++) plan.encodeStep(pass, s);
      plan.encodeLossSum(pass);
      pass.end();
      const readback = readbacks[epoch % 2];
      encoder.copyBufferToBuffer(plan.result!, 0, readback, 0, 4);
      queue.submit([encoder.finish()]);
      return readback.mapAsync(MapMode.READ).then(() => {
        const loss = new Float32Array(readback.getMappedRange())[0];
        readback.unmap();
        return loss;
      });
    };

    // The next epoch is queued before this one's loss is read, so the GPU never waits for the CPU. When training
    // ends early (stopTraining, an error), the epoch already queued is rolled back from the snapshot.
    const pending = [submitEpoch(0)];
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        if (epoch + 1 < epochs) pending.push(submitEpoch(epoch + 1));
        const loss = await pending.shift()!;
        this.visible = pending.length > 0 ? this.snapshot : this.weights;
        const stop = await epochEnd(epoch, loss).finally(() => (this.visible = this.weights));
        if (stop) break;
      }
    } finally {
      if (pending.length > 0) {
        await Promise.allSettled(pending);
        this.rollBack();
      }
      plan.destroy();
      readbacks.forEach((b) => b.destroy());
    }
  }

  async predict(x: Data): Promise<Matrix>;
  async predict(x: Data, into: GPUBuffer): Promise<GPUMatrix>;
  /** The last layer's outputs for each row of x, read back, or written into `into` on the device. */
  async predict(x: Data, into?: GPUBuffer): Promise<Matrix | GPUMatrix> {
    const rows = x.shape[0];
    const units = this.spec.layers.at(-1)!.units;
    const plan = await Plan.create(this.device, 'predict', this.spec, this.visible, { x: deviceMatrix(this.device, x, 'x') }, Math.min(rows, INFERENCE_ROWS));
    const output = into ?? this.device.createBuffer({ label: 'predictions', size: rows * units * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      this.device.queue.writeBuffer(plan.order, 0, identity(rows));
      const encoder = this.device.createCommandEncoder({ label: 'predict' });
      plan.steps.forEach((step, s) => {
        const pass = encoder.beginComputePass();
        plan.encodeStep(pass, s);
        pass.end();
        encoder.copyBufferToBuffer(plan.activations.at(-1)!, 0, output, step.rowStart * units * 4, step.rows * units * 4);
      });
      this.device.queue.submit([encoder.finish()]);
      if (into) return { shape: [rows, units], buffer: into };
      await output.mapAsync(MapMode.READ);
      return { shape: [rows, units], data: new Float32Array(output.getMappedRange().slice(0)) };
    } finally {
      plan.destroy();
      if (!into) output.destroy();
    }
  }

  async evaluate(x: Data, y: Data): Promise<number> {
    const rows = x.shape[0];
    const data = { x: deviceMatrix(this.device, x, 'x'), y: deviceMatrix(this.device, y, 'y') };
    const plan = await Plan.create(this.device, 'evaluate', this.spec, this.visible, data, Math.min(rows, INFERENCE_ROWS));
    const readback = this.device.createBuffer({ label: 'loss', size: 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      this.device.queue.writeBuffer(plan.order, 0, identity(rows));
      const encoder = this.device.createCommandEncoder({ label: 'evaluate' });
      const pass = encoder.beginComputePass();
      plan.steps.forEach((_, s) => plan.encodeStep(pass, s));
      plan.encodeLossSum(pass);
      pass.end();
      encoder.copyBufferToBuffer(plan.result!, 0, readback, 0, 4);
      this.device.queue.submit([encoder.finish()]);
      await readback.mapAsync(MapMode.READ);
      return new Float32Array(readback.getMappedRange())[0];
    } finally {
      plan.destroy();
      readback.destroy();
    }
  }

  /** The dispatch list of one training step at this batch size, for reading. */
  async describeTrainingStep(batchSize: number, inputs: number): Promise<string> {
    const units = this.spec.layers.at(-1)!.units;
    const data = {
      x: uploadMatrix(this.device, new Float32Array(batchSize * inputs), batchSize, inputs, 'x'),
      y: uploadMatrix(this.device, new Float32Array(batchSize * units), batchSize, units, 'y'),
    };
    const plan = await Plan.create(this.device, 'train', this.spec, this.weights, data, batchSize);
    const text = plan.describe();
    plan.destroy();
    return text;
  }

  dispose(): void {
    [...this.weights, ...this.snapshot].forEach((b) => b.destroy());
    if (!this.handle.shared) this.device.destroy();
  }

  private writeWeights(weights: Float32Array[]): void {
    this.spec.layers.forEach((_, l) => {
      const augmented = new Float32Array(weights[2 * l].length + weights[2 * l + 1].length);
      augmented.set(weights[2 * l]);
      augmented.set(weights[2 * l + 1], weights[2 * l].length);
      this.device.queue.writeBuffer(this.weights[l], 0, augmented);
    });
  }

  private rollBack(): void {
    const encoder = this.device.createCommandEncoder({ label: 'roll back' });
    this.weights.forEach((w, l) => encoder.copyBufferToBuffer(this.snapshot[l], 0, w, 0, w.size));
    this.device.queue.submit([encoder.finish()]);
  }
}

function identity(rows: number): Uint32Array {
  return Uint32Array.from({ length: rows }, (_, i) => i);
}
