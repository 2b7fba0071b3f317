import { type ElementLoss, type LossDefinition, checkRange, clip, clipped } from './loss';

/** ℓ(a, y) = −y·log(a) − (1 − y)·log(1 − a): the lesson's loss for binary classification, labels in [0, 1]. */
export const binaryCrossentropy: ElementLoss & LossDefinition = {
  shape: 'element',
  value(a, y) {
    const p = clip(a);
    return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
  },
  // ∂ℓ/∂a = (a − y) / (a(1 − a)), 0 where the clip holds a.
  gradient: (a, y) => (clipped(a) ? 0 : (a - y) / (a * (1 - a))),
  wgsl: {
    value: `let p = clamp(a, vec4f(EPSILON), vec4f(1.0 - EPSILON));
  return -(y * log(p) + (1.0 - y) * log(1.0 - p));`,
    gradient: `let inside = (a >= vec4f(EPSILON)) & (a <= vec4f(1.0 - EPSILON));
  return select(vec4f(), (a - y) / (a * (1.0 - a)), inside);`,
  },
  // After a sigmoid: ℓ = max(z, 0) − z·y + log(1 + e^−|z|), equal to the clipped form where the clip does not hold,
  // and still exact when σ(z) rounds to 0 or 1 (|z| > 17 in float32). σ'(z) = a(1 − a) cancels the denominator:
  // ∂ℓ/∂z = a − y.
  fused: {
    activation: 'sigmoid',
    value: (z, y) => Math.max(z, 0) - z * y + Math.log1p(Math.exp(-Math.abs(z))),
    gradient: (a, y) => a - y,
    wgsl: { value: 'return max(z, vec4f()) - z * y + log(1.0 + exp(-abs(z)));', gradient: 'return a - y;' },
  },
  checkLabels: (y, units, argument, fail) => checkRange(y, units, argument, 'a label in [0, 1] for binary cross-entropy', (v) => v >= 0 && v <= 1, fail),
};
