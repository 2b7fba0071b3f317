// The 'webgpu' backend: weights live in GPU buffers; fit records each epoch's steps into one command buffer, and
// fitDataset streams its batches through a ring of upload slots (stream.ts). It trains the members of a group side
// by side, in the same dispatches (plan.ts, members.ts); a Sequential is a group of one (member-view.ts).
import type { Data, EpochLogs, GroupBackend, GroupFitRequest, GroupScored, Scores, StreamRequest } from '../backend';
import { WebGPUNNError } from '../errors';
import type { CoreGpu, LayerSpecBase } from '../layers/layer';
import { layerDefinition } from '../layers/registry';
import { networkPenalty, splitWeights } from '../layers/weights';
import { labelColumns } from '../losses/loss';
import { losses } from '../losses/registry';
import type { GPUMatrix, Matrix } from '../matrix';
import { optimizerDefinition } from '../optimizers/registry';
import type { NetworkSpec } from '../spec';
import { deviceMatrix } from './device-matrix';
import { type GpuHandle, UncapturedErrors, acquireDevice, checked } from './device';
import { BufferUsage, MapMode } from './flags';
import { bindingLimit } from './layout';
import { memberCount } from './members';
import { Plan } from './plan';
import { Readback, type ReadbackSlot } from './readback';
import { type StreamHost, fitStream } from './stream';
import { Tuner } from './tuner';
import type { Tuning, TuningTable } from './tuning-table';

/** An epoch submitted to the device: what it was scheduled with, and its readback once it is done. */
interface Queued {
  epoch: number;
  order: Uint32Array | Uint32Array[];
  /** Each member's learning rate, and whether it trained. */
  learningRates: number[];
  trains: boolean[];
  values: Promise<Record<string, Float32Array>>;
}

/** Rows per step in predict and evaluate, bounding their activation buffers. */
const INFERENCE_ROWS = 4096;
/** Distinct stamps an epoch's readback takes in turn: more than the submits between two into one readback buffer. */
const STAMPS = 16;

const parametersOf = (layer: LayerSpecBase) => {
  const { gpu } = layerDefinition(layer);
  return gpu.role === 'core' ? (gpu as CoreGpu<LayerSpecBase>).parameters : undefined;
};

/** Where a backend gets its device (device.ts), and how it chooses its matmul kernels (`compile({ tuning })`). */
export interface GpuOptions {
  device?: GPUDevice;
  gpu?: GPU;
  tuning?: Tuning;
}

export class GpuBackend implements GroupBackend {
  readonly name = 'webgpu';
  readonly adapterInfo: string;
  readonly device: GPUDevice;
  /**
   * Each layer's parameter buffer (none for element-wise layers), laid out as its kind says (Dense: kernel, then
   * bias), each member's `memberBytes[l]` in turn.
   */
  private readonly parameters: (GPUBuffer | undefined)[];
  private readonly memberBytes: number[];
  /** The optimizer's state beside each layer's parameters (none for SGD), and the count of steps it has taken. */
  private readonly moments: (GPUBuffer | undefined)[];
  private iterations = 0;
  /** Every parameter and moment buffer, in one list. */
  private readonly state: GPUBuffer[];
  /** The state as it was when the running epoch began, to roll back an epoch that must not count. */
  private readonly snapshot: GPUBuffer[];
  /**
   * The buffers that hold the parameters as the caller should see them: `parameters`, except inside an epoch's
   * callbacks while the next epoch is already queued, when the snapshot holds those at the end of the epoch reported.
   */
  private visible: (GPUBuffer | undefined)[];
  /**
   * Each member's weights as the caller sees them, which the CPU always knows: set by setWeights and by every
   * completed epoch (they ride in the epoch's readback, and are put in Keras order when first asked for: most
   * epochs' never are). getWeights answers from here, also once the device is lost, and a new compile continues
   * from them.
   */
  private known: (Float32Array[] | Record<string, Float32Array>)[];
  /** Rejects with DEVICE_LOST once the device is lost; raced against every wait on the GPU. */
  private readonly lost: Promise<never>;
  private lostReason: string | undefined;

  /** Where the members' matmul kernels are timed and chosen (`compile({ tuning })`); none: `blocking`'s heuristic. */
  private readonly tuner: Tuner | undefined;

