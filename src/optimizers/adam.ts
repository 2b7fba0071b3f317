import { type OptimizerDefinition, type OptimizerSpec, baseSpec, config, fraction, positiveNumber } from './optimizer';

export interface AdamSpec extends OptimizerSpec {
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam, as TensorFlow.js computes it: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * w ← w − α · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε). Keras defaults: α 0.001, β1 0.9, β2 0.999, ε 1e-7.
 * The bias corrections 1 − β^t are step scalars, computed in double precision: in float32, 1 − β2^t loses four
 * digits to cancellation.
 */
export const adam: OptimizerDefinition<AdamSpec> = {
  className: 'Adam',
  parse(value) {
    const c = config('Adam', value);
    return {
      ...baseSpec('adam', 'Adam', c, { learningRate: 0.001 }),
      beta1: fraction('Adam({ beta1 })', c.beta1 ?? 0.9),
      beta2: fraction('Adam({ beta2 })', c.beta2 ?? 0.999),
      epsilon: positiveNumber('Adam({ epsilon })', c.epsilon ?? 1e-7),
    };
  },
  slots: () => 2,
  stepScalars: (spec, t, lr) => [lr, 1 - spec.beta1 ** t, 1 - spec.beta2 ** t],
  apply({ beta1, beta2, epsilon }, w, g, [m, v], [lr, correction1, correction2]) {
    for (let i = 0; i < w.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i];
      v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
      w[i] -= (lr * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + epsilon);
    }
  },
  wgsl: () => `s0 = BETA1 * s0 + ONE_MINUS_BETA1 * g;
    s1 = BETA2 * s1 + ONE_MINUS_BETA2 * g * g;
    w -= scalar(0u) * (s0 / scalar(1u)) / (sqrt(s1 / scalar(2u)) + EPSILON);`,
  constants: ({ beta1, beta2, epsilon }) => ({ BETA1: beta1, BETA2: beta2, ONE_MINUS_BETA1: 1 - beta1, ONE_MINUS_BETA2: 1 - beta2, EPSILON: epsilon }),
};
