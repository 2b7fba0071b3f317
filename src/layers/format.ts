// A layer kind's entry in TF.js model files (model.json), both ways: its Keras config as TF.js writes it, and the
// user-facing layer back from a config that an untrusted file declares, checked field by field.
import { WebGPUNNError, describe } from '../errors';
import type { Layer } from '../model/layer';
import type { LayerSpec } from './registry';

/** The largest layer width a model file may declare. */
export const MAX_WIDTH = 2 ** 24;

export interface LayerFormat {
  /** The Keras class name in model.json. */
  className: string;
  /** The `config` TF.js writes for this layer (its name included), from the user's layer and its spec. */
  toConfig(layer: Layer, spec: LayerSpec): Record<string, unknown>;
  /** The layer from a config (`at` names it in messages), the first given the model's input width; throws INVALID_MODEL_FILE naming the field. */
  fromConfig(config: Record<string, unknown>, at: string, inputDim: number | undefined): Layer;
}

export function badFile(argument: string, expected: string, got: unknown): WebGPUNNError {
  return new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected ${expected}, got ${describe(got)}`);
}

/** A width a file declares: an integer in [1, 2^24]. */
export function width(value: unknown, argument: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_WIDTH) {
    throw badFile(argument, 'an integer in [1, 2^24]', value);
  }
  return value;
}
