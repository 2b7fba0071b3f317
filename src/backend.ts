import type { GPUMatrix, Matrix } from './matrix';

/** Data as a backend receives it: checked, on the CPU or (WebGPU only) on the device. */
export type Data = Matrix | GPUMatrix;
import type { Activation } from './model/activations';
import type { Loss } from './model/losses';
import type { Optimizer } from './model/optimizers';

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
}

/** What `fit` asks of a backend once its arguments are checked. */
export interface FitRequest<D extends Data = Data> {
  x: D;
  y: D;
  epochs: number;
  batchSize: number;
  /** The row order of the next epoch (identity when shuffle is off); called once per epoch, in order. */
  nextOrder(): Uint32Array;
  /** Called with each epoch's mean loss, in order; resolves true to stop training. */
  epochEnd(epoch: number, loss: number): Promise<boolean>;
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
  /** The mean loss over every row and output unit of `x`. */
  evaluate(x: Data, y: Data): Promise<number>;
  dispose(): void;
}
