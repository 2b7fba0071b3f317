// fitDataset on the GPU: batches streamed through a ring of upload slots. The plan (plan.ts) is made once, at the
// first batch, over a "dataset" of SLOTS × capacity rows, the ring, in identity order: step s reads slot s. Batch k
// goes into slot k mod SLOTS, once batch k − SLOTS (the slot's last) has run, so that writing batch k+1 never waits
// for batch k: the CPU checks and writes the next batches while the device trains on this one, and at most SLOTS
// batches wait in the queue's staging memory. Each batch is one command buffer and one submit: its rows copied in
// (an app's GPU buffers) or written before it (queue.writeBuffer, from the CPU), its step, the reduction of its
// scores alone (the scores buffer is cleared first), and the copy of those sums into the batch's row of a results
// buffer. Nothing is read back until the epoch ends: then one more submit copies the results rows, the
// validation's and the weights into one buffer, and one map reads them. The epoch's scores are the sums of its
// batches' rows, which give the same loss and metrics as fit's pass over the same batches (metrics/sums.ts), and
// each batch's row gives its batch log. The plan has every member of the backend (a Sequential's one): the stream
// trains one, and the schedule tells the others' updates to leave them as they are (a ModelGroup member's fitDataset).
import type { Data, EpochLogs, Scored, Scores, StreamRequest } from '../backend';
import { WebGPUNNError } from '../errors';
import { epochOrder } from '../random';
import type { NetworkSpec } from '../spec';
import { checked } from './device';
import { BufferUsage, MapMode } from './flags';
import { bindingLimit } from './layout';
import type { DeviceMatrix } from './device-matrix';
import { Plan } from './plan';
import { Readback, type ReadbackSlot } from './readback';

/** Upload slots: batch k waits, before it is written, for batch k − SLOTS only. */
export const SLOTS = 3;

/** What a streamed fit needs of the backend whose weights it trains (gpu-backend.ts). */
export interface StreamHost {
  device: GPUDevice;
  /** The networks of the backend's members (a Sequential's one), all planned, and which of them the stream trains. */
  specs: NetworkSpec[];
  trains(member: number): boolean;
  parameters: (GPUBuffer | undefined)[];
  moments: (GPUBuffer | undefined)[];
  /** Steps trained so far: the next batch's step counter (dropout's masks) and, plus one, its optimizer iteration. */
  readonly iterations: number;
  /** Counts a step trained. */
  advance(): void;
  /** Encodes the copy of the state as the epoch begins, which callers see until the epoch completes. */
  snapshot(encoder: GPUCommandEncoder): void;
  /** Puts the state back as the epoch began, `steps` steps ago. */
  rollBack(steps: number): void;
  /** The epoch completed: its readback holds the weights at its end. */
  complete(values: Record<string, Float32Array>): void;
  /** The readback slots of every layer's parameters. */
  parameterSlots(): ReadbackSlot[];
  whileAlive<T>(work: Promise<T>): Promise<T>;
  /** An evaluation plan over rows uploaded once (fit's validation). */
  scoringPlan(rows: Scored & { batchSize?: number }): Promise<Plan>;
  /**
   * The trained member's scores of a pass over `rows` rows from the sums of its reductions (every member's results);
   * `evaluated`: with the penalties at the weights.
   */
  logs(plan: Plan, results: Float32Array | Float64Array, rows: number): Scores;
  evaluated(plan: Plan, results: Float32Array | Float64Array, rows?: number): Scores;
}

/**
 * The ring's inputs: the rows as batches bring them, not padded (the plan gathers rows that are not whole vec4s
 * into its batch buffer), in one buffer, or one per slot where the ring is larger than a binding.
 */
