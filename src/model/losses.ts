import { WebGPUNNError, invalid } from '../errors';
import type { Activation } from './activations';

export type LossName = 'binaryCrossentropy' | 'meanSquaredError' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy';

/**
 * A loss: L(a, y) for one row of predictions a and its labels y, and its gradient ∂L/∂a. The cost of a batch
 * of m rows is the mean over the rows, J = 1/m Σ L (Keras: the loss of each row, then the mean over the batch).
 */
export abstract class Loss {
  abstract readonly name: LossName;
  /** L for one row. */
  abstract value(a: ArrayLike<number>, y: ArrayLike<number>): number;
  /** ∂L/∂a for one row, into `out`. */
  abstract gradient(a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): void;
  /**
   * L for one row computed from the output layer's logits z, where the loss has a form that stays finite and
   * exact when the activation saturates (sigmoid with binary cross-entropy); undefined elsewhere.
   */
  fusedValue(_activation: Activation, _z: ArrayLike<number>, _y: ArrayLike<number>): number | undefined {
    return undefined;
  }
  /**
   * ∂L/∂z for one row where an activation cancels the loss's denominators (sigmoid with binary cross-entropy,
   * softmax with categorical cross-entropy), into `out`; false where there is no such shortcut.
   */
  fusedGradient(_activation: Activation, _a: ArrayLike<number>, _y: ArrayLike<number>, _out: Float32Array): boolean {
    return false;
  }
  /** Label columns for an output layer of `units`: `units`, or 1 for sparse class indices. */
  labelColumns(units: number): number {
    return units;
  }
  /** Throws naming the first label this loss cannot take. */
  checkLabels(_y: Float32Array, _units: number, _argument: string): void {}
}

/** Predictions are clipped to [ε, 1 − ε] inside the logarithms, as Keras and TensorFlow.js do. */
export const EPSILON = 1e-7;
const clip = (a: number) => Math.min(Math.max(a, EPSILON), 1 - EPSILON);
const clipped = (a: number) => a < EPSILON || a > 1 - EPSILON; // where the clip holds a, its gradient is 0

function checkRange(y: Float32Array, cols: number, argument: string, what: string, ok: (v: number) => boolean): void {
  const i = y.findIndex((v) => !ok(v));
  if (i >= 0) throw invalid(`${argument}[${Math.floor(i / cols)}][${i % cols}]`, what, y[i]);
}

/** A loss that is the mean over the row of a per-element loss ℓ(a, y). */
abstract class ElementwiseLoss extends Loss {
  protected abstract element(a: number, y: number): number;
  protected abstract elementGradient(a: number, y: number): number;
  value(a: ArrayLike<number>, y: ArrayLike<number>): number {
    let sum = 0;
    for (let j = 0; j < a.length; j++) sum += this.element(a[j], y[j]);
    return sum / a.length;
  }
  gradient(a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): void {
    for (let j = 0; j < a.length; j++) out[j] = this.elementGradient(a[j], y[j]) / a.length;
  }
}

/** ℓ(a, y) = −y·log(a) − (1 − y)·log(1 − a): the lesson's loss for binary classification. */
export class BinaryCrossentropy extends ElementwiseLoss {
  readonly name = 'binaryCrossentropy';
  protected element(a: number, y: number): number {
    const p = clip(a);
    return -(y * Math.log(p) + (1 - y) * Math.log(1 - p));
  }
  /** ∂ℓ/∂a = (a − y) / (a(1 − a)). */
  protected elementGradient(a: number, y: number): number {
    return clipped(a) ? 0 : (a - y) / (a * (1 - a));
  }
  /**
   * After a sigmoid, in the logits: ℓ = max(z, 0) − z·y + log(1 + e^−|z|), which equals −y·log σ(z) − (1 − y)·log(1 − σ(z))
   * without the clip, so a saturated output (|z| > 17, where σ(z) rounds to 0 or 1 in float32) still has its true loss.
   */
  fusedValue(activation: Activation, z: ArrayLike<number>, y: ArrayLike<number>): number | undefined {
    if (activation !== 'sigmoid') return undefined;
    let sum = 0;
    for (let j = 0; j < z.length; j++) sum += Math.max(z[j], 0) - z[j] * y[j] + Math.log1p(Math.exp(-Math.abs(z[j])));
    return sum / z.length;
  }
  /** After a sigmoid, σ'(z) = a(1 − a) cancels the denominator: ∂L/∂z = (a − y) / units. */
  fusedGradient(activation: Activation, a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): boolean {
    if (activation !== 'sigmoid') return false;
    for (let j = 0; j < a.length; j++) out[j] = (a[j] - y[j]) / a.length;
    return true;
  }
  checkLabels(y: Float32Array, units: number, argument: string): void {
    checkRange(y, units, argument, 'a label in [0, 1] for binary cross-entropy', (v) => v >= 0 && v <= 1);
  }
}

