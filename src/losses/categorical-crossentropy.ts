import { type LossDefinition, type RowLoss, checkRange, clip, clipped } from './loss';

const sum = (values: ArrayLike<number>) => {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
};

/**
 * L(a, y) = −Σ_j y_j·log(p_j), p = a / Σa clipped to [ε, 1 − ε]: cross-entropy against a distribution y over the
 * classes (one-hot for a single class), as Keras computes it. After a softmax Σa = 1.
 */
export const categoricalCrossentropy: RowLoss & LossDefinition = {
  shape: 'row',
  labels: 'distribution',
  value(a, y) {
    const total = sum(a);
    let loss = 0;
    for (let j = 0; j < a.length; j++) loss -= y[j] * Math.log(clip(a[j] / total));
    return loss;
  },
  // ∂L/∂a_j = −y_j / a_j + Σy / Σa (the second term from the normalisation by Σa).
  gradient(a, y, out) {
    const total = sum(a);
    const labels = sum(y);
    for (let j = 0; j < a.length; j++) out[j] = (clipped(a[j] / total) ? 0 : -y[j] / a[j]) + labels / total;
  },
  wgsl: { term: 'return -y * log(clamp(a, EPSILON, 1.0 - EPSILON));' },
  checkLabels: (y, units, argument, fail) => checkRange(y, units, argument, 'a probability in [0, 1] for categorical cross-entropy', (v) => v >= 0 && v <= 1, fail),
};
