// Deno, from the npm package `deno`: its launcher runs the binary that the package's platform dependency installed.
import { createRequire } from 'node:module';

export const denoLauncher = createRequire(import.meta.url).resolve('deno/bin.cjs');

/** Deno's wgpu reaches the GPU through Vulkan: SwiftShader (shipped with Chromium) unless VK_ICD_FILENAMES says otherwise. */
export function denoEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json',
    DENO_NO_UPDATE_CHECK: '1',
    NO_COLOR: '1',
  };
}
