// What an optimizer is: an update rule w ← rule(w, g) applied to each parameter array after each batch, with its
// state (moments) beside the parameters. Each optimizer file holds its defaults, the layout of its state, the
// scalars it reads per step, and its rule once in TypeScript (the CPU reference) and once in WGSL (fused into the
// kernels that compute gradients), side by side.
import { invalid, positiveNumber } from '../errors';

/** An optimizer as plain data: its name and hyperparameters. */
export interface OptimizerSpec {
  name: string;
  learningRate: number;
}

export interface OptimizerDefinition<S extends OptimizerSpec = OptimizerSpec> {
  /** The class name users write, for messages ('Adam'). */
  className: string;
  /** The spec from a user's config, with Keras's defaults; throws naming the argument that is out of range. */
  parse(config: unknown): S;
  /** Arrays of state beside each parameter array: 0 for SGD, 1 for RMSprop, 2 for Adam. */
  slots: number;
  /**
   * The scalars an update reads that change with the iteration t = 1, 2, ...: the learning rate first, then the
   * rule's own (Adam's bias corrections), in double precision.
   */
  stepScalars(spec: S, t: number): number[];
  /** One update of `w` from `g`, with this array's `state` and the step's `scalars`. */
  apply(spec: S, w: Float32Array, g: Float32Array, state: Float32Array[], scalars: number[]): void;
  /**
   * The rule in WGSL: statements updating `w` (vec4f) from `g` and the state `s0`, `s1`, ..., reading
   * `scalar(k)` (stepScalars[k]) and the hyperparameters that `constants` names.
   */
  wgsl: string;
  /** Named hyperparameters of the WGSL rule, written into the kernel as constants. */
  constants(spec: S): Record<string, number>;
}

/** A user's config object, or {} when none was given. */
export function config(className: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw invalid(`${className}(config)`, 'an object', value);
  return value as Record<string, unknown>;
}

export function fraction(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw invalid(argument, 'a number in [0, 1)', value);
  return value;
}

export { positiveNumber };
