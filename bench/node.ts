// The Node host of the benchmark: Dawn from the `webgpu` package as the WebGPU implementation (its globals, and its
// GPU object as `navigator.gpu`, where TF.js's webgpu backend looks for it), TF.js with its webgpu and cpu backends,
// and the suite. Loaded by run.ts through vite's module runner, and bundled into one file by bundle.ts.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as suite from './suite';

/** Chromium's SwiftShader Vulkan driver, added to the drivers Dawn may pick: a machine with a GPU still gets its GPU first. */
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeHost {
  suite: typeof suite;
  /** Node's version and the `webgpu` package's. */
  runtime: string;
}

/**
 * Opens Dawn (on its null backend with `nullBackend`: a device that validates and records every call but runs no
 * kernel, so that a step's time is the host's alone), registers TF.js's webgpu backend on it and sets up the suite
 * with the digits' bytes.
 */
export async function openNode(options: { digits: Uint8Array; nullBackend: boolean }): Promise<NodeHost> {
  process.env.VK_ADD_DRIVER_FILES ??= SWIFTSHADER_ICD;
  // Resolved through require's rules, so that NODE_PATH finds the package when this file runs bundled, far from a
  // node_modules folder; the package itself is an ES module.
  const entry = createRequire(import.meta.url).resolve('webgpu');
  const { create, globals } = (await import(pathToFileURL(entry).href)) as typeof import('webgpu');
  const version = JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')).version;
  Object.assign(globalThis, globals);
  const gpu = create(options.nullBackend ? ['backend=null'] : []) as GPU;
  // Node 21 and later define a navigator without gpu; Node 20 none.
  const navigator = ((globalThis as { navigator?: object }).navigator ?? {}) as { gpu?: GPU };
  Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
  Object.defineProperty(globalThis, 'navigator', { value: navigator, configurable: true, writable: true });
  // The backend registers itself when imported, only where navigator.gpu exists.
  await import('@tensorflow/tfjs-backend-webgpu');
  await suite.setup({ gpu, digits: options.digits, tfBackends: ['webgpu', 'cpu'] });
  return { suite, runtime: `Node ${process.version}, Dawn (webgpu ${version})${options.nullBackend ? ', null backend' : ''}` };
}
