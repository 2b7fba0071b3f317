// BatchNormalization in the CPU reference. For each unit j over the m rows of a training batch:
//   μ = 1/m Σ x        σ² = 1/m Σ (x − μ)² (the biased variance, as Keras and TF.js take it)
//   x̂ = (x − μ) · r, r = 1/√(σ² + ε)        y = γ · x̂ + β
//   moving_mean ← moving_mean · momentum + μ · (1 − momentum), moving_variance likewise with σ²
// In inference, y = γ · (x − moving_mean) / √(moving_variance + ε) + β. Backward, through the batch statistics:
//   ∂J/∂β = Σ dy      ∂J/∂γ = Σ dy · x̂      ∂J/∂x = γ · r / m · (m · dy − Σ dy − x̂ · Σ dy · x̂)
import type { ReferenceLayer } from '../layer';
import { type BatchNormalizationSpec, statistics } from './definition';

interface Cache {
  xhat: Float32Array;
  r: Float64Array;
}

export const batchNormalizationReference: ReferenceLayer<BatchNormalizationSpec> = {
  forward(spec, weights, input, m, pass) {
    const { units, momentum, epsilon } = spec;
    const { gamma, beta, movingMean, movingVariance } = statistics(spec, weights);
    const output = new Float32Array(input.length);
    if (!pass.training) {
      for (let i = 0; i < input.length; i++) {
        const j = i % units;
        output[i] = (gamma[j] * (input[i] - movingMean[j])) / Math.sqrt(movingVariance[j] + epsilon) + beta[j];
      }
      return { output };
    }
    const xhat = new Float32Array(input.length);
    const r = new Float64Array(units);
    for (let j = 0; j < units; j++) {
      let mean = 0;
      for (let row = 0; row < m; row++) mean += input[row * units + j];
      mean /= m;
      let variance = 0;
      for (let row = 0; row < m; row++) variance += (input[row * units + j] - mean) ** 2;
      variance /= m;
      r[j] = 1 / Math.sqrt(variance + epsilon);
      for (let row = 0; row < m; row++) {
        const i = row * units + j;
        xhat[i] = (input[i] - mean) * r[j];
        output[i] = gamma[j] * xhat[i] + beta[j];
      }
      movingMean[j] = movingMean[j] * momentum + mean * (1 - momentum);
      movingVariance[j] = movingVariance[j] * momentum + variance * (1 - momentum);
    }
    return { output, cache: { xhat, r } satisfies Cache };
  },

  backward(spec, weights, _input, cache, dy, m) {
    const { units, center, scale } = spec;
    const { gamma } = statistics(spec, weights);
    const { xhat, r } = cache as Cache;
    const dGamma = new Float32Array(units);
    const dBeta = new Float32Array(units);
    const dInput = new Float32Array(dy.length);
    for (let j = 0; j < units; j++) {
      let sumDy = 0;
      let sumDyXhat = 0;
      for (let row = 0; row < m; row++) {
        sumDy += dy[row * units + j];
        sumDyXhat += dy[row * units + j] * xhat[row * units + j];
      }
      dGamma[j] = sumDyXhat;
      dBeta[j] = sumDy;
      for (let row = 0; row < m; row++) {
        const i = row * units + j;
        dInput[i] = ((gamma[j] * r[j]) / m) * (m * dy[i] - sumDy - xhat[i] * sumDyXhat);
      }
    }
    const gradients = [scale && dGamma, center && dBeta, undefined, undefined].filter((g) => g !== false);
    return { dInput, gradients };
  },
};
