import type { GPUMatrix, Matrix } from './matrix';
import type { TuningTable } from './runtime/tuning-table';

export type { NetworkSpec } from './spec';

/** Data as a backend receives it: checked, on the CPU or (WebGPU only) on the device. */
export type Data = Matrix | GPUMatrix;

/** A loss and the metrics the compile asked for, by their names in the history: of a batch, an epoch or an evaluation. */
export interface Scores {
  loss: number;
  [metric: string]: number;
}

/** What an epoch reports, in Keras's names: the scores, and the validation's as val_loss, val_accuracy, .... */
export type EpochLogs = Scores;

/** Rows to score: inputs, labels, and each row's sample weight ([rows × 1]; 1 for every row when absent). */
export interface Scored<D extends Data = Data> {
  x: D;
  y: D;
  sampleWeight?: D;
}

/** What a training run asks of a backend besides its data: how many epochs, and what to call at their points. */
export interface TrainingHooks {
  epochs: number;
  /**
   * Where callbacks act at the beginning of epochs: called before each epoch is queued, and so, after the first,
   * once the epoch before has ended and reported (which keeps the GPU from queueing ahead).
   */
  epochBegin?(epoch: number): Promise<void>;
  /** Called with each epoch's logs, in order; resolves true to stop training. */
  epochEnd(epoch: number, logs: EpochLogs): Promise<boolean>;
  /** Called with each batch's scores, in order, when the caller asked for them. */
  batchEnd?(batch: number, scores: Scores): Promise<void>;
}

/** What `fit` asks of a backend once its arguments are checked. */
export interface FitRequest<D extends Data = Data> extends Scored<D>, TrainingHooks {
  /** Scored after each epoch that `validationFreq` names, as `evaluate` would, `validationBatchSize` rows per step. */
  validation?: Scored<D> & { batchSize?: number; freq: (epoch: number) => boolean };
  batchSize: number;
  /**
   * The row order of the next epoch (identity when shuffle is off: the same array every epoch, never changed);
   * called once per epoch, in order.
   */
  nextOrder(): Uint32Array;
}

/**
 * What `fitDataset` asks of a backend: the batches of each epoch, each checked as it arrives. No batch has more rows
 * than the first of the run, which sizes what the backend allocates.
 */
export interface StreamRequest<D extends Data = Data> extends TrainingHooks {
  /** The batches of an epoch, in order; called once per epoch. An epoch that yields no batch ends training, unreported. */
  batches(epoch: number): AsyncIterable<Scored<D>>;
  /** Scored after each epoch that `freq` names: rows, as fit's validation, or batches, as the training's. */
  validation?: ((Scored<D> & { batchSize?: number }) | { batches(epoch: number): AsyncIterable<Scored<D>> }) & { freq: (epoch: number) => boolean };
}

/**
 * A place where a network's weights live and train: the CPU reference or the WebGPU runtime.
 * Arguments arrive checked; weights are in Keras order, layer after layer ([kernel1, bias1, kernel2, bias2, ...]).
 */
export interface Backend {
  readonly name: 'cpu' | 'webgpu';
  /** The adapter that runs the model, for display ('swiftshader (fallback)'); undefined on the CPU. */
  readonly adapterInfo: string | undefined;
  getWeights(): Promise<Float32Array[]>;
  setWeights(weights: Float32Array[]): Promise<void>;
  fit(request: FitRequest): Promise<void>;
  /** Trains on batches as they come (fitDataset). */
  fitStream(request: StreamRequest): Promise<void>;
  /** The outputs for the rows of x, `batchSize` rows per step (default: as many as the backend likes). */
  predict(x: Data, batchSize?: number): Promise<Matrix>;
  /** The outputs written into `into` on the device, nothing read back; WebGPU only. */
  predictInto?(x: Data, into: GPUBuffer, batchSize?: number): Promise<GPUMatrix>;
  /** The loss over the rows (Σ w · L ÷ rows), and the metrics the compile asked for. */
  evaluate(data: Scored, batchSize?: number): Promise<Scores>;
  /** What one training step at this batch size runs, one line per dispatch. */
  describeTrainingStep(batchSize: number): Promise<string>;
  /** The matmul kernels chosen by timing them, by product, where the model tunes them (WebGPU only). */
  tuning?(): TuningTable | undefined;
  dispose(): void;
}

/** Rows every member of a group scores: shared inputs and labels, and sample weights for all or one set per member. */
export interface GroupScored<D extends Data = Data> {
  x: D;
  y: D;
  sampleWeight?: D | D[];
}

/** What a group's `fit` asks of a backend: `FitRequest`, with each member's logs and whether it goes on. */
export interface GroupFitRequest<D extends Data = Data> extends GroupScored<D> {
  validation?: GroupScored<D> & { batchSize?: number; freq: (epoch: number) => boolean };
  epochs: number;
  batchSize: number;
  /**
   * The next epoch's order for every member, or each member's own (`ownOrders`); without shuffling the same array
   * every epoch, never changed.
   */
  nextOrder(): Uint32Array | Uint32Array[];
  ownOrders: boolean;
  /** Which members this fit trains (default: all); the others stay as they are. */
  training?: boolean[];
  epochBegin?(epoch: number): Promise<void>;
  /**
   * Each member's logs of the epoch (undefined for a member that no longer trains); resolves which members stop
   * after it. Training ends when none goes on.
   */
  epochEnd(epoch: number, logs: (EpochLogs | undefined)[]): Promise<boolean[]>;
  batchEnd?(batch: number, scores: (Scores | undefined)[]): Promise<void>;
}

/**
 * Members of one structure trained side by side: on WebGPU in the same dispatches (runtime/gpu-backend.ts), on the
 * CPU one after another (reference/cpu-group.ts). A Sequential on WebGPU is a group of one.
 */
export interface GroupBackend {
  readonly name: 'cpu' | 'webgpu';
  readonly adapterInfo: string | undefined;
  readonly size: number;
  getWeights(member: number): Promise<Float32Array[]>;
  setWeights(member: number, weights: Float32Array[]): Promise<void>;
  fit(request: GroupFitRequest): Promise<void>;
  /** fitDataset's batches, training `member` alone; the others stay as they are. */
  fitStream(member: number, request: StreamRequest): Promise<void>;
  /** Each member's outputs for the rows of x. */
  predict(x: Data, batchSize?: number): Promise<Matrix[]>;
  /** Each member's scores. */
  evaluate(data: GroupScored, batchSize?: number): Promise<Scores[]>;
  describeTrainingStep(batchSize: number): Promise<string>;
  /** The matmul kernels chosen by timing them, by product, where the group tunes them (WebGPU only). */
  tuning?(): TuningTable | undefined;
  dispose(): void;
}
