import { WebGPUNNError } from '../errors';

export interface GpuHandle {
  device: GPUDevice;
  /** e.g. 'nvidia ampere' or 'google swiftshader (fallback)'. */
  adapterInfo: string;
  /** Whether the library requested the device (and so may destroy it) or the app shared its own. */
  shared: boolean;
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
 * The device a model runs on: the app's own (`device`), or one requested from `gpu` (default `navigator.gpu`)
 * with the adapter's largest storage-buffer limits, so that big datasets fit.
 */
export async function acquireDevice(options: { device?: GPUDevice; gpu?: GPU }): Promise<GpuHandle> {
  if (options.device) {
    const info = (options.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    return { device: options.device, adapterInfo: describeAdapter(info, info?.isFallbackAdapter), shared: true };
  }
  const gpu = options.gpu ?? hostGPU();
  if (!gpu) throw new WebGPUNNError('WEBGPU_UNAVAILABLE', 'WebGPU: expected navigator.gpu or compile({ gpu }), got neither');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new WebGPUNNError('WEBGPU_UNAVAILABLE', 'WebGPU: expected an adapter from requestAdapter(), got null');
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  const info = adapter.info;
  const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info?.isFallbackAdapter;
  return { device, adapterInfo: describeAdapter(info, fallback), shared: false };
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
    result = await work();
  } catch (error) {
    failure = error;
  }
  const errors = (await Promise.all([device.popErrorScope(), device.popErrorScope()])).filter((e) => e !== null);
  if (errors.length > 0) throw new WebGPUNNError('GPU_ERROR', `${what}: ${errors.map((e) => e.message).join('; ')}`);
  if (failure !== undefined) throw failure;
  return result as T;
}
