// An Activation layer in TF.js model files.
import { type ActivationName, activationNames } from '../../activations/activations';
import { type LayerFormat, badFile } from '../format';
import { Activation } from './activation';

export const activationFormat: LayerFormat = {
  className: 'Activation',
  toConfig: (layer, spec) => ({ activation: (layer as Activation).activation, name: spec.name, trainable: true }),
  fromConfig(config, at) {
    const activation = config.activation as ActivationName;
    if (!activationNames.includes(activation)) throw badFile(`${at}.activation`, `one of ${activationNames.map((a) => `'${a}'`).join(', ')}`, config.activation);
    return new Activation({ activation, name: config.name as string });
  },
};
