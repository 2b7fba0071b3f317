// The Dense layer as users write it: Keras's argument names and defaults.
import { type ActivationName, activationNames } from '../../activations/activations';
import { invalid, positiveInteger } from '../../errors';
import { type Regularizer, type RegularizerSpec, checkRegularizer } from '../../regularizers';
import { Layer, type SpecContext } from '../../model/layer';
import { glorotUniform } from '../../random';
import type { DenseSpec } from './definition';

export interface DenseConfig {
  /** Number of neurons: the layer's output width. */
  units: number;
  /** 'sigmoid', 'relu', 'tanh', 'softmax' or 'linear' (the default, as in Keras). */
  activation?: ActivationName;
  /** Width of the input; needed only on the first layer, and there optional (the first fit sets it). */
  inputDim?: number;
  /** The same as Keras and TF.js write it: [inputDim]. */
  inputShape?: [number];
  /** Whether to add a bias (Keras's use_bias). Default true. */
  useBias?: boolean;
  /** A penalty on the kernel's weights added to the loss: regularizers.l2({ l2: 0.01 }), 'l2', .... */
  kernelRegularizer?: Regularizer;
  /** A penalty on the bias. */
  biasRegularizer?: Regularizer;
  name?: string;
}

export function checkActivation(argument: string, value: unknown): ActivationName {
  if (!activationNames.includes(value as ActivationName)) throw invalid(argument, `one of ${activationNames.map((a) => `'${a}'`).join(', ')}`, value);
  return value as ActivationName;
}

/** A fully connected layer: a = g(a_prev · W + b), with W the kernel [inputs × units] and b the bias [units]. */
export class Dense extends Layer {
  readonly kind = 'dense';
  readonly className = 'Dense';
  readonly units: number;
  declare readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelRegularizer: RegularizerSpec | undefined;
  readonly biasRegularizer: RegularizerSpec | undefined;

  constructor(config: DenseConfig) {
    if (config === null || typeof config !== 'object') throw invalid('Dense(config)', 'an object like { units: 25, activation: "sigmoid" }', config);
    const units = positiveInteger('Dense({ units })', config.units);
    const activation = checkActivation('Dense({ activation })', config.activation ?? 'linear');
    const useBias = config.useBias ?? true;
    if (typeof useBias !== 'boolean') throw invalid('Dense({ useBias })', 'true or false', useBias);
    const kernelRegularizer = checkRegularizer('Dense({ kernelRegularizer })', config.kernelRegularizer);
    const biasRegularizer = checkRegularizer('Dense({ biasRegularizer })', config.biasRegularizer);
    super({ name: config.name, activation, inputDim: Layer.inputWidth('Dense', config) });
    this.units = units;
    this.useBias = useBias;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
  }

  outputWidth(): number {
    return this.units;
  }

  spec(inputs: number, { name }: SpecContext): DenseSpec {
    const { units, activation, useBias, kernelRegularizer, biasRegularizer } = this;
    return { kind: 'dense', name, inputs, units, activation, useBias, kernelRegularizer, biasRegularizer };
  }

  /** Glorot-uniform kernel and zero bias (Keras's defaults). */
  initialWeights({ inputs, units, useBias }: DenseSpec, random: () => number): Float32Array[] {
    return [glorotUniform(inputs, units, random), ...(useBias ? [new Float32Array(units)] : [])];
  }
}
