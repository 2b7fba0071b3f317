// A BatchNormalization layer in TF.js model files: the config TF.js 4.22 writes, and the checks of one read back.
import { type LayerFormat, badFile } from '../format';
import { BatchNormalization } from './batch-normalization';

const zeros = { class_name: 'Zeros', config: {} };
const ones = { class_name: 'Ones', config: {} };

export const batchNormalizationFormat: LayerFormat = {
  className: 'BatchNormalization',
  toConfig(layer, spec) {
    const { momentum, epsilon, center, scale } = layer as BatchNormalization;
    return {
      axis: -1,
      momentum,
      epsilon,
      center,
      scale,
      beta_initializer: zeros,
      gamma_initializer: ones,
      moving_mean_initializer: zeros,
      moving_variance_initializer: ones,
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
      name: spec.name,
      trainable: true,
    };
  },
  fromConfig(config, at, inputDim) {
    const axis = config.axis ?? -1;
    // Keras writes the axis as -1, or as [-1] or [1] (the feature axis of [batch, features]).
    const lastAxis = (a: unknown) => a === -1 || a === 1;
    if (!(lastAxis(axis) || (Array.isArray(axis) && axis.length === 1 && lastAxis(axis[0])))) throw badFile(`${at}.axis`, '-1 (the features of flat rows)', axis);
    const number = (key: string, fallback: number, ok: (v: number) => boolean, what: string) => {
      const value = config[key] ?? fallback;
      if (typeof value !== 'number' || !ok(value)) throw badFile(`${at}.${key}`, what, value);
      return value;
    };
    const bool = (key: string) => {
      const value = config[key] ?? true;
      if (typeof value !== 'boolean') throw badFile(`${at}.${key}`, 'true or false', value);
      return value;
    };
    return new BatchNormalization({
      momentum: number('momentum', 0.99, (v) => v >= 0 && v < 1, 'a number in [0, 1)'),
      epsilon: number('epsilon', 0.001, (v) => v > 0 && Number.isFinite(v), 'a positive number'),
      center: bool('center'),
      scale: bool('scale'),
      name: config.name as string,
      inputDim,
    });
  },
};
