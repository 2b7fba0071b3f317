import { WebGPUNNError } from '../errors';

export interface GpuHandle {
  device: GPUDevice;
  /** e.g. 'nvidia ampere' or 'google swiftshader (fallback)'. */
  adapterInfo: string;
}

/** The `navigator.gpu` of this host, if any. */
export function hostGPU(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

function describeAdapter(info: GPUAdapterInfo | undefined, fallback: boolean | undefined): string {
  const words = [info?.vendor, info?.architecture || info?.description].filter(Boolean).join(' ') || 'unknown adapter';
  return fallback ? `${words} (fallback)` : words;
}

/**
 * The device a model runs on: the app's own (`device`), or the one the library requests from `gpu` (default
 * `navigator.gpu`), shared by every model made from that `gpu` so that they share compiled pipelines too. Models
 * never destroy a device; a lost one is replaced at the next compile.
 */
export async function acquireDevice(options: { device?: GPUDevice; gpu?: GPU }): Promise<GpuHandle> {
  if (options.device) {
    const info = (options.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return { device: options.device, adapterInfo: describeAdapter(info, info?.isFallbackAdapter) };
  }
  const gpu = options.gpu ?? hostGPU();
  if (!gpu) throw new WebGPUNNError('WEBGPU_UNAVAILABLE', 'WebGPU: expected navigator.gpu or compile({ gpu }), got neither');
  let handle = devices.get(gpu);
  if (!handle) {
    handle = requestDevice(gpu);
    devices.set(gpu, handle);
    handle.then(
      ({ device }) => device.lost.then(() => devices.get(gpu) === handle && devices.delete(gpu)),
      () => devices.delete(gpu),
    );
  }
  return handle;
}

const devices = new WeakMap<GPU, Promise<GpuHandle>>();

/**
 * The GPU each requested device came from. A WeakMap holds a value as long as its key, so the GPU lives as long as
 * the device: in Node, a garbage-collected Dawn instance (the `webgpu` package's `create([])`) crashes the process
 * at the next use of its devices.
 */
const sources = new WeakMap<GPUDevice, GPU>();

/**
 * A device with the adapter's largest storage-buffer limits, so that big datasets fit, and its timestamps where it
 * has them, for the tuner (`compile({ tuning })`).
 */
async function requestDevice(gpu: GPU): Promise<GpuHandle> {
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new WebGPUNNError('WEBGPU_UNAVAILABLE', 'WebGPU: expected an adapter from requestAdapter(), got null');
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  sources.set(device, gpu);
  const info = adapter.info;
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info?.isFallbackAdapter;
  return { device, adapterInfo: describeAdapter(info, fallback) };
}

/**
 * Runs `work` inside validation and out-of-memory error scopes, so that a GPU error it causes rejects with
 * GPU_ERROR naming `what` (Dawn and browsers name the labelled object too: each bind group carries its kernel's
 * name) instead of surfacing later as an uncaptured error.
 */
export async function checked<T>(device: GPUDevice, what: string, work: () => T | Promise<T>): Promise<T> {
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let result: T | undefined;
  let failure: unknown;
  try {
    // Work done synchronously has its scopes popped at once, before the caller records anything else.
    const value = work();
    result = value instanceof Promise ? await value : value;
  } catch (error) {
    failure = error;
  }
  const errors = (await Promise.all([device.popErrorScope(), device.popErrorScope()])).filter((e) => e !== null);
  if (errors.length > 0) throw new WebGPUNNError('GPU_ERROR', `${what}: ${errors.map((e) => e.message).join('; ')}`);
  if (failure !== undefined) throw failure;
  return result as T;
}

/**
 * The messages of the device's uncaptured errors, from `new UncapturedErrors(device)` until `stop()`: what a fit says
 * of an epoch whose commands did not run. Only a fit's first epoch is submitted in error scopes (`checked`), as two
 * scopes an epoch cost the host more than the rest of its submit; a later epoch's failure is known from its readback
 * (gpu-backend.ts, the epoch's stamp), and its error, unless a scope of the app's took it, arrives here. The app's own
 * listeners see it too.
 */
export class UncapturedErrors {
  private messages: string[] = [];
  private readonly listener = (event: Event) => void this.messages.push((event as GPUUncapturedErrorEvent).error.message);

  constructor(private readonly device: GPUDevice) {
    device.addEventListener('uncapturederror', this.listener);
  }

  /** The messages that arrived since the last call, joined. */
  take(): string {
    const text = this.messages.join('; ');
    this.messages = [];
    return text;
  }

  stop(): void {
    this.device.removeEventListener('uncapturederror', this.listener);
  }
}
