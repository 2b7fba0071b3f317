// webgpu-nn unchanged in a dedicated module worker in headless Chromium: it finds WebGPU through the worker's
// navigator.gpu and trains there to the CPU reference's numbers.
import type { Browser, Page } from 'puppeteer-core';
import { type ViteDevServer, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WorkerReport } from './browser/worker';
import { launchChromium } from './support/chromium';
import { maxRelativeError } from './support/data';

declare const inWorker: { run(): Promise<WorkerReport> };

let server: ViteDevServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  server = await createServer({ root: 'test/browser', configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false, watch: null } });
  await server.listen();
  browser = await launchChromium();
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(`${server.resolvedUrls!.local[0]}worker.html`);
  await page.waitForFunction(() => document.title === 'ready');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('in a dedicated worker', () => {
  it("trains on WebGPU with backend 'auto' through the worker's navigator.gpu, matching the CPU reference to 1e-5", async () => {
    const report = await page.evaluate(() => inWorker.run());
    expect(report.error).toBeUndefined();
    expect(report.scope).toEqual({ document: false, window: false, gpu: true });
    const { gpu, cpu } = report as Required<WorkerReport>;
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.warnings).toEqual([]);
    expect(cpu.backend).toBe('cpu');

    const errors = {
      loss: maxRelativeError(gpu.loss, cpu.loss),
      val_loss: maxRelativeError(gpu.valLoss, cpu.valLoss),
      accuracy: maxRelativeError(gpu.accuracy, cpu.accuracy),
      weights: maxRelativeError(gpu.weights.flat(), cpu.weights.flat()),
      prediction: maxRelativeError(gpu.prediction, cpu.prediction),
      evaluate: maxRelativeError([gpu.evaluated], [cpu.evaluated]),
    };
    const listed = Object.entries(errors).map(([name, error]) => `${name} ${error.toExponential(1)}`).join(', ');
    console.log(`[worker] 12 epochs, loss ${cpu.loss[0].toFixed(4)} → ${cpu.loss.at(-1)!.toFixed(4)}; largest GPU − CPU errors: ${listed}`);
    expect(cpu.loss.at(-1)!).toBeLessThan(cpu.loss[0] / 2);
    expect(gpu.weights.map((w) => w.length)).toEqual([12 * 8, 8, 8 * 5, 5, 5, 1]);
    for (const error of Object.values(errors)) expect(error).toBeLessThanOrEqual(1e-5);
  });
});
