// The GPU runtime in headless Chromium: the same checks as the Node suite, run inside a page that vite serves.
import type { Browser, Page } from 'puppeteer-core';
import { type ViteDevServer, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckResult, gpuChecks } from './checks/gpu-checks';
import { launchChromium } from './support/chromium';

type PageApi = {
  webgpu(): Promise<{ available: boolean; reason?: string; vendor?: string; architecture?: string; fallback?: boolean }>;
  runCheck(name: string): Promise<CheckResult>;
  autoBackend(): Promise<{ backend: string | undefined; warnings: string[] }>;
};
declare const webgpuNN: PageApi;

let server: ViteDevServer;
let url: string;
const browsers: Browser[] = [];

async function openPage(webgpu: boolean): Promise<Page> {
  const browser = await launchChromium({ webgpu });
  browsers.push(browser);
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(url);
  await page.waitForFunction(() => document.title === 'ready');
  return page;
}

beforeAll(async () => {
  server = await createServer({ root: 'test/browser', configFile: false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, hmr: false, watch: null } });
  await server.listen();
  url = server.resolvedUrls!.local[0];
});

afterAll(async () => {
  await Promise.all(browsers.map((b) => b.close()));
  await server?.close();
});

describe('WebGPU runtime in headless Chromium', () => {
  let page: Page;
  beforeAll(async () => {
    page = await openPage(true);
    const webgpu = await page.evaluate(() => webgpuNN.webgpu());
    const version = await browsers[0].version();
    if (!webgpu.available) throw new Error(`WebGPU is unavailable in ${version}: ${webgpu.reason}`);
    console.log(`${version}; WebGPU adapter: vendor ${webgpu.vendor}, architecture ${webgpu.architecture}, fallback ${webgpu.fallback}`);
  });

  for (const check of gpuChecks) {
    it(check.name, async () => {
      const result = await page.evaluate((name) => webgpuNN.runCheck(name), check.name);
      result.maxError ??= Infinity; // JSON carries Infinity out of the page as null
      console.log(`[chromium] ${check.name}: max error ${result.maxError.toExponential(2)} (tolerance ${result.tolerance})${result.detail ? `; ${result.detail}` : ''}`);
      expect(result.maxError).toBeLessThanOrEqual(result.tolerance);
    });
  }
});

describe('without WebGPU', () => {
  it("backend 'auto' trains on the CPU reference with exactly one console warning", async () => {
    const page = await openPage(false);
    expect((await page.evaluate(() => webgpuNN.webgpu())).available).toBe(false);
    const { backend, warnings } = await page.evaluate(() => webgpuNN.autoBackend());
    expect(backend).toBe('cpu');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WebGPU.*CPU reference/);
  });
});