  /** A backend for `specs`, its members (of one structure: plan.ts checks), each from its `weights`. */
  static async create(specs: NetworkSpec[], weights: Float32Array[][], options: GpuOptions): Promise<GpuBackend> {
    return new GpuBackend(await acquireDevice(options), specs, weights, options.tuning);
  }

  private constructor(
    handle: GpuHandle,
    private readonly specs: NetworkSpec[],
    initial: Float32Array[][],
    tuning: Tuning | undefined,
  ) {
    this.device = handle.device;
    this.adapterInfo = handle.adapterInfo;
    this.tuner = tuning && new Tuner(handle.adapterInfo, tuning);
    const count = specs.length;
    const limit = bindingLimit(this.device);
    const slots = optimizerDefinition(this.spec.optimizer).slots(this.spec.optimizer);
    this.memberBytes = this.spec.layers.map((layer) => {
      const layout = parametersOf(layer);
      return layout ? Math.max(16, layout.floats(layer) * 4) : 0;
    });
    for (const [l, bytes] of this.memberBytes.entries()) {
      const largest = bytes * Math.max(1, slots);
      if (count > 1 && count * largest > limit) {
        throw new WebGPUNNError('INVALID_ARGUMENT', `ModelGroup: expected at most ${memberCount(Math.floor(limit / largest))} for layer ${l}'s weights and optimizer state (${largest} bytes each; this device binds at most ${limit}), got ${count}`);
      }
    }
    const usage = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
    const make = (label: string, size: number) => this.device.createBuffer({ label, size, usage });
    this.parameters = this.memberBytes.map((bytes, l) => (bytes ? make(`parameters of layer ${l}`, count * bytes) : undefined));
    this.moments = this.parameters.map((p, l) => (p && slots > 0 ? make(`moments of layer ${l}`, slots * p.size) : undefined));
    this.state = [...this.parameters, ...this.moments].filter((b) => b !== undefined);
    this.snapshot = this.state.map((b) => make(`snapshot of ${b.label}`, b.size));
    this.visible = this.parameters;
    this.known = initial.map((weights) => weights.map((w) => w.slice()));
    this.lost = this.device.lost.then((info) => {
      this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      throw this.lostError();
    });
    this.lost.catch(() => undefined);
    initial.forEach((weights, m) => this.writeWeights(m, weights));
  }

  get size(): number {
    return this.specs.length;
  }

  /** The first member's network: the structure every member shares. */
  private get spec(): NetworkSpec {
    return this.specs[0];
  }

  /** A member's weights as the CPU knows them: no readback (each epoch's already carried them). */
  async getWeights(member: number): Promise<Float32Array[]> {
    return this.knownWeights(member).map((w) => w.slice());
  }

  async setWeights(member: number, weights: Float32Array[]): Promise<void> {
    this.alive();
    this.writeWeights(member, weights);
    this.known[member] = weights.map((w) => w.slice());
  }

