// The weights manifest of a model.json: groups of weight files and the weights stored in them, one after another,
// the bytes of each group the concatenation of its files. It is read for a topology whose weights are known, so that
// every weight is matched to one of the model's by name, however the writer named and ordered them:
// - as TF.js and Keras 2 (through tensorflowjs_converter) do: 'dense_1/kernel', in any order (the converter walks the
//   HDF5 file's layers alphabetically: dense, dense_1, dense_10, dense_2, ...);
// - as Keras 3 does through an HDF5 file: with the model's name before it, 'sequential/dense/kernel';
// - as the converter does for a Keras 3 .keras file: by position among the layer's variables, 'layers/dense/vars/0'.
// Optimizer state (TF.js's group: 'optimizer', Keras 3's 'optimizer/vars/N') takes its bytes and is skipped. Every
// size is checked, and bounded, before anything is allocated for it.
import { WebGPUNNError, describe } from '../errors';
import { badFile, fileList, fileRecord } from '../layers/format';
import { BYTES_PER_VALUE, type StoredAs } from './weight-values';

/** One of the model's weights, as the topology gives it. */
export interface ExpectedWeight {
  /** 'dense_1/kernel': the layer's name, then the weight's. */
  name: string;
  layer: string;
  /** Its position among its layer's weights (Keras order). */
  index: number;
  shape: number[];
  size: number;
}

/** Where a weight's bytes start among all the weight files' bytes, and how they store it. */
export interface PlacedWeight {
  offset: number;
  stored: StoredAs;
}

/** The most elements one manifest entry may declare: the model's own parameter limit. */
const MAX_ENTRY_ELEMENTS = 2 ** 28;

/**
 * The most bytes a manifest may declare in all: 2^28 float32 parameters (1 GiB) and optimizer state three times
 * their size (Adam's two moments, and room to spare). A manifest declaring more is rejected before any file is read.
 */
const MAX_WEIGHT_BYTES = 2 ** 32;

/**
 * The most weight files a manifest may list: 4 GiB (MAX_WEIGHT_BYTES) in the converter's default 4 MiB shards is
 * 1024; four times that leaves room for smaller shards. With each file listed once, loading a manifest fetches at
 * most this many files, whatever its paths.
 */
const MAX_WEIGHT_FILES = 4096;

/** Bytes per value of dtypes that optimizer state may have. */
const STATE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

interface Group {
  paths: string[];
  weights: unknown[];
  at: string;
}

function readGroups(value: unknown, argument: string): Group[] {
  const at = `${argument}.weightsManifest`;
  const seen = new Set<string>();
  return fileList(value, at, 'an array of { paths, weights } groups').map((entry, i) => {
    const group = fileRecord(entry, `${at}[${i}]`, '{ paths, weights }');
    const paths = fileList(group.paths, `${at}[${i}].paths`, 'an array of file names');
    paths.forEach((path, p) => {
      const pathAt = `${at}[${i}].paths[${p}]`;
      if (typeof path !== 'string' || path === '') throw badFile(pathAt, 'a file name', path);
      // A file listed twice would be read twice: its bytes counted again, or a loop of shards.
      if (seen.has(path)) throw badFile(pathAt, 'each weight file listed once', path);
      seen.add(path);
      if (seen.size > MAX_WEIGHT_FILES) throw badFile(at, `at most ${MAX_WEIGHT_FILES} weight files in all`, `${seen.size} or more`);
    });
    return { paths: paths as string[], weights: fileList(group.weights, `${at}[${i}].weights`, 'an array of { name, shape, dtype }'), at: `${at}[${i}]` };
  });
}

/** The weight files that model.json's manifest lists, in order (their bytes, concatenated, are the weights). */
export function manifestPaths(value: unknown, argument: string): string[] {
  return readGroups(value, argument).flatMap((group) => group.paths);
}

/** The model weight that a manifest name stands for, or undefined. */
function weightIndex(name: unknown, expected: ExpectedWeight[], byName: Map<string, number>, modelName: string | undefined): number | undefined {
  if (typeof name !== 'string') return undefined;
  const exact = byName.get(name);
  if (exact !== undefined) return exact;
  if (modelName !== undefined && name.startsWith(`${modelName}/`)) {
    const unprefixed = byName.get(name.slice(modelName.length + 1));
    if (unprefixed !== undefined) return unprefixed;
  }
  // Keras 3 .keras files: layers/<layer>/vars/<i> (_layer_checkpoint_dependencies/… in Keras 3.0).
  const vars = /^(?:layers|_layer_checkpoint_dependencies)\/(.+)\/vars\/(\d+)$/.exec(name);
  const k = vars ? expected.findIndex((w) => w.layer === vars[1] && w.index === Number(vars[2])) : -1;
  return k < 0 ? undefined : k;
}

function isOptimizerState(spec: Record<string, unknown>): boolean {
  return spec.group === 'optimizer' || (typeof spec.name === 'string' && /^optimizer\/vars\/\d+$/.test(spec.name));
}

