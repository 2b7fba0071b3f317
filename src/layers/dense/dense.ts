// The Dense layer as users write it: Keras's argument names and defaults.
import { type ActivationName, activationNames } from '../../activations/activations';
import { invalid, positiveInteger } from '../../errors';
import { type Regularizer, type RegularizerSpec, checkRegularizer } from '../../regularizers';
import { Layer, type SpecContext } from '../../model/layer';
import { type Initializer, type InitializerSpec, checkInitializer, initialValues } from '../../initializers';
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
  /** The kernel's initial values: 'glorotUniform' (the default), 'heNormal', initializers.heNormal({ seed }), .... */
  kernelInitializer?: Initializer;
  /** The bias's initial values. Default 'zeros'. */
  biasInitializer?: Initializer;
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
  readonly kernelInitializer: InitializerSpec;
  readonly biasInitializer: InitializerSpec;

  constructor(config: DenseConfig) {
    if (config === null || typeof config !== 'object') throw invalid('Dense(config)', 'an object like { units: 25, activation: "sigmoid" }', config);
    const units = positiveInteger('Dense({ units })', config.units);
    const activation = checkActivation('Dense({ activation })', config.activation ?? 'linear');
    const useBias = config.useBias ?? true;
    if (typeof useBias !== 'boolean') throw invalid('Dense({ useBias })', 'true or false', useBias);
    const kernelRegularizer = checkRegularizer('Dense({ kernelRegularizer })', config.kernelRegularizer);
    const biasRegularizer = checkRegularizer('Dense({ biasRegularizer })', config.biasRegularizer);
    const kernelInitializer = checkInitializer('Dense({ kernelInitializer })', config.kernelInitializer, 'glorotUniform');
    const biasInitializer = checkInitializer('Dense({ biasInitializer })', config.biasInitializer, 'zeros');
    super({ name: config.name, activation, inputDim: Layer.inputWidth('Dense', config) });
    this.units = units;
    this.useBias = useBias;
    this.kernelRegularizer = kernelRegularizer;
    this.biasRegularizer = biasRegularizer;
    this.kernelInitializer = kernelInitializer;
    this.biasInitializer = biasInitializer;
  }

  outputWidth(): number {
    return this.units;
  }

  spec(inputs: number, { name }: SpecContext): DenseSpec {
    const { units, activation, useBias, kernelRegularizer, biasRegularizer } = this;
    return { kind: 'dense', name, inputs, units, activation, useBias, kernelRegularizer, biasRegularizer };
  }

  /** The kernel and the bias from their initializers (Keras's defaults: Glorot uniform, zeros). */
  initialWeights({ inputs, units, useBias }: DenseSpec, random: () => number): Float32Array[] {
    const kernel = initialValues(this.kernelInitializer, [inputs, units], random);
    return [kernel, ...(useBias ? [initialValues(this.biasInitializer, [units], random)] : [])];
  }
}
