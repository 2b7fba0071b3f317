import type { GPUMatrix, Matrix } from './matrix';
import type { Activation } from './model/activations';
import type { Loss } from './model/losses';
import type { AccuracyKind } from './model/metrics';
import type { Optimizer } from './model/optimizers';

/** Data as a backend receives it: checked, on the CPU or (WebGPU only) on the device. */
export type Data = Matrix | GPUMatrix;

/** One Dense layer as the backends see it: kernel [inputs × units], bias [units]. */
export interface LayerSpec {
  inputs: number;
  units: number;
  activation: Activation;
}

export interface NetworkSpec {
  layers: LayerSpec[];
  loss: Loss;
  optimizer: Optimizer;
  /** Set when compile asked for metrics: ['accuracy']. */
  accuracy?: AccuracyKind;
}

/** A loss and, when compiled with metrics, an accuracy: of a batch, an epoch or an evaluation. */
export interface Scores {
  loss: number;
  accuracy?: number;
}

/** What an epoch reports, in Keras's names. */
export interface EpochLogs extends Scores {
  val_loss?: number;
  val_accuracy?: number;
}

/** What `fit` asks of a backend once its arguments are checked. */
export interface FitRequest<D extends Data = Data> {
  x: D;
  y: D;
  /** Scored after each epoch, as `evaluate` would. */
  validation?: { x: D; y: D };
  epochs: number;
  batchSize: number;
  /** The row order of the next epoch (identity when shuffle is off); called once per epoch, in order. */
  nextOrder(): Uint32Array;
  /** Called with each epoch's logs, in order; resolves true to stop training. */
  epochEnd(epoch: number, logs: EpochLogs): Promise<boolean>;
  /** Called with each batch's scores, in order, when the caller asked for them. */
  batchEnd?(batch: number, scores: Scores): Promise<void>;
}

/**
 * A place where a network's weights live and train: the CPU reference or the WebGPU runtime.
 * Arguments arrive checked; weights are in Keras order [kernel1, bias1, kernel2, bias2, ...].
 */
export interface Backend {
  readonly name: 'cpu' | 'webgpu';
  /** The adapter that runs the model, for display ('swiftshader (fallback)'); undefined on the CPU. */
  readonly adapterInfo: string | undefined;
  getWeights(): Promise<Float32Array[]>;
  setWeights(weights: Float32Array[]): Promise<void>;
  fit(request: FitRequest): Promise<void>;
  predict(x: Data): Promise<Matrix>;
  /** The mean loss over the rows of `x` (and the accuracy when compiled with metrics). */
  evaluate(x: Data, y: Data): Promise<Scores>;
  dispose(): void;
}
