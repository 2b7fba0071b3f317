// Deterministic synthetic data sets for the tests.
import type { Matrix } from '../../src/matrix';
import { seededRandom } from '../../src/random';

/**
 * A learnable binary task of the lesson's shape: `rows` examples of `features` values in [0, 1]. Label 1
 * rows are brighter in the first half of their features, label 0 rows in the second half, under noise.
 */
export function halvesDataset(rows: number, features: number, seed = 1): { x: Matrix; y: Matrix } {
  const random = seededRandom(seed);
  const x = new Float32Array(rows * features);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = random() < 0.5 ? 1 : 0;
    for (let c = 0; c < features; c++) {
      const bright = c < features / 2 === (y[r] === 1);
      x[r * features + c] = 0.7 * random() + (bright ? 0.3 : 0);
    }
  }
  return { x: { shape: [rows, features], data: x }, y: { shape: [rows, 1], data: y } };
}

/** A matrix of uniform values in [lo, hi). */
export function randomMatrix(rows: number, cols: number, seed: number, lo = -1, hi = 1): Matrix {
  const random = seededRandom(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * random();
  return { shape: [rows, cols], data };
}

/** The largest |a − b| / max(1, |b|) over two arrays of equal length. */
export function maxRelativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} differs from ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const error = Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i]));
    if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
  }
  return worst;
}
