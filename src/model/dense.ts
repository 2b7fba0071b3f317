import { invalid, positiveInteger } from '../errors';
import { type Activation, checkActivation } from './activations';

export interface DenseConfig {
  /** Number of neurons: the layer's output width. */
  units: number;
  /** 'sigmoid', 'relu' or 'linear' (the default, as in Keras). */
  activation?: Activation;
  /** Width of the input; needed only on the first layer, and there optional (the first fit sets it). */
  inputDim?: number;
  name?: string;
}

/** A fully connected layer: a = g(a_prev · W + b), with W the kernel [inputs × units] and b the bias [units]. */
export class Dense {
  readonly units: number;
  readonly activation: Activation;
  readonly inputDim: number | undefined;
  readonly name: string | undefined;

  constructor(config: DenseConfig) {
    if (config === null || typeof config !== 'object') throw invalid('Dense(config)', 'an object like { units: 25, activation: "sigmoid" }', config);
    this.units = positiveInteger('Dense({ units })', config.units);
    this.activation = checkActivation('Dense({ activation })', config.activation ?? 'linear');
    this.inputDim = config.inputDim === undefined ? undefined : positiveInteger('Dense({ inputDim })', config.inputDim);
    this.name = config.name === undefined ? undefined : String(config.name);
  }
}
