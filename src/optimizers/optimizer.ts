// What an optimizer is: an update rule w ← rule(w, g) applied to each trainable variable after each batch, with its
// state (moments) beside the variables. Each optimizer file holds its defaults, the layout of its state, the
// scalars it reads per step, and its rule once in TypeScript (the CPU reference) and once in WGSL (fused into the
// kernels that compute gradients), side by side. What every optimizer shares (Keras 3's clipping and decoupled
// weight decay, in Keras's order) is in update.ts.
import { WebGPUNNError, invalid, positiveNumber } from '../errors';
import { LearningRateSchedule, type ScheduleSpec, scheduledRate } from './schedules';

/** An optimizer as plain data: its name and hyperparameters. 0 turns weight decay and each clipping off. */
export interface OptimizerSpec {
  name: string;
  /** The learning rate; with a schedule, the schedule's first. */
  learningRate: number;
  /** A learning-rate schedule (schedules.ts), evaluated at every step. */
  schedule?: ScheduleSpec;
  /** Decoupled weight decay: w ← w − w · weightDecay · α before each update (Keras 3's weight_decay). */
  weightDecay: number;
  /** Each gradient element clipped to [−clipvalue, clipvalue]. */
  clipvalue: number;
  /** Each variable's gradient scaled to a norm of at most clipnorm. */
  clipnorm: number;
  /** All gradients scaled together to a norm of at most globalClipnorm. */
  globalClipnorm: number;
}

/** The options every optimizer takes, as users write them. */
export interface OptimizerOptions {
  learningRate?: number | LearningRateSchedule;
  weightDecay?: number;
  clipvalue?: number;
  clipnorm?: number;
  globalClipnorm?: number;
}

export interface OptimizerDefinition<S extends OptimizerSpec = OptimizerSpec> {
  /** The class name users write, for messages ('Adam'). */
  className: string;
  /** The spec from a user's config, with Keras's defaults; throws naming the argument that is out of range. */
  parse(config: unknown): S;
  /** Arrays of state beside each variable: 0 for SGD, 1 for RMSprop and SGD with momentum, 2 for Adam. */
  slots(spec: S): number;
  /**
   * The scalars an update reads that change with the iteration t = 1, 2, ...: the step's learning rate first, then
   * the rule's own (Adam's bias corrections), in double precision.
   */
  stepScalars(spec: S, t: number, learningRate: number): number[];
  /** The rule: one update of `w` from `g`, with this variable's `state` and the step's `scalars`. */
  apply(spec: S, w: Float32Array, g: Float32Array, state: Float32Array[], scalars: number[]): void;
  /**
   * The rule in WGSL: statements updating `w` (vec4f) from `g` and the state `s0`, `s1`, ..., reading `scalar(k)`
   * (stepScalars[k]) and the hyperparameters that `constants` names.
   */
  wgsl(spec: S): string;
  /**
   * Named hyperparameters of the WGSL rule, computed here in double precision (1 − β as well as β) and read by the
   * kernel as f32s among the run's constants, so that models of one shape share the kernel.
   */
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

function nonNegative(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) throw invalid(argument, 'a non-negative finite number', value);
  return value;
}

/**
 * The options every optimizer shares, checked: the learning rate (default `learningRate`), weight decay (default
 * `weightDecay`) and at most one of Keras's three clippings.
 */
export function baseSpec(name: string, className: string, c: Record<string, unknown>, defaults: { learningRate: number; weightDecay?: number }): OptimizerSpec {
  const at = (key: string) => `${className}({ ${key} })`;
  const schedule = c.learningRate instanceof LearningRateSchedule ? c.learningRate.spec : undefined;
  const spec: OptimizerSpec = {
    name,
    learningRate: schedule ? scheduledRate(schedule, 0) : positiveNumber(at('learningRate'), c.learningRate ?? defaults.learningRate),
    ...(schedule ? { schedule } : {}),
    weightDecay: nonNegative(at('weightDecay'), c.weightDecay ?? defaults.weightDecay ?? 0),
    clipvalue: nonNegative(at('clipvalue'), c.clipvalue ?? 0),
    clipnorm: nonNegative(at('clipnorm'), c.clipnorm ?? 0),
    globalClipnorm: nonNegative(at('globalClipnorm'), c.globalClipnorm ?? 0),
  };
  const clips = (['clipvalue', 'clipnorm', 'globalClipnorm'] as const).filter((key) => spec[key] > 0);
  if (clips.length > 1) {
    throw new WebGPUNNError('INVALID_ARGUMENT', `${className}({ ${clips.join(', ')} }): expected at most one of clipvalue, clipnorm and globalClipnorm, got ${clips.length}`);
  }
  return spec;
}

/** The learning rate of the update after `step` updates: the schedule's, or the constant. */
export const rateAt = (spec: OptimizerSpec, step: number) => (spec.schedule ? scheduledRate(spec.schedule, step) : spec.learningRate);

export { positiveNumber };
