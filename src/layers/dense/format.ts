// A Dense layer in TF.js model files: the config TF.js 4.22 writes, and the checks of one read from a file.
import { activationNames, type ActivationName } from '../../activations/activations';
import { type LayerFormat, badFile, width } from '../format';
import type { DenseSpec } from './definition';
import { Dense } from './dense';

export const denseFormat: LayerFormat = {
  className: 'Dense',
  toConfig: (_layer, spec) => {
    const { units, activation, name, useBias } = spec as DenseSpec;
    return {
      units,
      activation,
      use_bias: useBias,
      // Glorot uniform, the initializer compile uses.
      kernel_initializer: { class_name: 'VarianceScaling', config: { scale: 1, mode: 'fan_avg', distribution: 'uniform', seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name,
      trainable: true,
    };
  },
  fromConfig(config, at, inputDim) {
    const units = width(config.units, `${at}.units`);
    const activation = config.activation as ActivationName;
    if (!activationNames.includes(activation)) {
      throw badFile(`${at}.activation`, `one of ${activationNames.map((a) => `'${a}'`).join(', ')}`, config.activation);
    }
    const useBias = config.use_bias ?? true;
    if (typeof useBias !== 'boolean') throw badFile(`${at}.use_bias`, 'true or false', config.use_bias);
    return new Dense({ units, activation, useBias, name: config.name as string, inputDim });
  },
};
