// fitDataset's data: batches { xs, ys } or { xs, ys, sampleWeight } from an iterable, an async iterable, or a
// function that returns a new one for each epoch (as a TF.js Dataset's iterator() starts a new pass). Each batch is
// checked as it arrives. The first batch of a run sizes what the backend allocates, so no later batch may have more
// rows; any batch may have fewer (the last one of a pass, say).
import type { Scored } from '../backend';
import { WebGPUNNError, invalid, positiveInteger } from '../errors';
import type { GPUMatrix, MatrixLike } from '../matrix';
import { type SharedOptions, type TrainingOptions, parseTrainingOptions } from './fit-options';
import type { SampleWeightLike } from './sample-weights';

/** One batch: rows of inputs, their labels and, optionally, a weight per row. */
export interface Batch<D = MatrixLike | GPUMatrix> {
  xs: D;
  ys: D;
  sampleWeight?: SampleWeightLike;
}

export type BatchIterable<D = MatrixLike | GPUMatrix> = Iterable<Batch<D>> | AsyncIterable<Batch<D>>;

/** Batches to train on: an iterable (an array, a generator), an async iterable, or a function giving one per epoch. */
export type BatchSource<D = MatrixLike | GPUMatrix> = BatchIterable<D> | (() => BatchIterable<D> | Promise<BatchIterable<D>>);

export interface FitDatasetOptions<D = MatrixLike | GPUMatrix> extends SharedOptions {
  /**
   * Batches per epoch. Without it an epoch is one pass over the source (a new iterator of it, or a new call of a
   * function source, each epoch); with it an iterable's one iterator runs on across epochs, so that an endless
   * generator trains, and a function source is called each epoch and read for that many batches.
   */
  batchesPerEpoch?: number;
  /** [x, y] or [x, y, sampleWeight] as fit takes it, or a source of batches, scored after each epoch. */
  validationData?: [D, D] | [D, D, SampleWeightLike] | BatchSource<D>;
  /** Validation batches per epoch from a validation source (as batchesPerEpoch for the training's). Default: a pass. */
  validationBatches?: number;
  /** Rows per step of the validation pass of [x, y] (memory, not results). Default: as many as the backend likes. */
  validationBatchSize?: number;
}

export interface ParsedDatasetOptions<D> extends TrainingOptions {
  batchesPerEpoch: number | undefined;
  validationData: [D, D] | [D, D, SampleWeightLike] | BatchSource<D> | undefined;
  validationBatches: number | undefined;
  validationBatchSize: number | undefined;
}

export function parseDatasetOptions<D>(options: FitDatasetOptions<D>): ParsedDatasetOptions<D> {
  if (options === null || typeof options !== 'object') throw invalid('fitDataset(source, options)', 'an object like { epochs, batchesPerEpoch }', options);
  const optional = (name: keyof FitDatasetOptions, value: unknown) => (value === undefined ? undefined : positiveInteger(`fitDataset({ ${name} })`, value));
  return {
    ...parseTrainingOptions('fitDataset', options),
    batchesPerEpoch: optional('batchesPerEpoch', options.batchesPerEpoch),
    validationData: options.validationData,
    validationBatches: optional('validationBatches', options.validationBatches),
    validationBatchSize: optional('validationBatchSize', options.validationBatchSize),
  };
}

/** Whether validationData is rows ([x, y] or [x, y, sampleWeight]) rather than a source of batches. */
export function isRows<D>(value: ParsedDatasetOptions<D>['validationData']): value is [D, D] | [D, D, SampleWeightLike] {
  const first: unknown = Array.isArray(value) ? value[0] : undefined;
  return Array.isArray(value) && (value.length === 2 || value.length === 3) && !(first !== null && typeof first === 'object' && 'xs' in first);
}

/** Checks a batch as the model takes it, naming `where` (e.g. 'fitDataset(source) epoch 0 batch 3'). */
export type BatchCheck = (batch: Batch<unknown>, where: string) => Scored;

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

function iterable(value: unknown): value is BatchIterable<unknown> {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return false;
  const v = value as { [Symbol.iterator]?: unknown; [Symbol.asyncIterator]?: unknown };
  return typeof v[Symbol.asyncIterator] === 'function' || typeof v[Symbol.iterator] === 'function';
}

function iteratorOf(value: BatchIterable<unknown>): AnyIterator {
  const v = value as AsyncIterable<unknown> & Iterable<unknown>;
  return typeof v[Symbol.asyncIterator] === 'function' ? v[Symbol.asyncIterator]() : v[Symbol.iterator]();
}

/**
 * A source's batches, epoch by epoch, checked. `limit` batches make an epoch (batchesPerEpoch), else a pass. Training
 * batches (`training`) end the run quietly, with a warning, where a limited source runs out, as TF.js does; an epoch
 * of a pass without batches, or a validation without any, is an error.
 */
export class BatchStream {
  /** Batches and rows of the epoch read last. */
  count = 0;
  rows = 0;
  /** Whether the source ran out before `limit` batches: training ends with this epoch. */
  exhausted = false;
  /** The first batch's rows (no later batch has more) and whether it carried sample weights (every batch must alike). */
  private capacity: number | undefined;
  private weighted = false;
  /** An iterable's iterator, which runs on across epochs when they are `limit` batches each. */
  private running: AnyIterator | undefined;
  private peeked: { epoch: number; batch: Scored; iterator: AnyIterator } | undefined;
  private passes = 0;

