// What a loss is, for the CPU reference and the kernels alike. A loss compares a row of the network's outputs a
// with its labels y; the cost of a batch of m rows is the mean of the rows' losses (Keras: each row's loss, then the
// mean over the batch). Each loss file gives its formula once in TypeScript and once in WGSL, side by side.
import type { ElementwiseName } from '../activations/activations';

/** Predictions are clipped to [ε, 1 − ε] inside the logarithms, as Keras and TensorFlow.js do (Keras's epsilon). */
export const EPSILON = 1e-7;

/**
 * A loss that is the mean over the row of a loss ℓ(a, y) of each element, after an element-wise output
 * activation. WGSL bodies act on four elements at once (`a`, `y`, `z` are vec4f) and may use EPSILON.
 */
export interface ElementLoss {
  shape: 'element';
  /** ℓ(a, y). */
  value(a: number, y: number): number;
  /** ∂ℓ/∂a. */
  gradient(a: number, y: number): number;
  wgsl: { value: string; gradient: string };
  /**
   * Where the output activation is `activation`: ℓ in its logits z, exact where the activation saturates, and ∂ℓ/∂z,
   * in which the activation's derivative cancels the loss's denominators.
   */
  fused?: {
    activation: ElementwiseName;
    value(z: number, y: number): number;
    gradient(a: number, y: number): number;
    wgsl: { value: string; gradient: string };
  };
}

/**
 * A loss over a whole softmax row: L(a, y) = Σ_j term(a_j, y_j), with labels a distribution over the classes, or
 * (`labels: 'index'`) one column holding the class index. After a softmax its gradient in the logits is
 * ∂L/∂z_j = a_j·Σy − y_j, the softmax's Jacobian folded in.
 */
export interface RowLoss {
  shape: 'row';
  labels: 'distribution' | 'index';
  /** L of one row of probabilities a and its labels, as they come (a distribution, or the class index). */
  value(a: ArrayLike<number>, y: ArrayLike<number>): number;
  /** ∂L/∂a, into `out`. */
  gradient(a: ArrayLike<number>, y: ArrayLike<number>, out: Float32Array): void;
  /** The WGSL body of `fn term(a: f32, y: f32) -> f32`, summed over the row. */
  wgsl: { term: string };
}

/** A loss's formulas, whichever its shape. */
export type LossMath = ElementLoss | RowLoss;

export type LossDefinition = LossMath & {
  /** Throws naming the first label this loss cannot take; labels of a row of `units` outputs. */
  checkLabels(y: Float32Array, units: number, argument: string, fail: (argument: string, expected: string, got: number) => Error): void;
};

/** Label columns for an output layer of `units`: `units`, or 1 for class indices. */
export const labelColumns = (loss: LossMath, units: number): number => (loss.shape === 'row' && loss.labels === 'index' ? 1 : units);

/** A row's labels as a distribution over `classes`: as they come, or one-hot from a class index. */
export function labelDistribution(loss: RowLoss, y: ArrayLike<number>, classes: number): ArrayLike<number> {
  if (loss.labels === 'distribution') return y;
  const row = new Float32Array(classes);
  row[y[0]] = 1;
  return row;
}

/** Clips a probability into [ε, 1 − ε]; `clipped` says where the clip holds it, and so where its gradient is 0. */
export const clip = (a: number) => Math.min(Math.max(a, EPSILON), 1 - EPSILON);
export const clipped = (a: number) => a < EPSILON || a > 1 - EPSILON;

/** Throws for the first of `cols`-column labels that `ok` refuses, naming its row and column. */
export function checkRange(y: Float32Array, cols: number, argument: string, what: string, ok: (v: number) => boolean, fail: (argument: string, expected: string, got: number) => Error): void {
  const i = y.findIndex((v) => !ok(v));
  if (i >= 0) throw fail(`${argument}[${Math.floor(i / cols)}][${i % cols}]`, what, y[i]);
}
