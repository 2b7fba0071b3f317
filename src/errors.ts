/** Every error the library throws on purpose. `code` says which check failed; the message names the argument. */
export type ErrorCode =
  | 'INVALID_ARGUMENT' // a value of the wrong type, range or size
  | 'SHAPE_MISMATCH' // data that disagrees with itself or with the model
  | 'NON_FINITE' // NaN or Infinity in data or weights
  | 'NOT_COMPILED' // fit/evaluate before compile, or weights before the model is built
  | 'DISPOSED' // any call after dispose()
  | 'BUSY' // fit while another fit runs on the same model
  | 'WEBGPU_UNAVAILABLE' // backend 'webgpu' without an adapter
  | 'GPU_ERROR' // a kernel failed to compile, or the device reported an error
  | 'DEVICE_LOST' // the GPU device was lost during a call
  | 'DIVERGED' // the training loss became NaN or Infinity
  | 'INVALID_MODEL_FILE' // model files that are not a TF.js layers model of Dense layers, or disagree with themselves
  | 'MODEL_NOT_FOUND' // nothing at a model URL: no such model in IndexedDB or localStorage, no such file, HTTP 404
  | 'STORAGE_ERROR'; // model storage failed: a quota, the network, the file system, or a store this platform lacks

export class WebGPUNNError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WebGPUNNError';
  }
}

/** Describes a value for an error message: its type and, for small values, the value itself. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of length ${(value as Float32Array).length}`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return `an object with keys {${Object.keys(value as object).join(', ')}}`;
  return typeof value;
}

export function invalid(argument: string, expected: string, got: unknown): WebGPUNNError {
  return new WebGPUNNError('INVALID_ARGUMENT', `${argument}: expected ${expected}, got ${describe(got)}`);
}

export function positiveInteger(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw invalid(argument, 'a positive integer', value);
  return value;
}

export function positiveNumber(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw invalid(argument, 'a positive finite number', value);
  return value;
}