  async fit({ x, y, sampleWeight, validation, epochs, batchSize, nextOrder, ownOrders, training, epochBegin, epochEnd, batchEnd }: GroupFitRequest): Promise<void> {
    this.alive();
    if (epochs === 0) return;
    const { specs } = this;
    const data = { x: deviceMatrix(this.device, x, 'x', true), y: deviceMatrix(this.device, y, 'y'), sampleWeight, ownOrders };
    const train = await Plan.create(this.device, 'train', specs, this.parameters, data, Math.min(batchSize, x.shape[0]), this.moments, this.tuner);
    const check = validation && (await this.scoringPlan(validation, this.parameters, validation.batchSize).catch((e) => (train.destroy(), Promise.reject(e))));
    // Each submit's stamp, copied into its readback from one of STAMPS words (1 to STAMPS): a submit that fails runs
    // none of its commands, and its readback buffer then holds an earlier submit's results under another stamp, or
    // none. The first epoch's submit is checked in error scopes instead; where its readback has no stamp though it
    // passed them, the device runs no commands at all (Dawn's null backend), and no stamp can tell.
    const stamps = this.device.createBuffer({ label: 'epoch stamps', size: 4 * STAMPS, usage: BufferUsage.COPY_SRC, mappedAtCreation: true });
    new Float32Array(stamps.getMappedRange()).set(Array.from({ length: STAMPS }, (_, i) => i + 1));
    stamps.unmap();
    // What one epoch reads back: every member's scores (and the validation's), every layer's parameters at its end,
    // when batch logs are wanted every epoch position's stats, and the stamp.
    const readback = new Readback([
      { name: 'scores', source: train.scores!.result },
      ...(check ? [{ name: 'validation', source: check.scores!.result }] : []),
      ...this.parameterSlots(),
      ...(batchEnd ? [{ name: 'positions', source: train.scores!.buffer }, ...train.scores!.penalties.map(({ buffer }, k) => ({ name: `penalties ${k}`, source: buffer }))] : []),
      { name: 'stamp', source: stamps, bytes: 4 },
    ]);
    const buffers = [0, 1].map(() => readback.buffer(this.device, 'epoch readback'));
    // Where each epoch's results are copied out of the mapped buffer: memory made once per fit, since a fresh
    // ArrayBuffer per epoch costs more than the rest of the readback. An epoch's results stay in use until the epoch
    // after it is read and reported, and one more epoch may complete meanwhile: three live at most, used in turn.
    const copies = [0, 1, 2].map(() => new Uint8Array(readback.size));
    const queue = this.device.queue;
    // Which members train: those asked for, until one diverges or the caller stops it.
    const trains = specs.map((_, m) => training?.[m] ?? true);
    const uncaptured = new UncapturedErrors(this.device);
    // The steps taken up to the end of the last epoch reported: those of an epoch that did not count are not.
    let counted = this.iterations;
    let submits = 0;
    // Whether this device's readbacks carry their stamps (all but those of a device that runs no commands), known once
    // the first epoch's are read: the later epochs' are looked at after it.
    let stamped = true;
    let first: Promise<unknown> = Promise.resolve();

    // One command buffer per epoch: snapshot the state, every step, the reductions, validation, one copy out.
    let written: Uint32Array | Uint32Array[] | undefined;
    const submitEpoch = (epoch: number, order = nextOrder()): Queued => {
      const learningRates = specs.map((spec) => spec.optimizer.learningRate);
      const scheduled = [...trains];
      // Without shuffling every epoch has the same order, written once.
      if (order !== written) train.writeOrder((written = order));
      train.writeSchedule(this.iterations, (m) => scheduled[m]);
      this.iterations += train.steps.length;
      const encoder = this.device.createCommandEncoder({ label: `epoch ${epoch}` });
      this.encodeSnapshot(encoder);
      train.encodePass(encoder);
      if (check && validation.freq(epoch)) check.encodePass(encoder);
      const target = buffers[epoch % 2];
      const stamp = submits++ % STAMPS;
      readback.encode(encoder, target, { stamp: 4 * stamp });
      const submitted = epoch === 0 ? checked(this.device, `epoch ${epoch}`, () => queue.submit([encoder.finish()])) : queue.submit([encoder.finish()]);
      const values = Promise.all([submitted, target.mapAsync(MapMode.READ), first]).then(() => {
        const copy = copies[epoch % 3];
        copy.set(new Uint8Array(target.getMappedRange()));
        target.unmap();
        const read = readback.read(copy.buffer);
        if (read.stamp[0] !== stamp + 1) {
          // Epoch 0 passed its scopes (validation, out of memory): without its stamp, and without an error of
          // another kind (internal), the device runs no commands.
          const errors = uncaptured.take();
          if (epoch === 0 && !errors) stamped = false;
          else if (stamped) throw new WebGPUNNError('GPU_ERROR', `epoch ${epoch}: the GPU ran none of the epoch's commands: ${errors || "no error reached the device's uncapturederror listeners (an error scope open around fit may have taken it)"}`);
        }
        return read;
      });
      // An epoch queued behind one that fails may reject before the loop awaits it (wgpu rejects the maps of a
      // destroyed device at once): the loop or its finally awaits it, and `settled` keeps it from counting as an
      // unhandled rejection meanwhile.
      const settled = values.catch(() => undefined);
      if (epoch === 0) first = settled;
      return { epoch, order, learningRates, trains: scheduled, values };
    };
    // Whether a queued epoch must run again: a member's learning rate, or whether it trains, changed since.
    const stale = (queued: Queued) => specs.some((spec, m) => queued.learningRates[m] !== spec.optimizer.learningRate || queued.trains[m] !== trains[m]);

    // The next epoch is queued before this one's scores are read, so the GPU never waits for the CPU. When training
    // ends early (stopTraining, an error), the epoch already queued is rolled back from the snapshot; so it is when a
    // callback changed what it was queued with (a learning rate, a member stopping), and it is queued again, in the
    // same order, with the new. Where callbacks act at the beginning of each epoch, each epoch is queued after them,
    // once the last has ended.
    const pending: Queued[] = [];
    try {
      await epochBegin?.(0);
      pending.push(submitEpoch(0));
      for (let epoch = 0; epoch < epochs; epoch++) {
        if (!epochBegin && epoch + 1 < epochs) pending.push(submitEpoch(epoch + 1));
        const queued = pending.shift()!;
        const values = await this.whileAlive(queued.values);
        counted = this.iterations - pending.length * train.steps.length;
        // A member that did not train keeps its weights, put in Keras order now: the copy they were read into is
        // used again three epochs on.
        this.known = specs.map((_, m) => (queued.trains[m] ? values : this.knownWeights(m)));
        this.visible = pending.length > 0 ? this.snapshotOfParameters() : this.parameters;
        let stops: boolean[];
        try {
          if (batchEnd) await this.reportBatches(train, values, queued.trains, batchEnd);
          const logs = specs.map((_, m): EpochLogs | undefined => {
            if (!queued.trains[m]) return undefined;
            const scores: EpochLogs = this.logs(train, values.scores, m);
            if (check && validation.freq(epoch)) for (const [key, value] of Object.entries(this.evaluated(check, values.validation, m))) scores[`val_${key}`] = value;
            return scores;
          });
          stops = await epochEnd(epoch, logs);
        } finally {
          this.visible = this.parameters;
        }
        stops.forEach((stop, m) => stop && (trains[m] = false));
        if (!trains.some(Boolean)) break;
        if (epochBegin && epoch + 1 < epochs) {
          await epochBegin(epoch + 1);
          pending.push(submitEpoch(epoch + 1));
        }
        const next = pending[0];
        if (next && stale(next)) {
          await this.whileAlive(next.values);
          this.rollBack(train.steps.length);
          pending[0] = submitEpoch(next.epoch, next.order);
        }
      }
    } finally {
      uncaptured.stop();
      // The epoch queued but not reported is rolled back from the snapshot it took, if it ran.
      if (pending.length > 0) {
        const settled = await Promise.allSettled(pending.map((p) => p.values));
        if (this.lostReason === undefined && settled.every((s) => s.status === 'fulfilled')) this.rollBack(train.steps.length);
      }
      this.iterations = counted;
      stamps.destroy();
      train.destroy();
      check?.destroy();
      buffers.forEach((b) => b.destroy());
    }
  }

