// The 'webgpu' backend: weights live in GPU buffers; fit records each epoch's steps into one command buffer.
import type { Backend, Data, EpochLogs, FitRequest, NetworkSpec, Scores } from '../backend';
import { WebGPUNNError } from '../errors';
import type { GPUMatrix, Matrix } from '../matrix';
import type { Adam } from '../model/optimizers';
import { type GpuHandle, acquireDevice, checked } from './device';
import { BufferUsage, MapMode } from './flags';
import { type OptimizerBuffers, Plan, deviceMatrix, padded } from './plan';

/** Rows per step in predict and evaluate, bounding their activation buffers. */
const INFERENCE_ROWS = 4096;

export class GpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly adapterInfo: string;
  readonly device: GPUDevice;
  /** Each layer's [(inputs + 1) × units] weights: the kernel, then the bias as the last row; rows padded to vec4s. */
  private readonly weights: GPUBuffer[];
  /** The optimizer's moments per layer (none for SGD), and the count of steps it has taken. */
  private readonly optimizer: OptimizerBuffers;
  private iterations = 0;
  /** Weights and moments as they were when the running epoch began, to roll back an epoch that must not count. */
  private readonly snapshot: GPUBuffer[];
  /**
   * The buffers that hold the weights as the caller should see them: `weights`, except inside an epoch's callbacks
   * while the next epoch is already queued, when the snapshot holds the weights at the end of the epoch reported.
   */
  private visible: GPUBuffer[];
  /**
   * The weights at the last point the CPU knows them: set by setWeights and by every completed epoch (they ride in
   * the epoch's readback). When the device is lost, getWeights answers from here and a new compile continues.
   */
  private known: Float32Array[];
  /** Rejects with DEVICE_LOST once the device is lost; raced against every wait on the GPU. */
  private readonly lost: Promise<never>;
  private lostReason: string | undefined;

  static async create(spec: NetworkSpec, weights: Float32Array[], options: { device?: GPUDevice; gpu?: GPU }): Promise<GpuBackend> {
    return new GpuBackend(await acquireDevice(options), spec, weights);
  }

  private constructor(
    handle: GpuHandle,
    private readonly spec: NetworkSpec,
    initial: Float32Array[],
  ) {
    this.device = handle.device;
    this.adapterInfo = handle.adapterInfo;
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const make = (label: string, size: number) => this.device.createBuffer({ label, size, usage });
    this.weights = spec.layers.map((layer, l) => make(`weights ${l}`, (layer.inputs + 1) * padded(layer.units) * 4));
    const slots = spec.optimizer.slots;
    this.optimizer = { moments: slots > 0 ? this.weights.map((w, l) => make(`moments ${l}`, slots * w.size)) : [] };
    const state = [...this.weights, ...this.optimizer.moments];
    this.snapshot = state.map((b) => make(`snapshot of ${b.label}`, b.size));
    this.visible = this.weights;
    this.known = initial.map((w) => w.slice());
    this.lost = this.device.lost.then((info) => {
      this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      throw this.lostError();
    });
    this.lost.catch(() => undefined);
    this.writeWeights(initial);
  }

  async getWeights(): Promise<Float32Array[]> {
    if (this.lostReason !== undefined) return this.known.map((w) => w.slice());
    const staging = this.visible.map((w) => this.device.createBuffer({ size: w.size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
    const encoder = this.device.createCommandEncoder();
    this.visible.forEach((w, l) => encoder.copyBufferToBuffer(w, 0, staging[l], 0, w.size));
    this.device.queue.submit([encoder.finish()]);
    try {
      const layers = await this.whileAlive(
        Promise.all(
          staging.map(async (buffer) => {
            await buffer.mapAsync(MapMode.READ);
            return new Float32Array(buffer.getMappedRange().slice(0));
          }),
        ),
      );
      return this.split(layers);
    } finally {
      staging.forEach((b) => b.destroy());
    }
  }

  async setWeights(weights: Float32Array[]): Promise<void> {
    this.alive();
    this.writeWeights(weights);
    this.known = weights.map((w) => w.slice());
  }

  async fit({ x, y, validation, epochs, batchSize, nextOrder, epochEnd, batchEnd }: FitRequest): Promise<void> {
    this.alive();
    if (epochs === 0) return;
    const train = await Plan.create(this.device, 'train', this.spec, this.weights,
      { x: deviceMatrix(this.device, x, 'x', true), y: deviceMatrix(this.device, y, 'y') }, Math.min(batchSize, x.shape[0]), this.optimizer);
    const check = validation && (await this.scoringPlan(validation.x, validation.y, this.weights).catch((e) => (train.destroy(), Promise.reject(e))));
    // What one epoch reads back: [loss, accuracy, val_loss, val_accuracy], the weights at its end, then, when batch
    // logs are wanted, every position's loss and right answer.
    const scores = train.scores!;
    const weightBytes = this.weights.reduce((sum, w) => sum + w.size, 0);
    const detail = batchEnd ? scores.losses.size : 0;
    const size = 16 + weightBytes + 2 * detail;
    const readbacks = [0, 1].map(() => this.device.createBuffer({ label: 'epoch scores', size, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST }));
    const queue = this.device.queue;
    const stateBuffers = [...this.weights, ...this.optimizer.moments];

    // One command buffer per epoch: snapshot the state, every step, the reductions, validation, one copy out.
    const submitEpoch = (epoch: number) => {
      queue.writeBuffer(train.order, 0, nextOrder());
      if (train.corrections) queue.writeBuffer(train.corrections, 0, this.adamCorrections(train.steps.length));
      this.iterations += train.steps.length;
      const encoder = this.device.createCommandEncoder({ label: `epoch ${epoch}` });
      stateBuffers.forEach((b, i) => encoder.copyBufferToBuffer(b, 0, this.snapshot[i], 0, b.size));
      const pass = encoder.beginComputePass();
      train.steps.forEach((_, s) => train.encodeStep(pass, s));
      train.encodeReductions(pass);
      if (check) {
        check.steps.forEach((_, s) => check.encodeStep(pass, s));
        check.encodeReductions(pass);
      }
      pass.end();
      const readback = readbacks[epoch % 2];
      encoder.copyBufferToBuffer(train.result!, 0, readback, 0, 8);
      if (check) encoder.copyBufferToBuffer(check.result!, 0, readback, 8, 8);
      let offset = 16;
      for (const w of this.weights) {
        encoder.copyBufferToBuffer(w, 0, readback, offset, w.size);
        offset += w.size;
      }
      if (detail) {
        encoder.copyBufferToBuffer(scores.losses, 0, readback, offset, detail);
        encoder.copyBufferToBuffer(scores.correct, 0, readback, offset + detail, detail);
      }
      const submitted = checked(this.device, `epoch ${epoch}`, () => queue.submit([encoder.finish()]));
      return Promise.all([submitted, readback.mapAsync(MapMode.READ)]).then(() => {
        const values = new Float32Array(readback.getMappedRange().slice(0));
        readback.unmap();
        return values;
      });
    };

    // The next epoch is queued before this one's scores are read, so the GPU never waits for the CPU. When training
    // ends early (stopTraining, an error), the epoch already queued is rolled back from the snapshot.
    const pending = [submitEpoch(0)];
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        if (epoch + 1 < epochs) pending.push(submitEpoch(epoch + 1));
        const values = await this.whileAlive(pending.shift()!);
        let offset = 4;
        this.known = this.split(this.weights.map((w) => values.slice(offset, (offset += w.size / 4))));
        this.visible = pending.length > 0 ? this.snapshot.slice(0, this.weights.length) : this.weights;
        try {
          if (batchEnd) await this.reportBatches(train, values.subarray(offset), batchEnd);
          const logs: EpochLogs = this.scores(values[0], values[1]);
          if (check) Object.assign(logs, { val_loss: values[2] }, this.spec.accuracy && { val_accuracy: values[3] });
          if (await epochEnd(epoch, logs)) break;
        } finally {
          this.visible = this.weights;
        }
      }
    } finally {
      if (pending.length > 0) {
        await Promise.allSettled(pending);
        if (this.lostReason === undefined) this.rollBack(train.steps.length);
      }
      train.destroy();
      check?.destroy();
      readbacks.forEach((b) => b.destroy());
    }
  }

  async predict(x: Data): Promise<Matrix>;
  async predict(x: Data, into: GPUBuffer): Promise<GPUMatrix>;
  /** The last layer's outputs for each row of x, read back, or written into `into` on the device. */
  async predict(x: Data, into?: GPUBuffer): Promise<Matrix | GPUMatrix> {
    this.alive();
    const rows = x.shape[0];
    const units = this.spec.layers.at(-1)!.units;
    const plan = await Plan.create(this.device, 'predict', this.spec, this.visible, { x: deviceMatrix(this.device, x, 'x', true) }, Math.min(rows, INFERENCE_ROWS));
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
      await checked(this.device, 'predict', () => this.device.queue.submit([encoder.finish()]));
      if (into) return { shape: [rows, units], buffer: into };
      await this.whileAlive(output.mapAsync(MapMode.READ));
      return { shape: [rows, units], data: new Float32Array(output.getMappedRange().slice(0)) };
    } finally {
      plan.destroy();
      if (!into) output.destroy();
    }
  }

  async evaluate(x: Data, y: Data): Promise<Scores> {
    this.alive();
    const plan = await this.scoringPlan(x, y, this.visible);
    const readback = this.device.createBuffer({ label: 'scores', size: 8, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      const encoder = this.device.createCommandEncoder({ label: 'evaluate' });
      const pass = encoder.beginComputePass();
      plan.steps.forEach((_, s) => plan.encodeStep(pass, s));
      plan.encodeReductions(pass);
      pass.end();
      encoder.copyBufferToBuffer(plan.result!, 0, readback, 0, 8);
      await checked(this.device, 'evaluate', () => this.device.queue.submit([encoder.finish()]));
      await this.whileAlive(readback.mapAsync(MapMode.READ));
      const [loss, accuracy] = new Float32Array(readback.getMappedRange());
      return this.scores(loss, accuracy);
    } finally {
      plan.destroy();
      readback.destroy();
    }
  }

  /** The dispatch list of one training step at this batch size, for reading. */
  async describeTrainingStep(batchSize: number, inputs: number): Promise<string> {
    const labels = this.spec.loss.labelColumns(this.spec.layers.at(-1)!.units);
    const zeros = (cols: number) => ({ shape: [batchSize, cols] as [number, number], data: new Float32Array(batchSize * cols) });
    const data = { x: deviceMatrix(this.device, zeros(inputs), 'x', true), y: deviceMatrix(this.device, zeros(labels), 'y') };
    const plan = await Plan.create(this.device, 'train', this.spec, this.weights, data, batchSize, this.optimizer);
    const text = plan.describe();
    plan.destroy();
    return text;
  }

  dispose(): void {
    [...this.weights, ...this.optimizer.moments, ...this.snapshot].forEach((b) => b.destroy());
  }

  private lostError(): WebGPUNNError {
    return new WebGPUNNError(
      'DEVICE_LOST',
      `the GPU device was lost (${this.lostReason}): the model keeps the weights of its last completed epoch; compile it again to continue on a new device`,
    );
  }

  private alive(): void {
    if (this.lostReason !== undefined) throw this.lostError();
  }

  /**
   * `work`, or DEVICE_LOST as soon as the device is lost while waiting for it. A browser rejects pending maps
   * (AbortError) a moment before it reports the loss, so a failed wait gives the report a second to arrive.
   */
  private whileAlive<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.lost]).catch(async (error) => {
      if (this.lostReason === undefined) await Promise.race([this.lost.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
      throw this.lostReason !== undefined ? this.lostError() : error;
    });
  }

  /** [kernel, bias] pairs from augmented [(inputs + 1) × units] layer weights with padded rows. */
  private split(layers: Float32Array[]): Float32Array[] {
    return layers.flatMap((all, l) => {
      const { inputs, units } = this.spec.layers[l];
      const stride = padded(units);
      const augmented = Float32Array.from({ length: (inputs + 1) * units }, (_, i) => all[Math.floor(i / units) * stride + (i % units)]);
      return [augmented.slice(0, inputs * units), augmented.slice(inputs * units)];
    });
  }

  /** An evaluation plan over x and y in identity order, reading the weights in `weights`. */
  private async scoringPlan(x: Data, y: Data, weights: GPUBuffer[]): Promise<Plan> {
    const rows = x.shape[0];
    const data = { x: deviceMatrix(this.device, x, 'x', true), y: deviceMatrix(this.device, y, 'y') };
    const plan = await Plan.create(this.device, 'evaluate', this.spec, weights, data, Math.min(rows, INFERENCE_ROWS));
    this.device.queue.writeBuffer(plan.order, 0, identity(rows));
    return plan;
  }

  /** Each batch's mean loss (and accuracy) from the epoch's per-position scores, in order. */
  private async reportBatches(plan: Plan, values: Float32Array, batchEnd: NonNullable<FitRequest['batchEnd']>): Promise<void> {
    const perRow = plan.scores!.perRow;
    const count = values.length / 2;
    const mean = (from: number, to: number) => values.subarray(from, to).reduce((s, v) => s + v, 0) / (to - from);
    for (const [s, step] of plan.steps.entries()) {
      const [from, to] = [step.rowStart * perRow, (step.rowStart + step.rows) * perRow];
      await batchEnd(s, this.scores(mean(from, to), mean(count + from, count + to)));
    }
  }

  /** 1 − β1^t and 1 − β2^t for the next `steps` iterations, in double precision. */
  private adamCorrections(steps: number): Float32Array {
    const { beta1, beta2 } = this.spec.optimizer as Adam;
    const corrections = new Float32Array(2 * steps);
    for (let s = 0; s < steps; s++) corrections.set([1 - beta1 ** (this.iterations + s + 1), 1 - beta2 ** (this.iterations + s + 1)], 2 * s);
    return corrections;
  }

  private scores(loss: number, accuracy: number): Scores {
    return this.spec.accuracy ? { loss, accuracy } : { loss };
  }

  private writeWeights(weights: Float32Array[]): void {
    this.spec.layers.forEach(({ inputs, units }, l) => {
      const stride = padded(units);
      const augmented = new Float32Array((inputs + 1) * stride);
      for (let i = 0; i < inputs; i++) augmented.set(weights[2 * l].subarray(i * units, (i + 1) * units), i * stride);
      augmented.set(weights[2 * l + 1], inputs * stride);
      this.device.queue.writeBuffer(this.weights[l], 0, augmented);
    });
  }

  /** Undoes the last queued epoch of `steps` steps: weights and moments from the snapshot. */
  private rollBack(steps: number): void {
    const encoder = this.device.createCommandEncoder({ label: 'roll back' });
    [...this.weights, ...this.optimizer.moments].forEach((b, i) => encoder.copyBufferToBuffer(this.snapshot[i], 0, b, 0, b.size));
    this.device.queue.submit([encoder.finish()]);
    this.iterations -= steps;
  }
}

function identity(rows: number): Uint32Array {
  return Uint32Array.from({ length: rows }, (_, i) => i);
}