  constructor(
    private readonly argument: string,
    private readonly source: unknown,
    private readonly limit: number | undefined,
    private readonly check: BatchCheck,
    private readonly training: boolean,
  ) {
    if (typeof source !== 'function' && !iterable(source)) {
      throw invalid(argument, 'an iterable or async iterable of batches { xs, ys }, or a function that returns one', source);
    }
  }

  /** The first batch of epoch `epoch`, read ahead (its width builds the model); `epoch(epoch)` yields it first. */
  async first(epoch: number): Promise<Scored> {
    const iterator = await this.open(epoch);
    const batch = await this.read(iterator, epoch, 0);
    if (batch === undefined) throw this.empty(epoch, this.passes > 0);
    this.peeked = { epoch, batch, iterator };
    return batch;
  }

  /** The checked batches of epoch `epoch`. */
  async *epoch(epoch: number): AsyncGenerator<Scored> {
    [this.count, this.rows] = [0, 0];
    const peeked = this.peeked?.epoch === epoch ? this.peeked : undefined;
    this.peeked = undefined;
    const iterator = peeked?.iterator ?? (await this.open(epoch));
    const earlier = this.passes++ > 0;
    let done = false;
    try {
      for (let index = 0; this.limit === undefined || index < this.limit; index++) {
        const batch = index === 0 && peeked ? peeked.batch : await this.read(iterator, epoch, index);
        if (batch === undefined) {
          done = true;
          break;
        }
        this.count++;
        this.rows += batch.x.shape[0];
        yield batch;
      }
    } finally {
      // A pass's iterator (a function's, or a new one of an iterable) ends with its epoch.
      if (iterator !== this.running && !done) await iterator.return?.();
    }
    if (!done || !(this.training && this.limit !== undefined)) {
      if (this.count === 0) throw this.empty(epoch, earlier);
      return;
    }
    // A limited source that runs out ends training: after this epoch, or at once where it has no batch.
    if (this.count === 0 && !earlier) throw this.empty(epoch, false);
    this.exhausted = true;
    console.warn(`webgpu-nn: ${this.argument} ran out of batches after ${this.count} of epoch ${epoch} (batchesPerEpoch ${this.limit}): training ends${this.count > 0 ? ' with this epoch' : ''}`);
  }

  /** Closes the iterators still open: one read ahead, one that ran across epochs. */
  async close(): Promise<void> {
    const open = new Set([this.peeked?.iterator, this.running]);
    [this.peeked, this.running] = [undefined, undefined];
    for (const iterator of open) await iterator?.return?.();
  }

  /** The iterator an epoch reads: a function's new one, an iterable's running one (limited epochs) or a new one. */
  private async open(epoch: number): Promise<AnyIterator> {
    if (typeof this.source === 'function') {
      const made: unknown = await (this.source as () => unknown)();
      if (!iterable(made)) throw invalid(`${this.argument}() for epoch ${epoch}`, 'an iterable or async iterable of batches { xs, ys }', made);
      return iteratorOf(made);
    }
    if (this.limit === undefined) return iteratorOf(this.source as BatchIterable<unknown>);
    return (this.running ??= iteratorOf(this.source as BatchIterable<unknown>));
  }

  /** The next batch, checked; undefined where the iterator is done. */
  private async read(iterator: AnyIterator, epoch: number, index: number): Promise<Scored | undefined> {
    const where = `${this.argument} epoch ${epoch} batch ${index}`;
    const next = (await iterator.next()) as IteratorResult<unknown> | undefined;
    if (next === null || typeof next !== 'object') throw invalid(`${where}: the iterator's next()`, 'an object { value, done }', next);
    if (next.done) return undefined;
    const raw: unknown = await next.value;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(where, 'a batch { xs, ys } or { xs, ys, sampleWeight }', raw);
    const batch = this.check(raw as Batch<unknown>, where);
    const rows = batch.x.shape[0];
    if (this.capacity === undefined) [this.capacity, this.weighted] = [rows, batch.sampleWeight !== undefined];
    if (rows > this.capacity) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${where} xs: expected at most ${this.capacity} rows (the first batch's, which sized the buffers), got ${rows}`);
    }
    if ((batch.sampleWeight !== undefined) !== this.weighted) {
      const expected = this.weighted ? 'a weight per row, as the first batch had' : 'none, as the first batch had none';
      throw invalid(`${where} sampleWeight`, expected, (raw as Batch<unknown>).sampleWeight);
    }
    return batch;
  }

  /** No batch in epoch `epoch`; after `earlier` epochs that had some, most likely an iterator read twice. */
  private empty(epoch: number, earlier: boolean): WebGPUNNError {
    const hint = earlier ? ' (an iterator is used up after one pass: give a function that returns a new one per epoch, or batchesPerEpoch)' : '';
    return new WebGPUNNError('INVALID_ARGUMENT', `${this.argument}: expected at least one batch in epoch ${epoch}, got none${hint}`);
  }
}
