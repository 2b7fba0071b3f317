// WebGPU in Node through Dawn (the `webgpu` package). On a machine without a GPU, Dawn is pointed at
// the SwiftShader Vulkan driver that ships with Chromium.
import { existsSync } from 'node:fs';
import { create, globals } from 'webgpu';

const swiftshaderIcd = '/usr/lib/chromium/vk_swiftshader_icd.json';

let gpu: GPU | undefined;

export function nodeGPU(): GPU {
  if (!gpu) {
    if (!process.env.VK_ICD_FILENAMES && existsSync(swiftshaderIcd)) process.env.VK_ICD_FILENAMES = swiftshaderIcd;
    Object.assign(globalThis, globals);
    gpu = create([]) as GPU;
  }
  return gpu;
}

export async function nodeDevice(): Promise<GPUDevice> {
  const adapter = await nodeGPU().requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter from Dawn: install libvulkan1 and a Vulkan driver (scripts/setup.sh)');
  return adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
}
