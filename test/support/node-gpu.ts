// WebGPU in Node through Dawn (the `webgpu` package). The SwiftShader Vulkan driver that ships with Chromium
// is added to the drivers Dawn may pick (VK_ADD_DRIVER_FILES): a machine with a GPU still gets its GPU first.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';

const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

let gpu: GPU | undefined;

export function nodeGPU(): GPU {
  if (!gpu) {
    if (!process.env.VK_ADD_DRIVER_FILES && existsSync(swiftshaderIcd)) process.env.VK_ADD_DRIVER_FILES = swiftshaderIcd;
    Object.assign(globalThis, globals);
    gpu = create([]) as GPU;
  }
  return gpu;
}

/** A device with the adapter's largest storage buffers and, unless `timestamps` is false, its timestamp queries. */
export async function nodeDevice({ timestamps = true } = {}): Promise<GPUDevice> {
  const adapter = await nodeGPU().requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter from Dawn: install libvulkan1 and a Vulkan driver (scripts/setup.sh)');
  return adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
    requiredFeatures: timestamps && adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
}
