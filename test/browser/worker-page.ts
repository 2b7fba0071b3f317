// The page of the worker suite: starts test/browser/worker.ts as a module worker and hands its report to puppeteer.
// The page itself imports nothing of webgpu-nn.
import type { WorkerReport } from './worker';

const api = {
  /** Runs the worker once and resolves with what it posts back. */
  run(): Promise<WorkerReport> {
    const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    return new Promise<WorkerReport>((resolve, reject) => {
      worker.onmessage = (event: MessageEvent<WorkerReport>) => resolve(event.data);
      worker.onerror = (event) => reject(new Error(`worker failed: ${event.message}`));
    }).finally(() => worker.terminate());
  },
};

(window as unknown as { inWorker: typeof api }).inWorker = api;
document.title = 'ready';
