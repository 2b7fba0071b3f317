import { WebGPUNNError, describe, invalid } from './errors';

/** A row-major matrix: `data[r * cols + c]`. The library's input and output type. */
export interface Matrix {
  shape: [rows: number, cols: number];
  data: Float32Array;
}

/** What users may pass as data: a row per example, or a Matrix. */
export type MatrixLike = number[][] | Matrix;

/**
 * Data that already lives on the model's GPU device: [rows × cols] float32, row-major, from byte 0 of `buffer`.
 * Inputs need STORAGE usage; a predict output needs COPY_DST. The model reads or writes it and never destroys it.
 */
export interface GPUMatrix {
  shape: [rows: number, cols: number];
  buffer: GPUBuffer;
}

export function isGPUMatrix(value: unknown): value is GPUMatrix {
  const buffer = (value as { buffer?: { mapAsync?: unknown } } | null)?.buffer;
  return typeof buffer === 'object' && buffer !== null && typeof buffer.mapAsync === 'function';
}

/** Checks a GPUMatrix's shape against its buffer's size and usage. */
export function checkGPUMatrix(value: GPUMatrix, argument: string, usage: number, usageName: string): GPUMatrix {
  const { shape, buffer } = value;
  if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
    throw invalid(`${argument}.shape`, '[rows, cols] with positive integers', shape);
  }
  if (buffer.size < shape[0] * shape[1] * 4) {
    throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}.buffer: expected at least ${shape[0] * shape[1] * 4} bytes for [${shape[0]} × ${shape[1]}] float32, got ${buffer.size}`);
  }
  if ((buffer.usage & usage) === 0) throw invalid(`${argument}.buffer.usage`, `${usageName} usage`, buffer.usage);
  return { shape: [shape[0], shape[1]], buffer };
}

/**
 * Checks `value` and returns it as a Matrix (copied when it came as rows). Rejects ragged or empty data,
 * a shape that disagrees with the data's length, and NaN or Infinity, naming `argument` in the error.
 */
export function toMatrix(value: unknown, argument: string): Matrix {
  if (Array.isArray(value)) return fromRows(value, argument);
  if (value && typeof value === 'object' && 'shape' in value && 'data' in value) {
    const { shape, data } = value as { shape: unknown; data: unknown };
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((n) => Number.isInteger(n) && n > 0)) {
      throw invalid(`${argument}.shape`, '[rows, cols] with positive integers', shape);
    }
    if (!(data instanceof Float32Array)) throw invalid(`${argument}.data`, 'a Float32Array', data);
    const [rows, cols] = shape as [number, number];
    if (data.length !== rows * cols) {
      throw new WebGPUNNError(
        'SHAPE_MISMATCH',
        `${argument}: expected data of length rows × cols = ${rows} × ${cols} = ${rows * cols}, got ${data.length}`,
      );
    }
    assertFinite(data, argument, cols);
    return { shape: [rows, cols], data };
  }
  throw invalid(argument, 'number[][] or { shape: [rows, cols], data: Float32Array }', value);
}

function fromRows(rows: unknown[], argument: string): Matrix {
  if (rows.length === 0) throw invalid(argument, 'at least one row', rows);
  const first = rows[0];
  if (!Array.isArray(first) || first.length === 0) throw invalid(`${argument}[0]`, 'a non-empty array of numbers', first);
  const cols = first.length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}[${r}]: expected a row of ${cols} numbers (ragged rows), got ${describe(row)}`);
    }
    row.forEach((v, c) => {
      if (typeof v !== 'number') throw invalid(`${argument}[${r}][${c}]`, 'a number', v);
      data[r * cols + c] = v;
    });
  });
  assertFinite(data, argument, cols);
  return { shape: [rows.length, cols], data };
}

/** Throws NON_FINITE naming the first NaN or Infinity (and its row and column when `cols` is given). */
export function assertFinite(data: Float32Array, argument: string, cols = 0): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      const where = cols ? `[${Math.floor(i / cols)}][${i % cols}]` : `[${i}]`;
      throw new WebGPUNNError('NON_FINITE', `${argument}${where}: expected a finite number, got ${data[i]}`);
    }
  }
}
