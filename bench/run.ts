// `npm run bench [-- --quick] [-- --node]`: the benchmark (suite.ts) in one headless Chromium page served by vite,
// or with --node in Node on Dawn; prints the tables and the targets and saves bench/results/<adapter>.json.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { createServer, runnerImport } from 'vite';
import { launchChromium } from '../test/support/chromium';
import { type Results, report, targets } from './report';
import type * as Suite from './suite';

const flags = process.argv.slice(2);
const unknown = flags.filter((f) => f !== '--quick' && f !== '--node');
if (unknown.length > 0) throw new Error(`unknown flags ${unknown.join(' ')}: expected --quick, --node`);
const quick = flags.includes('--quick');
const host = flags.includes('--node') ? 'node' : 'chromium';
const mode = `${host}${quick ? ' --quick' : ''}`;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

type Api = typeof Suite;
type Name = 'describeEnvironment' | 'lesson' | 'matmul' | 'emptyDispatch' | 'workgroupMemory' | 'scale' | 'stepBreakdown';
type Call = <K extends Name>(name: K, ...args: Parameters<Api[K]>) => Promise<Awaited<ReturnType<Api[K]>>>;

interface Host {
  call: Call;
  runtime: string;
  close(): Promise<void>;
}

async function openChromium(): Promise<Host> {
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
  const call = ((name: Name, ...args: unknown[]) =>
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
  // Dawn needs a Vulkan driver: a GPU's, else Chromium's SwiftShader, added to the drivers it may pick.
  process.env.VK_ADD_DRIVER_FILES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  // vite's module runner loads the suite and the library's sources, WGSL `?raw` imports included.
  const { module: suite } = await runnerImport<Api>(here('suite.ts'), { root: here('..'), configFile: false, logLevel: 'error' });
  await suite.setup({ gpu: create([]) as GPU, digits: readFileSync(here('../demo/data/binary-train.u8')), tfBackends: ['cpu'] });
  const dawn = JSON.parse(readFileSync(here('../node_modules/webgpu/package.json'), 'utf8')).version;
  const call = ((name: Name, ...args: unknown[]) => (suite[name] as (...a: unknown[]) => Promise<unknown>)(...args)) as Call;
  return { call, runtime: `Node ${process.version}, Dawn (webgpu ${dawn})`, close: async () => {} };
}

/** The checkout measured: `git describe --always --dirty`. */
function gitCommit(): string {
  try {
    return execSync('git describe --always --dirty', { cwd: here('..'), stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'not a git checkout';
  }
}

/** Runs one measurement, printing a line when it ends; a failure is printed and skipped. */
async function measure<T>(label: string, run: () => Promise<T>, summary: (result: T) => string): Promise<T[]> {
  const start = performance.now();
  try {
    const result = await run();
    console.log(`  ${label}: ${summary(result)}  [${((performance.now() - start) / 1000).toFixed(1)} s]`);
    return [result];
  } catch (error) {
    console.log(`  ${label}: FAILED ${(error as Error).message.split('\n')[0]}`);
    return [];
  }
}

const started = performance.now();
const load = [os.loadavg()[0]];
const opened = host === 'node' ? await openNode() : await openChromium();
const { call } = opened;
const environment = await call('describeEnvironment');
const cpus = os.cpus();
const results: Results = {
  host,
  quick,
  date: new Date().toISOString(),
  commit: gitCommit(),
  runtime: opened.runtime,
  machine: { cpu: cpus[0].model, cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, load },
  environment,
  lesson: [],
  matmul: [],
  workgroupMemory: [],
  scale: [],
  breakdown: [],
};
const adapterName = environment.adapter.architecture || environment.adapter.description || environment.adapter.vendor || 'unknown';
console.log(`webgpu-nn benchmark: ${mode}, ${opened.runtime}, adapter ${adapterName}`);

const runs = quick ? 1 : 5;
const runMs = quick ? 300 : 1200;
const libraries: Suite.Library[] = ['webgpu-nn', 'webgpu-nn-cpu', ...environment.tfjs.backends.map((b) => `tfjs-${b}` as Suite.Library)];

console.log(`Lesson: ${runs} timed run${runs > 1 ? 's' : ''} of whole epochs lasting ≥ ${runMs} ms each, after a warm-up from the same weights`);
for (const batchSize of [32, 1000]) {
  const budget = { warmupEpochs: batchSize === 32 ? 2 : 5, runs, runMs };
  for (const library of libraries) {
    results.lesson.push(
      ...(await measure(`${library}, batch ${batchSize}`, () => call('lesson', library, batchSize, budget),
        (r) => `${r.msPerStep.toFixed(3)} ms/step (${r.epochsPerRun} epoch${r.epochsPerRun > 1 ? 's' : ''} per run), loss ${r.loss.toPrecision(7)}`)),
    );
  }
}

console.log('Matmul');
const squares = (quick ? [256, 1024] : [256, 1024, 2048]).map((n): [number, number, number] => [n, n, n]);
const matmulLibraries: Suite.MatmulResult['library'][] = ['webgpu-nn', ...(environment.tfjs.backends.includes('webgpu') ? ['tfjs-webgpu' as const] : [])];
// The lesson's first layer at full batch and at batch 32, then one 32 × 32 output block (one workgroup of the
// forward kernel) with a short and a long inner dimension.
const shapes: [number, number, number][] = [...squares, [1000, 400, 25], [32, 400, 25], [32, 32, 32], [32, 1024, 32]];
for (const shape of shapes) {
  for (const library of matmulLibraries) {
    results.matmul.push(
      ...(await measure(`${library} ${shape.join('×')}`, () => call('matmul', library, shape, quick ? 300 : 1000, quick ? 1 : 3),
        (r) => `${r.gflops.toFixed(3)} GFLOP/s (${r.runs > 1 ? `median of ${r.runs} runs of ` : ''}${r.reps} reps)`)),
    );
  }
}
[results.emptyDispatch] = await measure('empty dispatch', () => call('emptyDispatch', quick ? 2000 : 10_000), (r) => `${r.us.toFixed(1)} µs`);
for (const bytes of [16, 1024, 4096, 8192]) {
  results.workgroupMemory.push(
    ...(await measure(`one workgroup, ${bytes} bytes of workgroup memory`, () => call('workgroupMemory', bytes, quick ? 100 : 300), (r) => `${r.us.toFixed(1)} µs`)),
  );
}

// The relative targets in paired rounds (report.ts `PairedRound`): webgpu-nn's lesson step at both batch sizes, then
// our square matmuls again, the fastest of them this round's peak, each round within seconds.
if (!quick) {
  console.log(`Targets in 5 paired rounds: the lesson at batch 32 and 1000, then ${squares.map((s) => s.join('×')).join(', ')} again`);
  results.paired = [];
  for (let round = 1; round <= 5; round++) {
    const budget = (batchSize: number) => ({ warmupEpochs: batchSize === 32 ? 1 : 2, runs: 1, runMs });
    const [batch32] = await measure(`round ${round}, batch 32`, () => call('lesson', 'webgpu-nn', 32, budget(32)), (r) => `${r.msPerStep.toFixed(3)} ms/step`);
    const [fullBatch] = await measure(`round ${round}, batch 1000`, () => call('lesson', 'webgpu-nn', 1000, budget(1000)), (r) => `${r.msPerStep.toFixed(3)} ms/step`);
    const peaks: Suite.MatmulResult[] = [];
    for (const shape of squares) {
      peaks.push(...(await measure(`round ${round}, ${shape.join('×')}`, () => call('matmul', 'webgpu-nn', shape, 500, 1), (r) => `${r.gflops.toFixed(3)} GFLOP/s`)));
    }
    const peak = peaks.reduce<Suite.MatmulResult | undefined>((a, m) => (!a || m.gflops > a.gflops ? m : a), undefined);
    if (batch32 && fullBatch && peak) results.paired.push({ batch32, fullBatch, peak });
  }
}

console.log('Scale (webgpu-nn, batch 32)');
const sizes = quick ? [[1000, 25], [10_000, 25], [1000, 256]] : [[1000, 25], [10_000, 25], [100_000, 25], [1000, 256], [1000, 1024]];
for (const [rows, width] of sizes) {
  // 100k examples: one epoch, untimed warm-up skipped (the pipelines are compiled by the smaller runs).
  const budget = rows >= 100_000 ? { warmupEpochs: 0, runs: 1, runMs: 0 } : { warmupEpochs: 1, runs, runMs };
  results.scale.push(...(await measure(`${rows} examples, width ${width}`, () => call('scale', rows, width, budget), (r) => `${r.msPerEpoch.toFixed(1)} ms/epoch`)));
}

console.log('Step breakdown (webgpu-nn)');
for (const batchSize of [32, 1000]) {
  results.breakdown.push(
    ...(await measure(`batch ${batchSize}`, () => call('stepBreakdown', batchSize, quick ? 100 : 300), (r) => `${r.dispatches.length} dispatches timed`)),
  );
}
await opened.close();
load.push(os.loadavg()[0]);

results.targets = targets(results);
console.log(`\n${report(results)}\n`);
const file = here(`results/${adapterName.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.json`);
mkdirSync(here('results'), { recursive: true });
const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
saved[mode] = results;
writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
console.log(`saved to ${file} under "${mode}" (${((performance.now() - started) / 60_000).toFixed(1)} min)`);
process.exit(0);
