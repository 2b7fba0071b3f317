// Data files for the command line: CSV (numbers, the label in the last column, an optional header line) and the
// demo's digit files (.u8: rows × 400 pixel bytes, then a label byte per row: the digit).
import { readFile } from 'node:fs/promises';
import { decodeDigits } from '../data/digits';
import { type Matrix, WebGPUNNError } from 'webgpu-nn';

const badData = (argument: string, expected: string, got: string) => new WebGPUNNError('INVALID_ARGUMENT', `${argument}: expected ${expected}, got ${got}`);

export interface Dataset {
  x: Matrix;
  /** One label per row. */
  labels: Float32Array;
}

export async function readDataset(path: string): Promise<Dataset> {
  const bytes = await readFile(path);
  if (path.endsWith('.u8')) {
    const { x, labels } = decodeDigits(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return { x, labels: Float32Array.from(labels) };
  }
  return parseCsv(bytes.toString('utf8'), `--data ${path}`);
}

/** Rows of comma-separated numbers, the last one the label; a first line that is not all numbers is a header. */
function parseCsv(text: string, argument: string): Dataset {
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, cells: line.split(',').map((cell) => cell.trim()) }))
    .filter(({ cells }) => cells.some((cell) => cell !== ''));
  const isNumber = (cell: string) => cell !== '' && Number.isFinite(Number(cell));
  const rows = lines.length > 0 && !lines[0].cells.every(isNumber) ? lines.slice(1) : lines;
  if (rows.length === 0) throw badData(argument, 'CSV rows of numbers, the label last', 'no rows');
  const columns = rows[0].cells.length;
  if (columns < 2) throw badData(`${argument}:${rows[0].number}`, 'at least 2 columns: the features, then the label', `${columns}`);
  const features = columns - 1;
  const x = new Float32Array(rows.length * features);
  const labels = new Float32Array(rows.length);
  rows.forEach(({ number, cells }, r) => {
    if (cells.length !== columns) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}:${number}: expected ${columns} columns (as the first row has), got ${cells.length}`);
    }
    cells.forEach((cell, c) => {
      if (!isNumber(cell)) throw badData(`${argument}:${number}, column ${c + 1}`, 'a finite number', JSON.stringify(cell));
      if (c < features) x[r * features + c] = Number(cell);
      else labels[r] = Number(cell);
    });
  });
  return { x: { shape: [rows.length, features], data: x }, labels };
}

/** The labels as targets for `units` outputs: a column for one unit, else one-hot rows of class indices. */
export function targets(labels: Float32Array, units: number, argument: string): Matrix {
  if (units === 1) return { shape: [labels.length, 1], data: labels };
  const data = new Float32Array(labels.length * units);
  labels.forEach((label, r) => {
    if (!Number.isInteger(label) || label < 0 || label >= units) {
      throw badData(`${argument}: the label of row ${r + 1}`, `a class index in [0, ${units}) for a last layer of ${units} units`, String(label));
    }
    data[r * units + label] = 1;
  });
  return { shape: [labels.length, units], data };
}
