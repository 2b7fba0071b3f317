import type { AdamSpec } from './adam';
import { type OptimizerDefinition, baseSpec, config, fraction, positiveNumber } from './optimizer';

/**
 * AdamW, as Keras 3 computes it: Adam with decoupled weight decay (w ← w − w·weightDecay·α before each update,
 * update.ts; default 0.004), and Keras's own Adam step: m ← m + (g − m)(1 − β1), v ← v + (g² − v)(1 − β2),
 * w ← w − α̂ · m / (√v + ε) with α̂ = α · √(1 − β2^t) / (1 − β1^t), a step scalar computed in double precision.
 * (Adam follows TensorFlow.js, whose ε is added to √(v / (1 − β2^t)) instead; the two differ where ε is not small
 * next to √v.) Keras defaults: α 0.001, β1 0.9, β2 0.999, ε 1e-7.
 */
export const adamw: OptimizerDefinition<AdamSpec> = {
  className: 'AdamW',
  parse(value) {
    const c = config('AdamW', value);
    return {
      ...baseSpec('adamw', 'AdamW', c, { learningRate: 0.001, weightDecay: 0.004 }),
      beta1: fraction('AdamW({ beta1 })', c.beta1 ?? 0.9),
      beta2: fraction('AdamW({ beta2 })', c.beta2 ?? 0.999),
      epsilon: positiveNumber('AdamW({ epsilon })', c.epsilon ?? 1e-7),
    };
  },
  slots: () => 2,
  stepScalars: ({ beta1, beta2 }, t, lr) => [lr, (lr * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t)],
  apply({ beta1, beta2, epsilon }, w, g, [m, v], [, step]) {
    for (let i = 0; i < w.length; i++) {
      m[i] += (g[i] - m[i]) * (1 - beta1);
      v[i] += (g[i] * g[i] - v[i]) * (1 - beta2);
      w[i] -= (step * m[i]) / (Math.sqrt(v[i]) + epsilon);
    }
  },
  wgsl: () => `s0 += (g - s0) * ONE_MINUS_BETA1;
    s1 += (g * g - s1) * ONE_MINUS_BETA2;
    w -= scalar(1u) * s0 / (sqrt(s1) + EPSILON);`,
  constants: ({ beta1, beta2, epsilon }) => ({ ONE_MINUS_BETA1: 1 - beta1, ONE_MINUS_BETA2: 1 - beta2, EPSILON: epsilon }),
};
