import { type OptimizerDefinition, type OptimizerSpec, config, positiveNumber } from './optimizer';

/** Gradient descent, the lesson's update: w ← w − α·g. Default α = 0.01, as in Keras. */
export const sgd: OptimizerDefinition<OptimizerSpec> = {
  className: 'SGD',
  parse: (c) => ({ name: 'sgd', learningRate: positiveNumber('SGD({ learningRate })', config('SGD', c).learningRate ?? 0.01) }),
  slots: 0,
  stepScalars: (spec) => [spec.learningRate],
  apply(_spec, w, g, _state, [lr]) {
    for (let i = 0; i < w.length; i++) w[i] -= lr * g[i];
  },
  wgsl: 'w -= scalar(0u) * g;',
  constants: () => ({}),
};
