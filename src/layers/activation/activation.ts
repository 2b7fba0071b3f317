// The Activation layer as users write it.
import type { ActivationName } from '../../activations/activations';
import { invalid } from '../../errors';
import { Layer, type SpecContext } from '../../model/layer';
import { checkActivation } from '../dense/dense';
import type { ActivationSpec } from './definition';

export interface ActivationConfig {
  /** 'relu', 'sigmoid', 'tanh', 'softmax' (on the last layer) or 'linear'. */
  activation: ActivationName;
  name?: string;
}

/** Applies an activation to its input: a = g(x). */
export class Activation extends Layer {
  readonly kind = 'activation';
  readonly className = 'Activation';
  declare readonly activation: ActivationName;

  constructor(config: ActivationConfig) {
    if (config === null || typeof config !== 'object') throw invalid('Activation(config)', "an object like { activation: 'relu' }", config);
    super({ name: config.name, activation: checkActivation('Activation({ activation })', config.activation) });
  }

  outputWidth(inputs: number): number {
    return inputs;
  }

  spec(inputs: number, { name }: SpecContext): ActivationSpec {
    return { kind: 'activation', name, inputs, units: inputs, activation: this.activation };
  }

  initialWeights(): Float32Array[] {
    return [];
  }
}
