import { invalid } from '../errors';

/**
 * A loss L(a, y) for one output unit and its gradient ∂L/∂a. The cost of a batch is the mean of L over
 * every row and every output unit, J = 1/(m·units) Σ L (Keras: mean over the last axis, then over the batch).
 */
export abstract class Loss {
  abstract readonly name: LossName;
  /** L(a, y) for one prediction a and its label y. */
  abstract value(a: number, y: number): number;
  /** ∂L/∂a. */
  abstract gradient(a: number, y: number): number;
}

export type LossName = 'binaryCrossentropy' | 'meanSquaredError';

/** Predictions are clipped to [ε, 1 − ε] before the logarithm, as Keras and TensorFlow.js do. */
export const EPSILON = 1e-7;
const clip = (a: number) => Math.min(Math.max(a, EPSILON), 1 - EPSILON);

/** L(a, y) = −y·log(a) − (1 − y)·log(1 − a): the lesson's loss for binary classification. */
export class BinaryCrossentropy extends Loss {
  readonly name = 'binaryCrossentropy';
  value(a: number, y: number): number {
    const p = clip(a);
    return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
  }
  /** ∂L/∂a = (a − y) / (a(1 − a)), zero where the clip holds a at its bound. After a sigmoid this times σ' is a − y. */
  gradient(a: number, y: number): number {
    if (a < EPSILON || a > 1 - EPSILON) return 0;
    return (a - y) / (a * (1 - a));
  }
}

/** L(a, y) = (a − y)²: the squared error loss. */
export class MeanSquaredError extends Loss {
  readonly name = 'meanSquaredError';
  value(a: number, y: number): number {
    return (a - y) * (a - y);
  }
  gradient(a: number, y: number): number {
    return 2 * (a - y);
  }
}

export function toLoss(argument: string, value: unknown): Loss {
  if (value instanceof Loss) return value;
  if (value === 'binaryCrossentropy') return new BinaryCrossentropy();
  if (value === 'meanSquaredError') return new MeanSquaredError();
  throw invalid(argument, "new BinaryCrossentropy(), new MeanSquaredError(), 'binaryCrossentropy' or 'meanSquaredError'", value);
}
