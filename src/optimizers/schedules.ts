// Learning-rate schedules, Keras 3's (optimizers/schedules/learning_rate_schedule.py): an optimizer given one as its
// learningRate takes schedule(step) at each step, step being the count of updates before this one (so the first
// update takes step 0). Evaluated in double precision for every step of an epoch before the epoch runs, and written
// with the epoch's other per-step scalars: the schedule costs the GPU nothing and compiles nothing.
import { invalid } from '../errors';

export type ScheduleSpec =
  | { name: 'exponentialDecay'; initialLearningRate: number; decaySteps: number; decayRate: number; staircase: boolean }
  | { name: 'inverseTimeDecay'; initialLearningRate: number; decaySteps: number; decayRate: number; staircase: boolean }
  | { name: 'piecewiseConstantDecay'; boundaries: number[]; values: number[] }
  | { name: 'cosineDecay'; initialLearningRate: number; decaySteps: number; alpha: number; warmupTarget?: number; warmupSteps: number }
  | { name: 'polynomialDecay'; initialLearningRate: number; decaySteps: number; endLearningRate: number; power: number; cycle: boolean };

/** The learning rate a schedule gives at `step`. */
export function scheduledRate(spec: ScheduleSpec, step: number): number {
  switch (spec.name) {
    case 'exponentialDecay': {
      // lr0 · rate^(s / D), the exponent floored with staircase.
      const p = spec.staircase ? Math.floor(step / spec.decaySteps) : step / spec.decaySteps;
      return spec.initialLearningRate * spec.decayRate ** p;
    }
    case 'inverseTimeDecay': {
      // lr0 / (1 + rate · s / D).
      const p = spec.staircase ? Math.floor(step / spec.decaySteps) : step / spec.decaySteps;
      return spec.initialLearningRate / (1 + spec.decayRate * p);
    }
    case 'piecewiseConstantDecay': {
      // values[i] for b[i−1] < s ≤ b[i]: a boundary step belongs to the interval below it.
      const i = spec.boundaries.findIndex((b) => step <= b);
      return spec.values[i < 0 ? spec.values.length - 1 : i];
    }
    case 'cosineDecay': {
      // lr0 · ((1 − α) · (1 + cos(π · s / D)) / 2 + α) after a linear warm-up from lr0 to the warm-up target.
      const { initialLearningRate: lr0, decaySteps: D, alpha, warmupTarget, warmupSteps: W } = spec;
      const decayed = (from: number, s: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * Math.min(s, D)) / D)) + alpha);
      if (warmupTarget === undefined) return decayed(lr0, step);
      const s = Math.min(step, D + W);
      return s < W ? (warmupTarget - lr0) * (s / W) + lr0 : decayed(warmupTarget, s - W);
    }
    case 'polynomialDecay': {
      // (lr0 − end) · (1 − s / D)^power + end, s held at D, or D stretched to the cycle s is in.
      const { initialLearningRate: lr0, endLearningRate: end, power } = spec;
      let D = spec.decaySteps;
      let s = step;
      if (spec.cycle) D *= step === 0 ? 1 : Math.ceil(step / D);
      else s = Math.min(step, D);
      return (lr0 - end) * (1 - s / D) ** power + end;
    }
  }
}

const positive = (at: string, v: unknown) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw invalid(at, 'a positive finite number', v);
  return v;
};
const nonNegative = (at: string, v: unknown) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(at, 'a non-negative finite number', v);
  return v;
};
const flag = (at: string, v: unknown) => {
  if (typeof v !== 'boolean') throw invalid(at, 'true or false', v);
  return v;
};
const options = (className: string, value: unknown) => {
  if (value === null || typeof value !== 'object') throw invalid(`${className}(config)`, 'an object', value);
  return value as Record<string, unknown>;
};

