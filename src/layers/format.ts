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

/** Keras's names for a dtype policy object: Keras 2's mixed-precision `Policy`, Keras 3's `DTypePolicy`. */
const POLICY_CLASSES = ['Policy', 'DTypePolicy', 'FloatDTypePolicy'];

/**
 * Checks a layer config's `dtype`, as Keras 2 and TF.js write it ('float32') or as Keras 3 does (a policy object
 * `{ class_name: 'DTypePolicy', config: { name: 'float32' } }`): the layers compute in float32, so any other dtype,
 * a mixed policy ('mixed_float16') or a quantized one is rejected. A missing dtype is float32, Keras's default.
 */
export function floatDtype(value: unknown, argument: string): void {
  if (value === undefined || value === 'float32') return;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badFile(argument, "'float32'", value);
  const { class_name: className, config } = value as Record<string, unknown>;
  if (typeof className !== 'string' || !POLICY_CLASSES.includes(className)) {
    throw badFile(`${argument}.class_name`, `a dtype policy (${POLICY_CLASSES.map((c) => `'${c}'`).join(', ')})`, className);
  }
  const name = config !== null && typeof config === 'object' ? (config as Record<string, unknown>).name : undefined;
  if (name !== 'float32') throw badFile(`${argument}.config.name`, "'float32'", name);
}

/** A JSON object a file must have at `argument`. */
export function fileRecord(value: unknown, argument: string, expected: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badFile(argument, expected, value);
  return value as Record<string, unknown>;
}

/** A JSON array a file must have at `argument`. */
export function fileList(value: unknown, argument: string, expected: string): unknown[] {
  if (!Array.isArray(value)) throw badFile(argument, expected, value);
  return value;
}
