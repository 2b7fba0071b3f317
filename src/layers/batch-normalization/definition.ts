// BatchNormalization, Keras's: each unit normalised by the batch's statistics in training and by its moving
// statistics in inference, then scaled by γ and shifted by β. Weights in Keras order: gamma (where `scale`), beta
// (where `center`), moving_mean and moving_variance; the last two are not trained but follow the data, updated in
// every training step's forward pass.
import type { LayerDefinition, LayerSpecBase, WeightShape } from '../layer';
import { batchNormalizationGpu } from './gpu';
import { batchNormalizationReference } from './reference';

export interface BatchNormalizationSpec extends LayerSpecBase {
  kind: 'batchNormalization';
  momentum: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
}

export const batchNormalization: LayerDefinition<BatchNormalizationSpec> = {
  weights: ({ units, center, scale }) =>
    [
      scale && { name: 'gamma', shape: [units], trainable: true },
      center && { name: 'beta', shape: [units], trainable: true },
      { name: 'moving_mean', shape: [units], trainable: false },
      { name: 'moving_variance', shape: [units], trainable: false },
    ].filter((w): w is WeightShape => w !== false),
  reference: batchNormalizationReference,
  gpu: batchNormalizationGpu,
};

/** γ, β, the moving mean and variance from the weights in Keras order: γ = 1 and β = 0 where the layer has none. */
export function statistics({ units, center, scale }: BatchNormalizationSpec, weights: Float32Array[]) {
  let next = 0;
  const gamma = scale ? weights[next++] : new Float32Array(units).fill(1);
  const beta = center ? weights[next++] : new Float32Array(units);
  return { gamma, beta, movingMean: weights[next++], movingVariance: weights[next++] };
}