  /** fitDataset's batches, streamed through a ring of upload slots (stream.ts), training `member` alone. */
  async fitStream(member: number, request: StreamRequest): Promise<void> {
    this.alive();
    const backend = this;
    const host: StreamHost = {
      device: this.device,
      specs: this.specs,
      trains: (m) => m === member,
      parameters: this.parameters,
      moments: this.moments,
      get iterations() {
        return backend.iterations;
      },
      advance: () => void this.iterations++,
      snapshot: (encoder) => {
        this.encodeSnapshot(encoder);
        this.visible = this.snapshotOfParameters();
      },
      rollBack: (steps) => {
        if (this.lostReason === undefined) this.rollBack(steps);
        this.visible = this.parameters;
      },
      complete: (values) => {
        this.known[member] = values;
        this.visible = this.parameters;
      },
      parameterSlots: () => this.parameterSlots(),
      whileAlive: (work) => this.whileAlive(work),
      scoringPlan: (rows) => this.scoringPlan(rows, this.parameters, rows.batchSize),
      logs: (plan, results, rows) => this.logs(plan, results, member, rows),
      evaluated: (plan, results, rows) => this.evaluated(plan, results, member, rows),
    };
    await fitStream(host, request);
  }

  /** Each member's outputs for each row of x, read back. */
  async predict(x: Data, batchSize = INFERENCE_ROWS): Promise<Matrix[]> {
    const rows = x.shape[0];
    const units = this.units();
    const output = this.device.createBuffer({ label: 'predictions', size: this.size * rows * units * 4, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
    try {
      await this.predictInto(x, output, batchSize);
      await this.whileAlive(output.mapAsync(MapMode.READ));
      const data = new Float32Array(output.getMappedRange().slice(0));
      return this.specs.map((_, m) => ({ shape: [rows, units], data: data.subarray(m * rows * units, (m + 1) * rows * units) }));
    } finally {
      output.destroy();
    }
  }

  /** Each member's outputs for each row of x, written into `into` on the device, member after member. */
  async predictInto(x: Data, into: GPUBuffer, batchSize = INFERENCE_ROWS): Promise<GPUMatrix> {
    this.alive();
    const rows = x.shape[0];
    const units = this.units();
    const plan = await Plan.create(this.device, 'predict', this.specs, this.visible, { x: deviceMatrix(this.device, x, 'x', true) }, Math.min(rows, batchSize), undefined, this.tuner);
    try {
      plan.writeOrder(identity(rows));
      const encoder = this.device.createCommandEncoder({ label: 'predict' });
      const stride = plan.output.size / this.size;
      plan.steps.forEach((step, s) => {
        const pass = encoder.beginComputePass();
        plan.encodeStep(pass, s);
        pass.end();
        for (let m = 0; m < this.size; m++) encoder.copyBufferToBuffer(plan.output, m * stride, into, (m * rows + step.rowStart) * units * 4, step.rows * units * 4);
      });
      await checked(this.device, 'predict', () => this.device.queue.submit([encoder.finish()]));
      return { shape: [rows, units], buffer: into };
    } finally {
      plan.destroy();
    }
  }

  async evaluate(data: GroupScored, batchSize?: number): Promise<Scores[]> {
    this.alive();
    const plan = await this.scoringPlan(data, this.visible, batchSize);
    const readback = new Readback([{ name: 'scores', source: plan.scores!.result }]);
    const target = readback.buffer(this.device, 'scores');
    try {
      const encoder = this.device.createCommandEncoder({ label: 'evaluate' });
      plan.encodePass(encoder);
      readback.encode(encoder, target);
      await checked(this.device, 'evaluate', () => this.device.queue.submit([encoder.finish()]));
      await this.whileAlive(target.mapAsync(MapMode.READ));
      const results = readback.read(target.getMappedRange().slice(0)).scores;
      return this.specs.map((_, m) => this.evaluated(plan, results, m));
    } finally {
      plan.destroy();
      target.destroy();
    }
  }

  /** The dispatch list of one training step at this batch size, for reading. */
  async describeTrainingStep(batchSize: number): Promise<string> {
    const labels = labelColumns(losses[this.spec.loss], this.units());
    const zeros = (cols: number) => ({ shape: [batchSize, cols] as [number, number], data: new Float32Array(batchSize * cols) });
    const data = { x: deviceMatrix(this.device, zeros(this.spec.layers[0].inputs), 'x', true), y: deviceMatrix(this.device, zeros(labels), 'y') };
    const plan = await Plan.create(this.device, 'train', this.specs, this.parameters, data, batchSize, this.moments, this.tuner);
    const text = plan.describe();
    plan.destroy();
    return text;
  }

  /** The kernels the tuner chose for the members' products so far, where the model tunes. */
  tuning(): TuningTable | undefined {
    return this.tuner?.table();
  }

  dispose(): void {
    [...this.state, ...this.snapshot].forEach((b) => b.destroy());
  }

  private units(): number {
    return this.spec.layers[this.spec.layers.length - 1].units;
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

  /**
   * A member's known weights in Keras order, unpacked once from each layer's parameters (read back under the
   * layer's index, each member's range in turn).
   */
  private knownWeights(member: number): Float32Array[] {
    const known = this.known[member];
    if (Array.isArray(known)) return known;
    const weights = this.spec.layers.flatMap((layer, l) => {
      const layout = parametersOf(layer);
      if (!layout) return [];
      const floats = this.memberBytes[l] / 4;
      return layout.unpack(layer, known[String(l)].subarray(member * floats, (member + 1) * floats));
    });
    this.known[member] = weights;
    return weights;
  }

  private writeWeights(member: number, weights: Float32Array[]): void {
    const { layers } = this.specs[member];
    const split = splitWeights(layers, weights);
    layers.forEach((layer, l) => {
      const layout = parametersOf(layer);
      if (layout) this.device.queue.writeBuffer(this.parameters[l]!, member * this.memberBytes[l], layout.pack(layer, split[l]));
    });
  }

  /** Every layer's parameters (every member's) as readback slots, under the layer's index. */
  private parameterSlots(): ReadbackSlot[] {
    return this.parameters.flatMap((source, l) => (source ? [{ name: String(l), source }] : []));
  }

  /** Copies the parameters and moments into the snapshot, as an epoch begins. */
  private encodeSnapshot(encoder: GPUCommandEncoder): void {
    this.state.forEach((b, i) => encoder.copyBufferToBuffer(b, 0, this.snapshot[i], 0, b.size));
  }

  /** The snapshot's copy of each layer's parameters. */
  private snapshotOfParameters(): (GPUBuffer | undefined)[] {
    return this.parameters.map((p) => p && this.snapshot[this.state.indexOf(p)]);
  }

  /** An evaluation plan over rows in identity order, `batchSize` per step, reading the parameters in `parameters`. */
  private async scoringPlan({ x, y, sampleWeight }: GroupScored, parameters: (GPUBuffer | undefined)[], batchSize = INFERENCE_ROWS): Promise<Plan> {
    const rows = x.shape[0];
    const data = { x: deviceMatrix(this.device, x, 'x', true), y: deviceMatrix(this.device, y, 'y'), sampleWeight };
    const plan = await Plan.create(this.device, 'evaluate', this.specs, parameters, data, Math.min(rows, batchSize), undefined, this.tuner);
    plan.writeOrder(identity(rows));
    return plan;
  }

  /**
   * A member's scores of a pass over `rows` rows (the plan's, or a stream's batches') by name, from the reductions'
   * results: the loss includes the penalties (as Keras reports it), each a sum over the plan's positions ÷ their count.
   */
  private logs(plan: Plan, results: Float32Array | Float64Array, member: number, rows = plan.scores!.scoring.positions): Scores {
    const { scoring, penalties, resultStride } = plan.scores!;
    const own = results.subarray(member * resultStride, (member + 1) * resultStride);
    const scores = scoring.scores(own, rows);
    for (let k = 0; k < penalties.length; k++) scores.loss += (own[scoring.resultFloats + k] * scoring.positions) / rows;
    return scores;
  }

  /** A member's scores of an evaluation: its loss with the weights' penalties at the weights it ran with, computed here. */
  private evaluated(plan: Plan, results: Float32Array | Float64Array, member: number, rows?: number): Scores {
    const scores = this.logs(plan, results, member, rows);
    const { layers } = this.specs[member];
    scores.loss += networkPenalty(layers, splitWeights(layers, this.knownWeights(member)));
    return scores;
  }

  /** Each batch's scores of every member that trained, from the epoch's per-position stats and per-step penalties, in order. */
  private async reportBatches(plan: Plan, values: Record<string, Float32Array>, trained: boolean[], batchEnd: NonNullable<GroupFitRequest['batchEnd']>): Promise<void> {
    const { scoring, penalties } = plan.scores!;
    const sum = (values: Float32Array, from: number, to: number) => values.subarray(from, to).reduce((s, v) => s + v, 0);
    const floats = values.positions.length / this.size;
    for (const [s, step] of plan.steps.entries()) {
      const scores = this.specs.map((_, m) => {
        if (!trained[m]) return undefined;
        const own = scoring.batch(values.positions.subarray(m * floats, (m + 1) * floats), step.rowStart, step.rows);
        // A step's penalties were stored times its rows.
        penalties.forEach(({ perStep }, k) => {
          const perMember = values[`penalties ${k}`].length / this.size;
          own.loss += sum(values[`penalties ${k}`], m * perMember + s * perStep, m * perMember + (s + 1) * perStep) / step.rows;
        });
        return own;
      });
      await batchEnd(s, scores);
    }
  }

  /** Undoes the last queued epoch of `steps` steps: parameters and moments from the snapshot. */
  private rollBack(steps: number): void {
    const encoder = this.device.createCommandEncoder({ label: 'roll back' });
    this.state.forEach((b, i) => encoder.copyBufferToBuffer(this.snapshot[i], 0, b, 0, b.size));
    this.device.queue.submit([encoder.finish()]);
    this.iterations -= steps;
  }
}

function identity(rows: number): Uint32Array {
  return Uint32Array.from({ length: rows }, (_, i) => i);
}
