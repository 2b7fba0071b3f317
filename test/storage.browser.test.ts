// Model storage in headless Chromium, with TF.js 4.22 in the same page: what webgpu-nn saves to IndexedDB and
// localStorage TF.js loads and the other way round, both list and remove each other's models, localStorage's quota
// is reported, shards load over http from another origin, and downloads:// writes files that load back.
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { type ViteDevServer, createServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense, Sequential } from '../src/index';
import { converted, sequentialTopology, weightNames } from './support/converter';
import { randomMatrix } from './support/data';
import { serveFiles } from './support/file-server';
import { launchChromium } from './support/chromium';

type Storage = {
  oursToTheirs(scheme: string, name: string): Promise<{ difference: number; weightDataBytes: number }>;
  theirsToOurs(scheme: string, name: string): Promise<{ difference: number }>;
  management(): Promise<{
    listed: { ours: string[]; theirs: string[] };
    after: { ours: string[]; theirs: string[] };
    removedBytes: number;
    missing?: { code?: string; message: string };
    removeMissing?: { code?: string; message: string };
  }>;
  quota(): Promise<{ error?: { code?: string; message: string }; left: string[] }>;
  http(url: string): Promise<number[][]>;
  download(name: string): Promise<{ weights: number[][]; weightDataBytes: number }>;
};
declare const storage: Storage;

let server: ViteDevServer;
let browser: Browser;
let page: Page;
let downloads: string;

beforeAll(async () => {
  server = await createServer({
    root: 'test/browser',
    configFile: false,
    logLevel: 'error',
    optimizeDeps: { include: ['@tensorflow/tfjs'] },
    server: { host: '127.0.0.1', port: 0, hmr: false, watch: null },
  });
  await server.listen();
  browser = await launchChromium({ webgpu: false });
  downloads = await mkdtemp(join(tmpdir(), 'webgpu-nn-downloads-'));
  const session = await browser.target().createCDPSession();
  await session.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  await page.goto(`${server.resolvedUrls!.local[0]}storage.html`);
  await page.waitForFunction(() => document.title === 'ready', { timeout: 120_000 });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (downloads) await rm(downloads, { recursive: true, force: true });
});

describe('IndexedDB and localStorage, shared with TF.js', () => {
  for (const scheme of ['indexeddb', 'localstorage']) {
    it(`TF.js loads what webgpu-nn saves to ${scheme}://, and predicts the same`, async () => {
      const { difference, weightDataBytes } = await page.evaluate((s) => storage.oursToTheirs(s, `ours-${s === 'indexeddb' ? 'idb' : 'ls'}`), scheme);
      expect(weightDataBytes).toBe(4 * (6 * 5 + 5 + 5 * 3 + 3));
      expect(difference).toBeLessThanOrEqual(1e-6);
    });

    it(`webgpu-nn loads what TF.js saves to ${scheme}://, and predicts the same`, async () => {
      const { difference } = await page.evaluate((s) => storage.theirsToOurs(s, `theirs-${s === 'indexeddb' ? 'idb' : 'ls'}`), scheme);
      expect(difference).toBeLessThanOrEqual(1e-6);
    });
  }

  it("listModels lists TF.js's models and TF.js lists ours; each removes the other's", async () => {
    const result = await page.evaluate(() => storage.management());
    const all = ['indexeddb://ours-idb', 'indexeddb://theirs-idb', 'localstorage://ours-ls', 'localstorage://theirs-ls'];
    expect(result.listed).toEqual({ ours: all, theirs: all });
    expect(result.after).toEqual({ ours: ['indexeddb://ours-idb', 'localstorage://theirs-ls'], theirs: ['indexeddb://ours-idb', 'localstorage://theirs-ls'] });
    expect(result.removedBytes).toBe(4 * (6 * 4 + 4 + 4 * 2 + 2));
    expect(result.missing).toEqual({ code: 'MODEL_NOT_FOUND', message: "indexeddb://theirs-idb: expected a model saved at 'theirs-idb' in IndexedDB, got none" });
    expect(result.removeMissing?.code).toBe('MODEL_NOT_FOUND');
  });

  it("reports localStorage's quota and leaves nothing of a save that exceeds it", async () => {
    const { error, left } = await page.evaluate(() => storage.quota());
    expect(error?.code).toBe('STORAGE_ERROR');
    expect(error?.message).toMatch(/^localstorage:\/\/too-big: expected room in localStorage for \d+ bytes of topology, 9006000 of weights, got .*quota/i);
    expect(left).toEqual([]);
  });
});

describe('other origins and files', () => {
  it('loads model.json and its 3 shards over http from another origin', async () => {
    const layers = [
      { name: 'dense', units: 7, activation: 'relu', kernel: randomMatrix(5, 7, 1).data, bias: randomMatrix(1, 7, 2).data },
      { name: 'dense_1', units: 2, activation: 'sigmoid', kernel: randomMatrix(7, 2, 3).data, bias: randomMatrix(1, 2, 4).data },
    ];
    const files = converted(sequentialTopology(5, layers, 'keras3-h5'), weightNames(layers, 'keras3-h5'), { flavour: 'keras3-h5', shardSize: 100 });
    expect(files.files.size).toBe(3);
    const served = new Map<string, Uint8Array | string>([['/m/model.json', JSON.stringify(files.modelJson)]]);
    for (const [name, bytes] of files.files) served.set(`/m/${name}`, bytes);
    const fileServer = await serveFiles(served);
    try {
      const weights = await page.evaluate((url) => storage.http(url), `${fileServer.origin}/m/model.json`);
      expect(weights.map((w) => new Float32Array(w))).toEqual(layers.flatMap((l) => [l.kernel, l.bias]));
      expect(fileServer.requests.length).toBe(4);
    } finally {
      await fileServer.close();
    }
  });

  it('downloads://name writes name.json and name.weights.bin, which load back', async () => {
    const { weights, weightDataBytes } = await page.evaluate(() => storage.download('digits'));
    const names = ['digits.json', 'digits.weights.bin'];
    for (let i = 0; i < 100 && (await readdir(downloads)).filter((f) => names.includes(f)).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await readdir(downloads)).sort()).toEqual(names);
    const modelJson = await readFile(join(downloads, 'digits.json'), 'utf8');
    expect(JSON.parse(modelJson).weightsManifest[0].paths).toEqual(['./digits.weights.bin']);
    const weightData = await readFile(join(downloads, 'digits.weights.bin'));
    expect(weightData.byteLength).toBe(weightDataBytes);
    const loaded = await Sequential.load({ modelJson, weightData }, { backend: 'cpu' });
    expect(loaded.layers.map((l) => (l as Dense).units)).toEqual([5, 3]);
    expect(await loaded.getWeights()).toEqual(weights.map((w) => new Float32Array(w)));
    loaded.dispose();
  });
});
