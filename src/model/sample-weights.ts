// Weights per row, as fit and evaluate take them: sampleWeight (a number per row: a Float32Array or number[], a
// [rows × 1] Matrix, or on WebGPU a [rows × 1] GPUMatrix) or classWeight (a weight per class, which becomes each
// training row's weight from its label, as Keras turns class_weight into sample weights).
import type { Data } from '../backend';
import { WebGPUNNError, invalid } from '../errors';
import { type GPUMatrix, type Matrix, assertFinite, checkGPUMatrix, isGPUMatrix } from '../matrix';
import { BufferUsage } from '../runtime/flags';

export type SampleWeightLike = Float32Array | number[] | Matrix | GPUMatrix;

/** A weight per class index: { 0: 1, 1: 5 }. */
export type ClassWeight = Record<number, number>;

/**
 * The rows' weights as a [rows × 1] matrix: numbers, finite and not negative; or (`gpu`) an app's buffer of them,
 * which must allow COPY_SRC (it is copied, once per fit, beside the plan's other per-row words).
 */
export function checkSampleWeight(argument: string, value: unknown, rows: number, gpu: boolean): Data {
  if (isGPUMatrix(value)) {
    if (!gpu) throw invalid(argument, "a model compiled with backend 'webgpu' for weights in a GPUBuffer", 'a GPUBuffer');
    const m = checkGPUMatrix(value, argument, BufferUsage.COPY_SRC, 'COPY_SRC');
    if (m.shape[0] !== rows || m.shape[1] !== 1) throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected [${rows} × 1] (a weight per row), got [${m.shape.join(' × ')}]`);
    return m;
  }
  const mismatch = (got: string) => new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected [${rows} × 1] (a weight per row), got ${got}`);
  let data: Float32Array;
  if (value instanceof Float32Array) data = value;
  else if (Array.isArray(value)) {
    const bad = value.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) throw invalid(`${argument}[${bad}]`, 'a number', value[bad]);
    data = Float32Array.from(value);
  } else if (value && typeof value === 'object' && 'shape' in value && 'data' in value && (value as Matrix).data instanceof Float32Array) {
    const { shape, data: values } = value as Matrix;
    if (!Array.isArray(shape) || shape[0] !== rows || shape[1] !== 1 || values.length !== rows) throw mismatch(Array.isArray(shape) ? `[${shape.join(' × ')}]` : 'no shape');
    data = values;
  } else throw invalid(argument, 'a weight per row: a Float32Array, number[], or [rows × 1] matrix', value);
  if (data.length !== rows) throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected ${rows} weights (one per row), got ${data.length}`);
  assertFinite(data, argument);
  const negative = data.findIndex((w) => w < 0);
  if (negative >= 0) throw invalid(`${argument}[${negative}]`, 'a weight ≥ 0', data[negative]);
  return { shape: [rows, 1], data };
}

/** Checks a classWeight: class indices (integers ≥ 0) to weights (finite, ≥ 0). */
export function checkClassWeight(argument: string, value: unknown): Map<number, number> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(argument, 'an object of class indices to weights, like { 0: 1, 1: 5 }', value);
  const weights = new Map<number, number>();
  for (const [key, weight] of Object.entries(value)) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0) throw invalid(`${argument}[${JSON.stringify(key)}]`, 'a class index (an integer ≥ 0) for a key', key);
    if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) throw invalid(`${argument}[${key}]`, 'a finite weight ≥ 0', weight);
    weights.set(index, weight);
  }
  return weights;
}

/** NumPy's round: halves to the even neighbour. */
const roundHalfEven = (v: number) => (Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : Math.round(v));

/**
 * Each row's weight from its label's class, Keras's way: the class is the label rounded where there is one column
 * (a class index, or 0/1), else the argmax of the row; a class the map lacks weighs 1.
 */
export function classWeightsOf(classWeight: Map<number, number>, y: Matrix): Matrix {
  const [rows, cols] = y.shape;
  const data = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let label = 0;
    if (cols === 1) label = roundHalfEven(y.data[r]);
    else for (let j = 1; j < cols; j++) if (y.data[r * cols + j] > y.data[r * cols + label]) label = j;
    data[r] = classWeight.get(label) ?? 1;
  }
  return { shape: [rows, 1], data };
}
