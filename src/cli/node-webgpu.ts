// WebGPU in Node through Dawn, from the `webgpu` package: optional, so it is imported only when asked for.
import { type BackendName, type CompileOptions, WebGPUNNError } from 'webgpu-nn';

/** Dawn's GPU, held for the whole run: Dawn crashes if it is garbage-collected while its devices work. */
let dawn: GPU | undefined;

async function nodeGPU(): Promise<GPU> {
  // Dawn needs a Vulkan driver: a GPU's, else Chromium's SwiftShader, added to the drivers it may pick.
  process.env.VK_ADD_DRIVER_FILES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  dawn ??= create([]);
  return dawn;
}

/**
 * compile's options for `--backend`: Dawn's GPU for 'webgpu' and 'auto'. Where the webgpu package does not load,
 * 'auto' falls back to the CPU reference with a message and 'webgpu' fails.
 */
export async function backendOptions(backend: BackendName): Promise<Pick<CompileOptions, 'backend' | 'gpu'>> {
  if (backend === 'cpu') return { backend };
  try {
    return { backend, gpu: await nodeGPU() };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    if (backend === 'webgpu') throw new WebGPUNNError('WEBGPU_UNAVAILABLE', `--backend webgpu: expected the webgpu package (npm install webgpu), got an import that failed: ${why}`);
    console.warn(`webgpu-nn: the webgpu package did not load (${why}); training on the CPU reference`);
    return { backend: 'cpu' };
  }
}
