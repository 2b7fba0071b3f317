import type { EpochLogs, Scores } from '../backend';
import { Callback } from '../callbacks/callback';
import { invalid, positiveInteger } from '../errors';
import type { MatrixLike } from '../matrix';
import type { ClassWeight, SampleWeightLike } from './sample-weights';

export interface FitOptions<D = MatrixLike> {
  /** The epoch to end at: fit trains epochs − initialEpoch passes over the data. Default 1. */
  epochs?: number;
  /** The epoch to start at (to resume an earlier run): history and callbacks count from it. Default 0. */
  initialEpoch?: number;
  /** Rows per gradient-descent step; the last batch of an epoch may be smaller. Default 32. */
  batchSize?: number;
  /** Visit the rows in a new seeded random order each epoch. Default true. */
  shuffle?: boolean;
  /** A weight per row: each row's loss (and weighted metrics) count that many times. Not with classWeight. */
  sampleWeight?: SampleWeightLike;
  /** A weight per class index: each training row weighs its label's class's weight (1 for a class not named). */
  classWeight?: ClassWeight;
  /** [x, y] or [x, y, sampleWeight] scored after each epoch: val_loss (and val_accuracy). */
  validationData?: [D, D] | [D, D, SampleWeightLike];
  /** The fraction of rows, taken from the end before any shuffling, held out as validation data (Keras). */
  validationSplit?: number;
  /** Validate after every this many epochs (the n-th, 2n-th, ... counting from 1). Default 1. */
  validationFreq?: number;
  /** Rows per step of the validation pass (memory, not results). Default: as many as the backend likes. */
  validationBatchSize?: number;
  /** EarlyStopping, ReduceLROnPlateau, LearningRateScheduler, TerminateOnNaN, or your own Callback subclasses, called in order. */
  callbacks?: Callback[];
  /** 1 or 2: in Node and Deno, a Keras progress line after each epoch (2: without the bar); browsers print nothing. Default 0. */
  verbose?: 0 | 1 | 2;
  /** Called after each epoch with its logs; may return a promise. Set `model.stopTraining = true` in it to stop. */
  onEpochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>;
  /**
   * Called after each batch with its loss (and accuracy), taken before the batch's update. On WebGPU the calls
   * for an epoch come together when its one readback arrives, so asking for them costs no readback per step.
   */
  onBatchEnd?: (batch: number, logs: Scores) => void | Promise<void>;
}

/**
 * Each epoch's logs, column by column, in Keras's names: `loss` (the row-weighted mean of the epoch's batch losses,
 * each taken before its update), the metrics (`accuracy`), and the validation's (`val_loss`, `val_accuracy`).
 */
export interface History {
  epoch: number[];
  loss: number[];
  [column: string]: number[];
}

/** The options that fit and fitDataset share. */
export type SharedOptions = Pick<FitOptions<unknown>, 'epochs' | 'initialEpoch' | 'validationFreq' | 'callbacks' | 'verbose' | 'onEpochEnd' | 'onBatchEnd'>;

/** The options that fit and fitDataset share, checked. */
export interface TrainingOptions {
  epochs: number;
  initialEpoch: number;
  validationFreq: number;
  callbacks: Callback[];
  verbose: 0 | 1 | 2;
  onEpochEnd: FitOptions['onEpochEnd'];
  onBatchEnd: FitOptions['onBatchEnd'];
}

export interface ParsedFitOptions<D> extends TrainingOptions {
  batchSize: number;
  shuffle: boolean;
  sampleWeight: unknown;
  classWeight: unknown;
  validationData: [D, D] | [D, D, SampleWeightLike] | undefined;
  validationSplit: number;
  validationBatchSize: number | undefined;
}

function callback<T>(argument: string, value: T | undefined): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw invalid(argument, 'a function (index, logs) => void', value);
  return value;
}

