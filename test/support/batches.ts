// Rows cut into fitDataset's batches, for the tests and checks that compare fitDataset with fit on the same rows.
import type { Matrix } from '../../src/matrix';
import type { Batch } from '../../src/model/fit-dataset';

/** The rows of `m` from `start`, `count` of them, as a matrix of their own. */
export function rowsOf(m: Matrix, start: number, count: number): Matrix {
  const cols = m.shape[1];
  return { shape: [count, cols], data: m.data.slice(start * cols, (start + count) * cols) };
}

/** x, y (and w) cut into batches of `size` rows, the last one short, as fit with shuffle off cuts them. */
export function batchesOf(x: Matrix, y: Matrix, size: number, w?: Float32Array): Batch<Matrix>[] {
  const batches: Batch<Matrix>[] = [];
  for (let start = 0; start < x.shape[0]; start += size) {
    const count = Math.min(size, x.shape[0] - start);
    batches.push({ xs: rowsOf(x, start, count), ys: rowsOf(y, start, count), ...(w ? { sampleWeight: w.slice(start, start + count) } : {}) });
  }
  return batches;
}
