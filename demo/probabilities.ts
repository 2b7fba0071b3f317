// A network's outputs read as class probabilities.
import type { Matrix } from '../src/index';

/** The probability of each class for one row of outputs: [P(0), P(1)] from a single sigmoid unit, else the row. */
export function classProbabilities(output: Matrix, row: number): Float32Array {
  const units = output.shape[1];
  if (units === 1) return Float32Array.of(1 - output.data[row], output.data[row]);
  return output.data.subarray(row * units, (row + 1) * units);
}

/** The index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