/** How a model weight's entry stores its float32 values. */
function storedAs(spec: Record<string, unknown>, at: string): StoredAs {
  if (spec.dtype !== 'float32') throw badFile(`${at}.dtype`, "'float32'", spec.dtype);
  if (spec.quantization === undefined) return { dtype: 'float32' };
  const q = fileRecord(spec.quantization, `${at}.quantization`, "{ dtype: 'float16' } or { dtype: 'uint8' | 'uint16', scale, min }");
  if (q.original_dtype !== undefined && q.original_dtype !== 'float32') throw badFile(`${at}.quantization.original_dtype`, "'float32'", q.original_dtype);
  if (q.dtype === 'float16') return { dtype: 'float16' };
  if (q.dtype !== 'uint8' && q.dtype !== 'uint16') throw badFile(`${at}.quantization.dtype`, "'float16', 'uint8' or 'uint16'", q.dtype);
  for (const field of ['scale', 'min']) {
    if (typeof q[field] !== 'number' || !Number.isFinite(q[field])) throw badFile(`${at}.quantization.${field}`, `a finite number (${q.dtype} values are q · scale + min)`, q[field]);
  }
  return { dtype: q.dtype, scale: q.scale as number, min: q.min as number };
}

/** The bytes of an entry that is not a model weight (optimizer state), from its shape and dtype. */
function stateBytes(spec: Record<string, unknown>, at: string): number {
  const shape = fileList(spec.shape, `${at}.shape`, 'an array of dimensions');
  let elements = 1;
  shape.forEach((n, d) => {
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw badFile(`${at}.shape[${d}]`, 'a non-negative integer', n);
    elements *= n;
    if (elements > MAX_ENTRY_ELEMENTS) throw new WebGPUNNError('INVALID_MODEL_FILE', `${at}.shape: expected at most 2^28 elements, got ${elements} or more`);
  });
  if (spec.quantization !== undefined) {
    const dtype = fileRecord(spec.quantization, `${at}.quantization`, '{ dtype }').dtype;
    if (dtype !== 'float16' && dtype !== 'uint8' && dtype !== 'uint16') throw badFile(`${at}.quantization.dtype`, "'float16', 'uint8' or 'uint16'", dtype);
    return elements * BYTES_PER_VALUE[dtype];
  }
  const bytes = typeof spec.dtype === 'string' && Object.hasOwn(STATE_BYTES, spec.dtype) ? STATE_BYTES[spec.dtype] : undefined;
  if (bytes === undefined) throw badFile(`${at}.dtype`, `a dtype of fixed size (${Object.keys(STATE_BYTES).map((d) => `'${d}'`).join(', ')})`, spec.dtype);
  return elements * bytes;
}

/**
 * Where each of the model's weights lies in the weight files' bytes, how many bytes the manifest lists in all, and
 * the files, from a manifest that must list each of the weights once, with the shape the topology gives it.
 */
export function readManifest(value: unknown, argument: string, expected: ExpectedWeight[], modelName: string | undefined): { placed: PlacedWeight[]; byteLength: number; paths: string[] } {
  const byName = new Map(expected.map((weight, k) => [weight.name, k]));
  const placed: PlacedWeight[] = [];
  let byteLength = 0;
  const add = (bytes: number, at: string) => {
    byteLength += bytes;
    if (byteLength > MAX_WEIGHT_BYTES) throw new WebGPUNNError('INVALID_MODEL_FILE', `${at}: expected weights of at most 2^32 bytes in all, got ${byteLength} bytes up to here`);
  };
  const groups = readGroups(value, argument);
  for (const group of groups) {
    group.weights.forEach((entry, j) => {
      const at = `${group.at}.weights[${j}]`;
      const spec = fileRecord(entry, at, '{ name, shape, dtype }');
      const k = weightIndex(spec.name, expected, byName, modelName);
      if (k === undefined) {
        if (isOptimizerState(spec)) return add(stateBytes(spec, at), at);
        throw badFile(`${at}.name`, `the kernel or bias of a layer of the topology, like '${expected[0].name}'`, spec.name);
      }
      if (placed[k] !== undefined) throw badFile(`${at}.name`, 'each weight listed once', spec.name);
      const stored = storedAs(spec, at);
      const { shape, size, name } = expected[k];
      if (!Array.isArray(spec.shape) || spec.shape.length !== shape.length || spec.shape.some((n, d) => n !== shape[d])) {
        const got = Array.isArray(spec.shape) && spec.shape.length <= 4 ? `[${spec.shape.map(describe).join(', ')}]` : describe(spec.shape);
        throw new WebGPUNNError('INVALID_MODEL_FILE', `${at}.shape: expected [${shape.join(', ')}], the shape the topology gives '${name}', got ${got}`);
      }
      placed[k] = { offset: byteLength, stored };
      add(BYTES_PER_VALUE[stored.dtype] * size, at);
    });
  }
  const missing = expected.find((_, k) => placed[k] === undefined);
  if (missing) {
    throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}.weightsManifest: expected a weight named '${missing.name}' (a layer of the topology has it), got none`);
  }
  return { placed, byteLength, paths: groups.flatMap((group) => group.paths) };
}