/** Checks the options fit and fitDataset (`call`) share: the epochs, the validation's frequency, the callbacks, verbose. */
export function parseTrainingOptions(call: string, options: SharedOptions): TrainingOptions {
  const epochs = options.epochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw invalid(`${call}({ epochs })`, 'a non-negative integer', epochs);
  const initialEpoch = options.initialEpoch ?? 0;
  if (!Number.isInteger(initialEpoch) || initialEpoch < 0 || initialEpoch > epochs) {
    throw invalid(`${call}({ initialEpoch })`, `an integer in [0, epochs = ${epochs}]`, initialEpoch);
  }
  const callbacks = options.callbacks ?? [];
  if (!Array.isArray(callbacks)) throw invalid(`${call}({ callbacks })`, 'an array of callbacks (new EarlyStopping(), ...)', callbacks);
  callbacks.forEach((c, i) => {
    if (!(c instanceof Callback)) throw invalid(`${call}({ callbacks })[${i}]`, 'a Callback (new EarlyStopping(), a subclass of Callback)', c);
  });
  const verbose = options.verbose ?? 0;
  if (verbose !== 0 && verbose !== 1 && verbose !== 2) throw invalid(`${call}({ verbose })`, '0, 1 or 2', verbose);
  return {
    epochs,
    initialEpoch,
    validationFreq: positiveInteger(`${call}({ validationFreq })`, options.validationFreq ?? 1),
    callbacks,
    verbose,
    onEpochEnd: callback(`${call}({ onEpochEnd })`, options.onEpochEnd),
    onBatchEnd: callback(`${call}({ onBatchEnd })`, options.onBatchEnd),
  };
}

export function parseFitOptions<D>(options: FitOptions<D>): ParsedFitOptions<D> {
  if (options === null || typeof options !== 'object') throw invalid('fit(x, y, options)', 'an object like { epochs, batchSize }', options);
  const training = parseTrainingOptions('fit', options);
  const shuffle = options.shuffle ?? true;
  if (typeof shuffle !== 'boolean') throw invalid('fit({ shuffle })', 'true or false', shuffle);
  const validationData = options.validationData;
  if (validationData !== undefined && (!Array.isArray(validationData) || (validationData.length !== 2 && validationData.length !== 3))) {
    throw invalid('fit({ validationData })', '[x, y] or [x, y, sampleWeight]', validationData);
  }
  if (options.sampleWeight !== undefined && options.classWeight !== undefined) {
    throw invalid('fit({ classWeight })', 'no classWeight beside sampleWeight (give one or the other)', options.classWeight);
  }
  const validationSplit = options.validationSplit ?? 0;
  if (typeof validationSplit !== 'number' || !(validationSplit >= 0 && validationSplit < 1)) {
    throw invalid('fit({ validationSplit })', 'a fraction in [0, 1)', validationSplit);
  }
  return {
    ...training,
    batchSize: positiveInteger('fit({ batchSize })', options.batchSize ?? 32),
    shuffle,
    sampleWeight: options.sampleWeight,
    classWeight: options.classWeight,
    validationData,
    validationSplit,
    validationBatchSize: options.validationBatchSize === undefined ? undefined : positiveInteger('fit({ validationBatchSize })', options.validationBatchSize),
  };
}

/** Whether the run's epoch `index` (counted from initialEpoch) validates: every validationFreq-th, counting from 1. */
export function validationEpochs(o: TrainingOptions): (index: number) => boolean {
  return (index) => (o.initialEpoch + index + 1) % o.validationFreq === 0;
}

/** What a fit over `rows` rows tells its callbacks of each epoch (params.steps, params.samples). */
export function epochSize(o: ParsedFitOptions<unknown>, rows: number): { steps: number; samples: number } {
  return { steps: Math.ceil(rows / o.batchSize), samples: rows };
}

/** Appends an epoch's logs to the history, creating the columns the logs have. */
export function record(history: History, epoch: number, logs: EpochLogs): void {
  history.epoch.push(epoch);
  for (const [key, value] of Object.entries(logs)) (history[key] ??= []).push(value);
}

/** The first `split` rows and the rest of a row-major matrix, without copying. */
export function splitRows(m: { shape: [number, number]; data: Float32Array }, split: number) {
  const [rows, cols] = m.shape;
  return [
    { shape: [split, cols] as [number, number], data: m.data.subarray(0, split * cols) },
    { shape: [rows - split, cols] as [number, number], data: m.data.subarray(split * cols) },
  ];
}
