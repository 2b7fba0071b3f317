// A Dense layer: a = g(a_prev · W + b), with W the kernel [inputs × units] and b the bias [units], Keras's order.
import type { ActivationName } from '../../activations/activations';
import type { RegularizerSpec } from '../../regularizers';
import type { LayerDefinition, LayerSpecBase } from '../layer';
import { denseGpu } from './gpu';
import { denseReference } from './reference';

export interface DenseSpec extends LayerSpecBase {
  kind: 'dense';
  activation: ActivationName;
  /** Whether the layer adds a bias b (Keras's use_bias); without it, z = a · W. */
  useBias: boolean;
  kernelRegularizer?: RegularizerSpec;
  biasRegularizer?: RegularizerSpec;
}

export const dense: LayerDefinition<DenseSpec> = {
  weights: ({ inputs, units, useBias, kernelRegularizer, biasRegularizer }) => [
    { name: 'kernel', shape: [inputs, units], trainable: true, regularizer: kernelRegularizer },
    ...(useBias ? [{ name: 'bias', shape: [units], trainable: true, regularizer: biasRegularizer }] : []),
  ],
  reference: denseReference,
  gpu: denseGpu,
};
