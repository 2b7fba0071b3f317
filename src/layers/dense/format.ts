// A Dense layer in TF.js model files: the config TF.js 4.22 writes, and the checks of one read from a file.
import { type ActivationName, activationNames } from '../../activations/activations';
import { initializerConfig, readInitializer, readRegularizer, regularizerConfig } from '../file-configs';
import { type LayerFormat, badFile, width } from '../format';
import { Dense } from './dense';

export const denseFormat: LayerFormat = {
  className: 'Dense',
  toConfig: (layer, spec) => {
    const dense = layer as Dense;
    return {
      units: dense.units,
      activation: dense.activation,
      use_bias: dense.useBias,
      kernel_initializer: initializerConfig(dense.kernelInitializer),
      bias_initializer: initializerConfig(dense.biasInitializer),
      kernel_regularizer: regularizerConfig(dense.kernelRegularizer),
      bias_regularizer: regularizerConfig(dense.biasRegularizer),
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name: spec.name,
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
    for (const key of ['activity_regularizer', 'kernel_constraint', 'bias_constraint']) {
      if (config[key] !== undefined && config[key] !== null) throw badFile(`${at}.${key}`, 'null (webgpu-nn has none)', config[key]);
    }
    return new Dense({
      units,
      activation,
      useBias,
      kernelInitializer: config.kernel_initializer === undefined ? undefined : readInitializer(config.kernel_initializer, `${at}.kernel_initializer`),
      biasInitializer: config.bias_initializer === undefined ? undefined : readInitializer(config.bias_initializer, `${at}.bias_initializer`),
      kernelRegularizer: readRegularizer(config.kernel_regularizer, `${at}.kernel_regularizer`),
      biasRegularizer: readRegularizer(config.bias_regularizer, `${at}.bias_regularizer`),
      name: config.name as string,
      inputDim,
    });
  },
};
