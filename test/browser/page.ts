// The browser host of the shared GPU checks: the Node suite drives this page through puppeteer.
import { Dense, Sequential } from '../../src/index';
import { gpuChecks } from '../checks/gpu-checks';

let device: Promise<GPUDevice> | undefined;

async function requestDevice(): Promise<GPUDevice> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('requestAdapter() returned null');
  return adapter.requestDevice();
}

const api = {
  /** Which WebGPU implementation runs here, or why none does. */
  async webgpu(): Promise<{ available: boolean; reason?: string; vendor?: string; architecture?: string; fallback?: boolean }> {
    if (!('gpu' in navigator)) return { available: false, reason: 'navigator.gpu is missing' };
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'navigator.gpu.requestAdapter() returned null' };
    const info = adapter.info;
    const fallback = (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter ?? info.isFallbackAdapter;
    return { available: true, vendor: info.vendor, architecture: info.architecture, fallback };
  },

  async runCheck(name: string) {
    const check = gpuChecks.find((c) => c.name === name);
    if (!check) throw new Error(`no check named ${name}`);
    device ??= requestDevice();
    return check.run(await device, requestDevice);
  },

  /** compile({ backend: 'auto' }) and what it chose, with the console warnings it printed. */
  async autoBackend(): Promise<{ backend: string | undefined; warnings: string[] }> {
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      warnings.push(args.join(' '));
      warn(...args);
    };
    try {
      const model = new Sequential([new Dense({ units: 2, activation: 'sigmoid', inputDim: 3 })]);
      await model.compile({ loss: 'meanSquaredError' });
      const second = new Sequential([new Dense({ units: 1, inputDim: 3 })]);
      await second.compile({ loss: 'meanSquaredError' });
      await model.fit([[0, 1, 2]], [[0.5, 0.5]], { epochs: 2 });
      return { backend: model.backendName, warnings };
    } finally {
      console.warn = warn;
    }
  },
};

(window as unknown as { webgpuNN: typeof api }).webgpuNN = api;
document.title = 'ready';
