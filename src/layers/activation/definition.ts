// Activation: a layer that only applies its activation, a = g(x), so that a Dense layer's product and its activation
// can stand apart, as in Dense(linear) → BatchNormalization → Activation('relu'). Its computation is the identity; the
// network applies the activation as it does every layer's (reference/network.ts, and on the GPU the epilogue of the
// block it joins).
import type { ActivationName } from '../../activations/activations';
import type { LayerDefinition, LayerSpecBase } from '../layer';

export interface ActivationSpec extends LayerSpecBase {
  kind: 'activation';
  activation: ActivationName;
}

export const activationLayer: LayerDefinition<ActivationSpec> = {
  weights: () => [],
  reference: {
    forward: (_spec, _weights, input) => ({ output: input.slice() }),
    backward: (_spec, _weights, _input, _cache, dOutput) => ({ dInput: dOutput, gradients: [] }),
  },
  gpu: { role: 'pointwise', op: () => undefined },
};