/** ℓ(a, y) = (a − y)²: the squared error loss. */
export class MeanSquaredError extends ElementwiseLoss {
  readonly name = 'meanSquaredError';
  protected element(a: number, y: number): number {
    return (a - y) * (a - y);
  }
  protected elementGradient(a: number, y: number): number {
    return 2 * (a - y);
  }
}

/**
 * L(a, y) = −Σ_j y_j·log(p_j), p = a / Σa clipped to [ε, 1 − ε]: cross-entropy against a distribution y over the
 * classes (one-hot for a single class), as Keras computes it.
 */
export class CategoricalCrossentropy extends Loss {
  readonly name = 'categoricalCrossentropy';
  value(a: ArrayLike<number>, y: ArrayLike<number>): number {
    const total = sum(a);
    let loss = 0;
    for (let j = 0; j < a.length; j++) loss -= y[j] * Math.log(clip(a[j] / total));
    return loss;
  }
  /** ∂L/∂a_j = −y_j / a_j + Σy / Σa (the second term from the normalisation by Σa). */
  gradient(a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): void {
    const total = sum(a);
    const labels = sum(y);
    for (let j = 0; j < a.length; j++) out[j] = (clipped(a[j] / total) ? 0 : -y[j] / a[j]) + labels / total;
  }
  /** After a softmax the Jacobian folds the gradient to ∂L/∂z_j = a_j·Σy − y_j (a − y for one-hot labels). */
  fusedGradient(activation: Activation, a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): boolean {
    if (activation !== 'softmax') return false;
    const labels = sum(y);
    for (let j = 0; j < a.length; j++) out[j] = a[j] * labels - y[j];
    return true;
  }
  checkLabels(y: Float32Array, units: number, argument: string): void {
    checkRange(y, units, argument, 'a probability in [0, 1] for categorical cross-entropy', (v) => v >= 0 && v <= 1);
  }
}

/** L(a, c) = −log(a_c) for the class index c: categorical cross-entropy with integer labels, one column. */
export class SparseCategoricalCrossentropy extends Loss {
  readonly name = 'sparseCategoricalCrossentropy';
  private readonly dense = new CategoricalCrossentropy();
  value(a: ArrayLike<number>, y: ArrayLike<number>): number {
    return this.dense.value(Array.from(a, clip), oneHot(y[0], a.length));
  }
  gradient(a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): void {
    this.dense.gradient(a, oneHot(y[0], a.length), out);
    for (let j = 0; j < a.length; j++) if (clipped(a[j])) out[j] = 0;
  }
  fusedGradient(activation: Activation, a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): boolean {
    return this.dense.fusedGradient(activation, a, oneHot(y[0], a.length), out);
  }
  labelColumns(): number {
    return 1;
  }
  checkLabels(y: Float32Array, units: number, argument: string): void {
    checkRange(y, 1, argument, `a class index, an integer in [0, ${units})`, (v) => Number.isInteger(v) && v >= 0 && v < units);
  }
}

function sum(values: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i];
  return total;
}

function oneHot(index: number, classes: number): Float32Array {
  const row = new Float32Array(classes);
  row[index] = 1;
  return row;
}

/** Losses that need a softmax output layer. */
export const categorical = (loss: Loss) => loss instanceof CategoricalCrossentropy || loss instanceof SparseCategoricalCrossentropy;

export function toLoss(argument: string, value: unknown): Loss {
  if (value instanceof Loss) return value;
  const byName: Record<string, () => Loss> = {
    binaryCrossentropy: () => new BinaryCrossentropy(),
    meanSquaredError: () => new MeanSquaredError(),
    categoricalCrossentropy: () => new CategoricalCrossentropy(),
    sparseCategoricalCrossentropy: () => new SparseCategoricalCrossentropy(),
  };
  if (typeof value === 'string' && value in byName) return byName[value]();
  throw invalid(argument, `a Loss (new BinaryCrossentropy(), ...) or one of ${Object.keys(byName).map((n) => `'${n}'`).join(', ')}`, value);
}

/** Throws unless the last layer's activation suits the loss: categorical losses and softmax go together. */
export function checkOutputActivation(loss: Loss, activation: Activation): void {
  if (categorical(loss) && activation !== 'softmax') {
    throw new WebGPUNNError('INVALID_ARGUMENT', `compile({ loss }): expected a last layer with activation 'softmax' for ${loss.name}, got '${activation}'`);
  }
  if (!categorical(loss) && activation === 'softmax') {
    throw new WebGPUNNError('INVALID_ARGUMENT', `compile({ loss }): expected categoricalCrossentropy or sparseCategoricalCrossentropy for a softmax output layer, got ${loss.name}`);
  }
}
