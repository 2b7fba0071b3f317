import { invalid } from '../errors';
import { type Loss, SparseCategoricalCrossentropy } from './losses';

/**
 * Which accuracy 'accuracy' means, chosen as Keras chooses it: sparse categorical for integer class labels,
 * binary for a single output unit or binary cross-entropy, categorical otherwise.
 */
export type AccuracyKind = 'binary' | 'categorical' | 'sparseCategorical';

export function accuracyKind(loss: Loss, units: number): AccuracyKind {
  if (loss instanceof SparseCategoricalCrossentropy) return 'sparseCategorical';
  if (units === 1 || loss.name === 'binaryCrossentropy') return 'binary';
  return 'categorical';
}

/** The metrics a compile may ask for. */
export function checkMetrics(argument: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value) && value.every((m) => m === 'accuracy' || m === 'acc')) return value.length > 0;
  throw invalid(argument, "an array of metric names: ['accuracy']", value);
}

const argmax = (row: ArrayLike<number>) => {
  let best = 0;
  for (let j = 1; j < row.length; j++) if (row[j] > row[best]) best = j;
  return best;
};

/**
 * The accuracy of one row, in [0, 1]. Binary: the fraction of units where (a > 0.5) equals the label;
 * categorical: whether argmax a is argmax y; sparse categorical: whether argmax a is the class index y.
 */
export function rowAccuracy(kind: AccuracyKind, a: ArrayLike<number>, y: ArrayLike<number>): number {
  if (kind === 'sparseCategorical') return Number(argmax(a) === y[0]);
  if (kind === 'categorical') return Number(argmax(a) === argmax(y));
  let correct = 0;
  for (let j = 0; j < a.length; j++) correct += Number((a[j] > 0.5 ? 1 : 0) === y[j]);
  return correct / a.length;
}

/** The mean row accuracy of m rows of outputs against their labels. */
export function accuracy(kind: AccuracyKind, output: Float32Array, y: Float32Array, m: number): number {
  const units = output.length / m;
  const labels = y.length / m;
  let sum = 0;
  for (let r = 0; r < m; r++) sum += rowAccuracy(kind, output.subarray(r * units, (r + 1) * units), y.subarray(r * labels, (r + 1) * labels));
  return sum / m;
}
