// A Dropout layer in TF.js model files.
import { type LayerFormat, badFile } from '../format';
import { Dropout } from './dropout';

export const dropoutFormat: LayerFormat = {
  className: 'Dropout',
  toConfig: (layer, spec) => ({ rate: (layer as Dropout).rate, noise_shape: null, seed: (layer as Dropout).seed ?? null, name: spec.name, trainable: true }),
  fromConfig(config, at) {
    const { rate, seed, noise_shape: noiseShape } = config;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw badFile(`${at}.rate`, 'a number in [0, 1)', rate);
    if (noiseShape !== undefined && noiseShape !== null) throw badFile(`${at}.noise_shape`, 'null (a mask per element)', noiseShape);
    if (seed !== undefined && seed !== null && !(Number.isInteger(seed) && (seed as number) >= 0 && (seed as number) < 2 ** 32)) {
      throw badFile(`${at}.seed`, 'null or an integer in [0, 2^32)', seed);
    }
    return new Dropout({ rate, seed: (seed as number | null) ?? undefined, name: config.name as string });
  },
};
