// The Deno host of the shared GPU checks: bundled by vite (the checks import WGSL with `?raw`) and run with `deno`,
// whose WebGPU is wgpu. Prints one JSON line for the adapter, then one per check, in the order of the list.
import { gpuChecks } from '../checks/gpu-checks';

// Deno 2.9 panics reading `device.adapterInfo` (which acquireDevice does) once the device's adapter has been
// garbage-collected: each adapter stays referenced while its device may be used.
const adapters: GPUAdapter[] = [];

async function requestDevice(): Promise<GPUDevice> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null');
  adapters.push(adapter);
  return adapter.requestDevice();
}

const adapter = await navigator.gpu?.requestAdapter();
if (!adapter) throw new Error(navigator.gpu ? 'navigator.gpu.requestAdapter() returned null' : 'navigator.gpu is missing');
console.log(JSON.stringify({ adapter: adapter.info.description || adapter.info.vendor, fallback: adapter.info.isFallbackAdapter }));

const device = await requestDevice();
for (const check of gpuChecks) {
  try {
    console.log(JSON.stringify({ name: check.name, ...(await check.run(device, requestDevice)) }));
  } catch (error) {
    console.log(JSON.stringify({ name: check.name, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }));
  }
}
device.destroy();
