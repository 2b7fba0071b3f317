// Data files for the command line: CSV (numbers, an optional header line; to train, the label in the last column)
// and the demo's digit files (.u8: rows × 400 pixel bytes, then a label byte per row: the digit).
import { readFile } from 'node:fs/promises';
import { decodeDigits } from '../data/digits';
import { type CompileOptions, type Matrix, WebGPUNNError } from 'webgpu-nn';

const badData = (argument: string, expected: string, got: string) => new WebGPUNNError('INVALID_ARGUMENT', `${argument}: expected ${expected}, got ${got}`);

export interface Dataset {
  x: Matrix;
  /** One label per row. */
  labels: Float32Array;
}

/** A table of numbers, row-major, and the line of the file each row came from. */
interface Table {
  columns: number;
  values: Float32Array;
  lines: number[];
}

/** Rows of comma-separated numbers, all as wide as the first; a first line that is not all numbers is a header. */
function parseCsv(text: string, argument: string): Table {
  const lines = text
    .split(/\r?\n/)
    .map((line, i) => ({ number: i + 1, cells: line.split(',').map((cell) => cell.trim()) }))
    .filter(({ cells }) => cells.some((cell) => cell !== ''));
  const isNumber = (cell: string) => cell !== '' && Number.isFinite(Number(cell));
  const rows = lines.length > 0 && !lines[0].cells.every(isNumber) ? lines.slice(1) : lines;
  if (rows.length === 0) throw badData(argument, 'CSV rows of numbers', 'no rows');
  const columns = rows[0].cells.length;
  const values = new Float32Array(rows.length * columns);
  rows.forEach(({ number, cells }, r) => {
    if (cells.length !== columns) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}:${number}: expected ${columns} columns (as the first row has), got ${cells.length}`);
    }
    cells.forEach((cell, c) => {
      if (!isNumber(cell)) throw badData(`${argument}:${number}, column ${c + 1}`, 'a finite number', JSON.stringify(cell));
      values[r * columns + c] = Number(cell);
    });
  });
  return { columns, values, lines: rows.map(({ number }) => number) };
}

/** The first `features` columns of a table as a matrix. */
function featuresOf({ columns, values, lines }: Table, features: number): Matrix {
  const x = new Float32Array(lines.length * features);
  for (let r = 0; r < lines.length; r++) x.set(values.subarray(r * columns, r * columns + features), r * features);
  return { shape: [lines.length, features], data: x };
}

async function readTable(path: string): Promise<Table | ReturnType<typeof decodeDigits>> {
  const bytes = await readFile(path);
  if (path.endsWith('.u8')) return decodeDigits(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return parseCsv(bytes.toString('utf8'), `--data ${path}`);
}

/** Training data: the features and a label per row (the last CSV column, or the digit). */
export async function readDataset(path: string): Promise<Dataset> {
  const table = await readTable(path);
  if ('labels' in table) return { x: table.x, labels: Float32Array.from(table.labels) };
  if (table.columns < 2) throw badData(`--data ${path}:${table.lines[0]}`, 'at least 2 columns: the features, then the label', `${table.columns}`);
  const { columns, values } = table;
  return { x: featuresOf(table, columns - 1), labels: Float32Array.from(table.lines, (_, r) => values[r * columns + columns - 1]) };
}

/** Rows to predict for a model of `inputs` inputs: a CSV of `inputs` columns, or one more (a label, ignored). */
export async function readFeatures(path: string, inputs: number | undefined): Promise<Matrix> {
  const table = await readTable(path);
  if ('labels' in table) return table.x;
  if (inputs === undefined || table.columns === inputs || table.columns === inputs + 1) return featuresOf(table, inputs ?? table.columns);
  throw new WebGPUNNError('SHAPE_MISMATCH', `--data ${path}: expected ${inputs} columns (the model's inputs), or ${inputs + 1} with a label last, got ${table.columns}`);
}

type LossName = Exclude<CompileOptions['loss'], object>;

/**
 * The labels as the loss's targets for `units` outputs: a column of values for one output unit under
 * binaryCrossentropy or meanSquaredError; otherwise each label is a class index in [0, units), kept as a column for
 * sparseCategoricalCrossentropy and one-hot encoded for the others.
 */
export function targets(labels: Float32Array, loss: LossName, units: number, argument: string): Matrix {
  const sparse = loss === 'sparseCategoricalCrossentropy';
  if (units === 1 && !sparse && loss !== 'categoricalCrossentropy') return { shape: [labels.length, 1], data: labels };
  labels.forEach((label, r) => {
    if (!Number.isInteger(label) || label < 0 || label >= units) {
      throw badData(`${argument}: the label of row ${r + 1}`, `a class index in [0, ${units}) for a last layer of ${units} units`, String(label));
    }
  });
  if (sparse) return { shape: [labels.length, 1], data: labels };
  const data = new Float32Array(labels.length * units);
  labels.forEach((label, r) => (data[r * units + label] = 1));
  return { shape: [labels.length, units], data };
}