/** A schedule to give an optimizer as its learningRate. */
export class LearningRateSchedule {
  constructor(readonly spec: ScheduleSpec) {}
  /** The learning rate at `step` updates. */
  at(step: number): number {
    return scheduledRate(this.spec, step);
  }
}

export class ExponentialDecay extends LearningRateSchedule {
  constructor(config: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }) {
    const c = options('ExponentialDecay', config);
    super({
      name: 'exponentialDecay',
      initialLearningRate: positive('ExponentialDecay({ initialLearningRate })', c.initialLearningRate),
      decaySteps: positive('ExponentialDecay({ decaySteps })', c.decaySteps),
      decayRate: positive('ExponentialDecay({ decayRate })', c.decayRate),
      staircase: flag('ExponentialDecay({ staircase })', c.staircase ?? false),
    });
  }
}

export class InverseTimeDecay extends LearningRateSchedule {
  constructor(config: { initialLearningRate: number; decaySteps: number; decayRate: number; staircase?: boolean }) {
    const c = options('InverseTimeDecay', config);
    super({
      name: 'inverseTimeDecay',
      initialLearningRate: positive('InverseTimeDecay({ initialLearningRate })', c.initialLearningRate),
      decaySteps: positive('InverseTimeDecay({ decaySteps })', c.decaySteps),
      decayRate: nonNegative('InverseTimeDecay({ decayRate })', c.decayRate),
      staircase: flag('InverseTimeDecay({ staircase })', c.staircase ?? false),
    });
  }
}

export class PiecewiseConstantDecay extends LearningRateSchedule {
  constructor(config: { boundaries: number[]; values: number[] }) {
    const { boundaries, values } = options('PiecewiseConstantDecay', config);
    if (!Array.isArray(boundaries) || boundaries.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= boundaries[i - 1]))) {
      throw invalid('PiecewiseConstantDecay({ boundaries })', 'increasing finite numbers', boundaries);
    }
    if (!Array.isArray(values) || values.length !== boundaries.length + 1) throw invalid('PiecewiseConstantDecay({ values })', `${boundaries.length + 1} values (one more than the boundaries)`, values);
    values.forEach((v, i) => positive(`PiecewiseConstantDecay({ values })[${i}]`, v));
    super({ name: 'piecewiseConstantDecay', boundaries: [...boundaries], values: [...values] });
  }
}

export class CosineDecay extends LearningRateSchedule {
  constructor(config: { initialLearningRate: number; decaySteps: number; alpha?: number; warmupTarget?: number; warmupSteps?: number }) {
    const c = options('CosineDecay', config);
    super({
      name: 'cosineDecay',
      initialLearningRate: nonNegative('CosineDecay({ initialLearningRate })', c.initialLearningRate),
      decaySteps: positive('CosineDecay({ decaySteps })', c.decaySteps),
      alpha: nonNegative('CosineDecay({ alpha })', c.alpha ?? 0),
      ...(c.warmupTarget === undefined || c.warmupTarget === null ? {} : { warmupTarget: positive('CosineDecay({ warmupTarget })', c.warmupTarget) }),
      warmupSteps: nonNegative('CosineDecay({ warmupSteps })', c.warmupSteps ?? 0),
    });
  }
}

export class PolynomialDecay extends LearningRateSchedule {
  constructor(config: { initialLearningRate: number; decaySteps: number; endLearningRate?: number; power?: number; cycle?: boolean }) {
    const c = options('PolynomialDecay', config);
    super({
      name: 'polynomialDecay',
      initialLearningRate: positive('PolynomialDecay({ initialLearningRate })', c.initialLearningRate),
      decaySteps: positive('PolynomialDecay({ decaySteps })', c.decaySteps),
      endLearningRate: nonNegative('PolynomialDecay({ endLearningRate })', c.endLearningRate ?? 0.0001),
      power: positive('PolynomialDecay({ power })', c.power ?? 1),
      cycle: flag('PolynomialDecay({ cycle })', c.cycle ?? false),
    });
  }
}
