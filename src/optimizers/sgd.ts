import { invalid } from '../errors';
import { type OptimizerDefinition, type OptimizerSpec, baseSpec, config } from './optimizer';

export interface SGDSpec extends OptimizerSpec {
  momentum: number;
  nesterov: boolean;
}

/**
 * Gradient descent, the lesson's update: w ← w − α·g; with momentum m, Keras's velocity v ← m·v − α·g and w ← w + v,
 * or with Nesterov's w ← w + m·v − α·g (the new v). Keras defaults: α 0.01, m 0. With a constant learning rate this is
 * TF.js's momentum optimizer too.
 */
export const sgd: OptimizerDefinition<SGDSpec> = {
  className: 'SGD',
  parse(value) {
    const c = config('SGD', value);
    const momentum = c.momentum ?? 0;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw invalid('SGD({ momentum })', 'a number in [0, 1]', momentum);
    const nesterov = c.nesterov ?? false;
    if (typeof nesterov !== 'boolean') throw invalid('SGD({ nesterov })', 'true or false', nesterov);
    return { ...baseSpec('sgd', 'SGD', c, { learningRate: 0.01 }), momentum, nesterov };
  },
  slots: (spec) => (spec.momentum > 0 ? 1 : 0),
  stepScalars: (_spec, _t, lr) => [lr],
  apply({ momentum, nesterov }, w, g, [v], [lr]) {
    for (let i = 0; i < w.length; i++) {
      if (momentum === 0) {
        w[i] -= lr * g[i];
        continue;
      }
      v[i] = momentum * v[i] - lr * g[i];
      w[i] += nesterov ? momentum * v[i] - lr * g[i] : v[i];
    }
  },
  wgsl: ({ momentum, nesterov }) =>
    momentum === 0
      ? 'w -= scalar(0u) * g;'
      : `s0 = MOMENTUM * s0 - scalar(0u) * g;
  w += ${nesterov ? 'MOMENTUM * s0 - scalar(0u) * g' : 's0'};`,
  constants: ({ momentum }): Record<string, number> => (momentum === 0 ? {} : { MOMENTUM: momentum }),
};
