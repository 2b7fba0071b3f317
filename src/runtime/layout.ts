// How matrices lie in GPU buffers: row-major, the rows the matmul kernels read as vec4s padded to whole vec4s.

/** Floats per row of a matrix the kernels read as vec4s: `cols` padded to a multiple of 4. */
export const padded = (cols: number) => Math.ceil(cols / 4) * 4;

/** The most bytes one binding (and one buffer) may hold on this device. */
export function bindingLimit(device: GPUDevice): number {
  return Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
}
