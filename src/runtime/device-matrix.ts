// The data of a pass on the device: the user's rows as the kernels bind them, whole or in chunks of one binding.
import type { Data } from '../backend';
import { WebGPUNNError } from '../errors';
import { BufferUsage } from './flags';
import { bindingLimit, padded } from './layout';

/**
 * Data on the device: [rows × cols] float32, row-major with `stride` floats per row, as row ranges that each fit
 * one binding: the whole matrix, or chunks of it when it is larger than the device lets a shader bind
 * (maxStorageBufferBindingSize). Owned buffers are destroyed with the plan.
 */
export interface DeviceMatrix {
  chunks: { buffer: GPUBuffer; offset: number; size: number; firstRow: number; rows: number }[];
  rows: number;
  cols: number;
  stride: number;
  owned: boolean;
}

/** Rows per chunk: as many as fit a binding, a multiple of 64 so that every chunk starts 256-byte aligned. */
function chunkRows(device: GPUDevice, cols: number, label: string): number {
  const rows = Math.floor(bindingLimit(device) / (cols * 4) / 64) * 64;
  if (rows === 0) throw new WebGPUNNError('INVALID_ARGUMENT', `${label}: expected rows that fit 64 to a GPU binding of ${bindingLimit(device)} bytes, got rows of ${cols} numbers`);
  return rows;
}

/**
 * A matrix on the device: the app's own buffer as it is, or a Float32Array uploaded once, its rows padded to vec4s
 * when `pad` (the inputs: the kernels read them as vec4s); chunked when large.
 */
export function deviceMatrix(device: GPUDevice, m: Data, label: string, pad = false): DeviceMatrix {
  const [rows, cols] = m.shape;
  const stride = 'buffer' in m || !pad ? cols : padded(cols);
  const perChunk = chunkRows(device, stride, label);
  const chunks: DeviceMatrix['chunks'] = [];
  for (let firstRow = 0; firstRow < rows; firstRow += perChunk) {
    const count = Math.min(perChunk, rows - firstRow);
    const size = count * stride * 4;
    if ('buffer' in m) {
      chunks.push({ buffer: m.buffer, offset: firstRow * stride * 4, size, firstRow, rows: count });
    } else {
      const buffer = device.createBuffer({ label, size: Math.max(16, size), usage: BufferUsage.STORAGE, mappedAtCreation: true });
      const data = new Float32Array(buffer.getMappedRange());
      for (let r = 0; r < count; r++) data.set(m.data.subarray((firstRow + r) * cols, (firstRow + r + 1) * cols), r * stride);
      buffer.unmap();
      chunks.push({ buffer, offset: 0, size: Math.max(16, size), firstRow, rows: count });
    }
  }
  return { chunks, rows, cols, stride, owned: !('buffer' in m) };
}