function ringInputs(device: GPUDevice, capacity: number, cols: number, where: string): DeviceMatrix {
  const slot = capacity * cols * 4;
  const limit = bindingLimit(device);
  if (slot > limit) throw new WebGPUNNError('INVALID_ARGUMENT', `${where} xs: expected batches of at most ${limit} bytes (this device's largest binding), got ${capacity} rows of ${cols} numbers`);
  const perBuffer = SLOTS * slot <= limit ? SLOTS : 1;
  const chunks = Array.from({ length: SLOTS / perBuffer }, (_, b) => {
    const size = perBuffer * slot;
    const buffer = device.createBuffer({ label: 'inputs ring', size: Math.ceil(size / 16) * 16, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    return { buffer, offset: 0, size, firstRow: b * perBuffer * capacity, rows: perBuffer * capacity };
  });
  return { chunks, rows: SLOTS * capacity, cols, stride: cols, owned: true };
}

/** `data` into `buffer` at `offset`: from the CPU, written in queue order before the next submit; from a GPU buffer, copied. */
function put(device: GPUDevice, encoder: GPUCommandEncoder, data: Data, buffer: GPUBuffer, offset: number): void {
  if ('data' in data) device.queue.writeBuffer(buffer, offset, data.data);
  else encoder.copyBufferToBuffer(data.buffer, 0, buffer, offset, data.shape[0] * data.shape[1] * 4);
}

/** A plan over a ring of upload slots, and each batch's sums over a pass. */
export class BatchRing {
  /** The rows of each batch of the pass. */
  readonly rows: number[] = [];
  /** Floats each batch keeps: every member's reductions' results (the sums, a curve's bins, then each penalty's share). */
  private readonly width: number;
  /** A row of `width` floats per batch of the pass; made larger (doubled) as a pass needs. */
  private results: GPUBuffer;
  /** When each slot's last batch was submitted without error and has run: the slot is written again only then. */
  private readonly free: Promise<unknown>[] = [];

  private constructor(
    private readonly device: GPUDevice,
    readonly plan: Plan,
    private readonly x: DeviceMatrix,
    private readonly y: GPUBuffer,
    private readonly label: string,
    private readonly trains: StreamHost['trains'],
  ) {
    this.width = plan.scores!.result.size / 4;
    this.results = this.resultsBuffer(64);
  }

  /**
   * A ring for batches like `first` (no later one has more rows), named `where` in errors: a training plan (of the
   * host's parameters and moments) or an evaluation of its parameters.
   */
  static async create(host: StreamHost, first: Scored, where: string, train: boolean): Promise<BatchRing> {
    const { device } = host;
    const [capacity, cols] = first.x.shape;
    const labels = first.y.shape[1];
    const rows = SLOTS * capacity;
    const x = ringInputs(device, capacity, cols, where);
    const y = device.createBuffer({ label: 'labels ring', size: Math.ceil((rows * labels) / 4) * 16, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST });
    const data = {
      x,
      y: { chunks: [{ buffer: y, offset: 0, size: rows * labels * 4, firstRow: 0, rows }], rows, cols: labels, stride: labels, owned: true },
      sampleWeight: first.sampleWeight && { shape: [rows, 1] as [number, number], data: new Float32Array(rows) },
      stepwise: true,
    };
    const plan = await Plan.create(device, train ? 'train' : 'evaluate', host.specs, host.parameters, data, capacity, train ? host.moments : undefined).catch((error) => {
      [...x.chunks.map((c) => c.buffer), y].forEach((b) => b.destroy());
      throw error;
    });
    plan.writeOrder(epochOrder(rows, false, Math.random));
    return new BatchRing(device, plan, x, y, where, host.trains);
  }

  /** Starts a pass. */
  begin(): void {
    this.rows.length = 0;
  }

  /**
   * Batch `index` of the pass, in its slot once the slot is free: its rows, its step's row count and (training) its
   * schedule as the step after `taken`, then one submit of `before` (the epoch's snapshot), its step, the reduction
   * of its scores and their copy into its row of the results.
   */
  async push(batch: Scored, index: number, taken: number, whileAlive: StreamHost['whileAlive'], before?: (encoder: GPUCommandEncoder) => void): Promise<void> {
    const slot = index % SLOTS;
    await whileAlive(this.free[slot] ?? Promise.resolve());
    const { device, plan } = this;
    const rows = batch.x.shape[0];
    const submitted = checked(device, `${this.label} batch ${index}`, () => {
      const encoder = device.createCommandEncoder({ label: `${this.label} batch ${index}` });
      before?.(encoder);
      this.write(encoder, batch, slot * plan.capacity);
      plan.setStepRows(slot, rows);
      if (plan.mode === 'train') plan.writeSchedule(taken, this.trains, slot);
      const { buffer, penalties, result } = plan.scores!;
      for (const b of [buffer, ...penalties.map((p) => p.buffer)]) encoder.clearBuffer(b);
      const pass = encoder.beginComputePass();
      plan.encodeStep(pass, slot);
      plan.encodeReductions(pass);
      pass.end();
      const bytes = this.width * 4;
      const retired = (index + 1) * bytes > this.results.size ? this.results : undefined;
      if (retired) {
        this.results = this.resultsBuffer(2 * (index + 1));
        encoder.copyBufferToBuffer(retired, 0, this.results, 0, index * bytes);
      }
      encoder.copyBufferToBuffer(result, 0, this.results, index * bytes, bytes);
      device.queue.submit([encoder.finish()]);
      retired?.destroy();
    });
    this.rows.push(rows);
    this.free[slot] = Promise.all([submitted, device.queue.onSubmittedWorkDone()]);
    // Awaited when the slot is next written or the pass ends; until then a failure must not count as unhandled.
    this.free[slot].catch(() => undefined);
  }

  /** Resolves once every batch submitted has run, or rejects with the first GPU error among them. */
  settled(): Promise<unknown> {
    return Promise.all(this.free);
  }

  /** The readback slot of the pass's results. */
  slot(name: string): ReadbackSlot {
    return { name, source: this.results, bytes: this.rows.length * this.width * 4 };
  }

  /** Each batch's results, from the pass's as read back. */
  batches(values: Float32Array): Float32Array[] {
    return this.rows.map((_, b) => values.subarray(b * this.width, (b + 1) * this.width));
  }

  /** The pass's results: the sums of its batches'. */
  sums(values: Float32Array): Float64Array {
    const sums = new Float64Array(this.width);
    for (const row of this.batches(values)) row.forEach((v, i) => (sums[i] += v));
    return sums;
  }

  /** Rows in the pass. */
  total(): number {
    return this.rows.reduce((sum, rows) => sum + rows, 0);
  }

  /** Destroys the plan, with the ring it owns, and the results. */
  destroy(): void {
    this.plan.destroy();
    this.results.destroy();
  }

  private resultsBuffer(batches: number): GPUBuffer {
    return this.device.createBuffer({ label: `${this.label} results`, size: Math.max(16, batches * this.width * 4), usage: BufferUsage.COPY_SRC | BufferUsage.COPY_DST });
  }

  /** A batch's inputs, labels and weights into the slot from ring row `row`. */
  private write(encoder: GPUCommandEncoder, { x, y, sampleWeight }: Scored, row: number): void {
    const chunk = this.x.chunks.find((c) => row >= c.firstRow && row < c.firstRow + c.rows)!;
    put(this.device, encoder, x, chunk.buffer, (row - chunk.firstRow) * this.x.stride * 4);
    put(this.device, encoder, y, this.y, row * y.shape[1] * 4);
    if (sampleWeight) {
      const { buffer, offset } = this.plan.sampleWeightAt(row);
      put(this.device, encoder, sampleWeight, buffer, offset);
    }
  }
}

/**
 * fitDataset's epochs on the GPU. Each epoch: every batch pushed through the training ring (the first with the
 * epoch's snapshot), the validation (rows uploaded once, or batches through an evaluation ring), then one submit
 * that copies out the results and the weights, and one map. An epoch that fails part-way (a bad batch, a GPU error)
 * is rolled back from the snapshot. The next epoch starts once this one has reported: its batches may depend on
 * what the callbacks did (a function source reads the model, say).
 */
export async function fitStream(host: StreamHost, { epochs, batches, validation, epochBegin, epochEnd, batchEnd }: StreamRequest): Promise<void> {
  // The training ring from the first batch, the validation's from its first, or its plan over rows.
  let train: BatchRing | undefined;
  let check: BatchRing | undefined;
  let rows: Plan | undefined;
  try {
    for (let epoch = 0; epoch < epochs; epoch++) {
      await epochBegin?.(epoch);
      const validates = validation !== undefined && validation.freq(epoch);
      let steps = 0;
      let values: Record<string, Float32Array>;
      try {
        for await (const batch of batches(epoch)) {
          train ??= await BatchRing.create(host, batch, 'fitDataset(source)', true);
          if (steps === 0) train.begin();
          await train.push(batch, steps, host.iterations, host.whileAlive, steps === 0 ? host.snapshot : undefined);
          host.advance();
          steps++;
        }
        if (steps === 0 || !train) return;
        if (validates && 'batches' in validation) {
          let index = 0;
          for await (const batch of validation.batches(epoch)) {
            check ??= await BatchRing.create(host, batch, 'fitDataset({ validationData })', false);
            if (index === 0) check.begin();
            await check.push(batch, index++, 0, host.whileAlive);
          }
        } else if (validates) rows ??= await host.scoringPlan(validation as Scored & { batchSize?: number });
        values = await readEpoch(host, epoch, train, validates ? (check ?? rows) : undefined);
      } catch (error) {
        if (steps > 0) host.rollBack(steps);
        throw error;
      }
      host.complete(values);
      const results = train.batches(values.batches);
      if (batchEnd) for (const [b, result] of results.entries()) await batchEnd(b, host.logs(train.plan, result, train.rows[b]));
      const logs: EpochLogs = host.logs(train.plan, train.sums(values.batches), train.total());
      if (validates) {
        const scores = check ? host.evaluated(check.plan, check.sums(values.validation), check.total()) : host.evaluated(rows!, values.validation);
        for (const [key, value] of Object.entries(scores)) logs[`val_${key}`] = value;
      }
      if (await epochEnd(epoch, logs)) break;
    }
  } finally {
    // Whatever was submitted runs to its end before its buffers go.
    await Promise.allSettled([train, check].map((ring) => ring && host.whileAlive(ring.settled())));
    train?.destroy();
    check?.destroy();
    rows?.destroy();
  }
}

/**
 * The epoch's one readback: every batch's results, the validation's (its batches', or the reductions of its plan over
 * rows, run here) and the weights at the epoch's end, in one submit and one map.
 */
async function readEpoch(host: StreamHost, epoch: number, train: BatchRing, validation: BatchRing | Plan | undefined): Promise<Record<string, Float32Array>> {
  const { device } = host;
  const readback = new Readback([
    ...host.parameterSlots(),
    train.slot('batches'),
    ...(validation instanceof BatchRing ? [validation.slot('validation')] : validation ? [{ name: 'validation', source: validation.scores!.result }] : []),
  ]);
  const target = readback.buffer(device, 'epoch readback');
  try {
    const submitted = checked(device, `epoch ${epoch}`, () => {
      const encoder = device.createCommandEncoder({ label: `epoch ${epoch}` });
      if (validation instanceof Plan) validation.encodePass(encoder);
      readback.encode(encoder, target);
      device.queue.submit([encoder.finish()]);
    });
    const rings = [train, ...(validation instanceof BatchRing ? [validation] : [])].map((ring) => ring.settled());
    await host.whileAlive(Promise.all([...rings, submitted, target.mapAsync(MapMode.READ)]));
    const values = readback.read(target.getMappedRange().slice(0));
    target.unmap();
    return values;
  } finally {
    target.destroy();
  }
}
