// `npm run bench [-- --quick] [-- --node [--null]]`: the benchmark (driver.ts, suite.ts) in one headless Chromium
// page served by vite, or with --node in Node on Dawn (--null: Dawn's null backend); prints the tables and the
// targets and saves bench/results/<adapter>.json.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';
import { launchChromium } from '../test/support/chromium';
import { type Call, type Host, type Options, benchmark, gitCommit, modeName, resultsFileName, saveResults } from './driver';
import type * as NodeModule from './node';

const flags = process.argv.slice(2);
const unknown = flags.filter((f) => !['--quick', '--node', '--null'].includes(f));
if (unknown.length > 0) throw new Error(`unknown flags ${unknown.join(' ')}: expected --quick, --node, --null`);
const nullBackend = flags.includes('--null');
if (nullBackend && !flags.includes('--node')) throw new Error('--null is Dawn\'s null backend, in Node: add --node');
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

async function openChromium(): Promise<Host & { close(): Promise<void> }> {
  const server = await createServer({
    root: here('page'),
    configFile: false,
    cacheDir: here('../node_modules/.vite-bench'),
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0 },
  });
  await server.listen();
  const browser = await launchChromium();
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error('page error:', error));
  // Each call reports back through an exposed function, so no protocol timeout cuts a long measurement short.
  let settle: (outcome: { value?: unknown; error?: string }) => void = () => {};
  await page.exposeFunction('benchDone', (outcome: { value?: unknown; error?: string }) => settle(outcome));
  await page.goto(server.resolvedUrls!.local[0]);
  await page.waitForFunction(() => document.title !== 'loading', { timeout: 180_000 });
  const title = await page.title();
  if (title !== 'ready') throw new Error(`bench page: ${title}`);
  const call = ((name: string, ...args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      settle = ({ value, error }) => (error === undefined ? resolve(value) : reject(new Error(error)));
      page
        .evaluate((name, args) => {
          const w = window as unknown as { bench: Record<string, (...a: unknown[]) => Promise<unknown>>; benchDone(o: unknown): void };
          w.bench[name](...args).then((value) => w.benchDone({ value }), (e) => w.benchDone({ error: String(e?.stack ?? e) }));
        }, name, args)
        .catch(reject);
    })) as Call;
  return { call, runtime: await browser.version(), close: async () => (await browser.close(), await server.close()) };
}

async function openNode(): Promise<Host> {
  // vite's module runner loads the host, the suite and the library's sources, WGSL `?raw` imports included; its
  // server stays up for the host's own dynamic imports.
  const server = await createServer({ root: here('..'), configFile: false, logLevel: 'error', appType: 'custom', server: { middlewareMode: true, hmr: false } });
  const module = (await server.ssrLoadModule(here('node.ts'))) as typeof NodeModule;
  const { suite, runtime } = await module.openNode({ digits: readFileSync(here('../demo/data/binary-train.u8')), nullBackend });
  const call = ((name: keyof typeof suite, ...args: unknown[]) => (suite[name] as (...a: unknown[]) => Promise<unknown>)(...args)) as Call;
  return { call, runtime };
}

const started = performance.now();
const options: Options = { host: flags.includes('--node') ? 'node' : 'chromium', quick: flags.includes('--quick'), nullBackend, commit: gitCommit(here('..')) };
const opened: Host & { close?(): Promise<void> } = options.host === 'node' ? await openNode() : await openChromium();
const results = await benchmark(opened, options);
await opened.close?.();
const file = here(`results/${resultsFileName(results.environment)}`);
saveResults(file, options, results);
console.log(`saved to ${file} under "${modeName(options)}" (${((performance.now() - started) / 60_000).toFixed(1)} min)`);
process.exit(0);
