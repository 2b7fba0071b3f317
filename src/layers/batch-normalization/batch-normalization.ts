// The BatchNormalization layer as users write it: Keras's arguments and defaults.
import { invalid, positiveNumber } from '../../errors';
import { Layer, type SpecContext } from '../../model/layer';
import type { BatchNormalizationSpec } from './definition';

export interface BatchNormalizationConfig {
  /** The weight of the old value in the moving statistics' update, in [0, 1). Default 0.99. */
  momentum?: number;
  /** Added to the variance before its square root. Default 0.001. */
  epsilon?: number;
  /** Whether to learn a shift β. Default true. */
  center?: boolean;
  /** Whether to learn a scale γ. Default true. */
  scale?: boolean;
  /** Width of the input, where this is the first layer. */
  inputDim?: number;
  inputShape?: [number];
  name?: string;
}

function flag(argument: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(argument, 'true or false', value);
  return value;
}

/** Normalises each unit: by the batch's statistics in training, by moving statistics in inference; then γ · x̂ + β. */
export class BatchNormalization extends Layer {
  readonly kind = 'batchNormalization';
  readonly className = 'BatchNormalization';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;

  constructor(config: BatchNormalizationConfig = {}) {
    if (config === null || typeof config !== 'object') throw invalid('BatchNormalization(config)', 'an object like { momentum: 0.99 }', config);
    const momentum = config.momentum ?? 0.99;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) throw invalid('BatchNormalization({ momentum })', 'a number in [0, 1)', momentum);
    const epsilon = positiveNumber('BatchNormalization({ epsilon })', config.epsilon ?? 0.001);
    const center = flag('BatchNormalization({ center })', config.center ?? true);
    const scale = flag('BatchNormalization({ scale })', config.scale ?? true);
    super({ name: config.name, inputDim: Layer.inputWidth('BatchNormalization', config) });
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = center;
    this.scale = scale;
  }

  outputWidth(inputs: number): number {
    return inputs;
  }

  spec(inputs: number, { name }: SpecContext): BatchNormalizationSpec {
    return { kind: 'batchNormalization', name, inputs, units: inputs, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }

  /** γ = 1, β = 0, moving mean 0, moving variance 1 (Keras's). */
  initialWeights({ units }: BatchNormalizationSpec): Float32Array[] {
    const ones = () => new Float32Array(units).fill(1);
    return [...(this.scale ? [ones()] : []), ...(this.center ? [new Float32Array(units)] : []), new Float32Array(units), ones()];
  }
}
