import { type OptimizerDefinition, type OptimizerSpec, baseSpec, config, fraction, positiveNumber } from './optimizer';

export interface RMSpropSpec extends OptimizerSpec {
  rho: number;
  epsilon: number;
}

/**
 * RMSprop, as TensorFlow.js computes it: s ← ρ·s + (1 − ρ)·g², w ← w − α·g / √(s + ε).
 * Keras defaults: α 0.001, ρ 0.9, ε 1e-7 (no momentum, not centred).
 */
export const rmsprop: OptimizerDefinition<RMSpropSpec> = {
  className: 'RMSprop',
  parse(value) {
    const c = config('RMSprop', value);
    return {
      ...baseSpec('rmsprop', 'RMSprop', c, { learningRate: 0.001 }),
      rho: fraction('RMSprop({ rho })', c.rho ?? 0.9),
      epsilon: positiveNumber('RMSprop({ epsilon })', c.epsilon ?? 1e-7),
    };
  },
  slots: () => 1,
  stepScalars: (_spec, _t, lr) => [lr],
  apply({ rho, epsilon }, w, g, [s], [lr]) {
    for (let i = 0; i < w.length; i++) {
      s[i] = rho * s[i] + (1 - rho) * g[i] * g[i];
      w[i] -= (lr * g[i]) / Math.sqrt(s[i] + epsilon);
    }
  },
  wgsl: () => `s0 = RHO * s0 + ONE_MINUS_RHO * g * g;
    w -= scalar(0u) * g / sqrt(s0 + EPSILON);`,
  constants: ({ rho, epsilon }) => ({ RHO: rho, ONE_MINUS_RHO: 1 - rho, EPSILON: epsilon }),
};
