// The benchmark's measurements in order, whatever the host (a Chromium page, Node, the Node bundle): each printed as
// it ends, then the tables and the targets; and the results file, one entry per host and mode.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname } from 'node:path';
import { type Results, hostTargets, ms, report, targets } from './report';
import type * as Suite from './suite';

type Api = typeof Suite;
type Name = 'describeEnvironment' | 'lesson' | 'matmul' | 'emptyDispatch' | 'workgroupMemory' | 'scale' | 'fullSize' | 'stepBreakdown' | 'floors' | 'group' | 'tuned';
export type Call = <K extends Name>(name: K, ...args: Parameters<Api[K]>) => Promise<Awaited<ReturnType<Api[K]>>>;

export interface Host {
  call: Call;
  /** The browser's version, or Node's and Dawn's. */
  runtime: string;
}

export interface Options {
  host: Results['host'];
  quick: boolean;
  /** Dawn's null backend (Node only): the host's cost alone, no kernel runs. */
  nullBackend: boolean;
  /** The checkout measured (`git describe`), or the one a bundle was built from. */
  commit: string;
}

/** The checkout in `folder`: `git describe --always --dirty`. */
export function gitCommit(folder: string): string {
  try {
    return execSync('git describe --always --dirty', { cwd: folder, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    return 'not a git checkout';
  }
}

/** The results entry's key: the host and the flags, e.g. 'node --null --quick'. */
export const modeName = (o: Options) => `${o.host}${o.nullBackend ? ' --null' : ''}${o.quick ? ' --quick' : ''}`;

/** The adapter's most specific name: 'swiftshader', 'null-backend' (Dawn's null backend names only its device), …. */
const adapterName = ({ adapter }: Results['environment']) => adapter.architecture || adapter.description || adapter.device || adapter.vendor || 'unknown';

/** The results file's name for this adapter, e.g. 'swiftshader.json', 'null-backend.json'. */
export const resultsFileName = (environment: Results['environment']) => `${adapterName(environment).toLowerCase().replace(/[^a-z0-9]+/g, '-')}.json`;

/** Adds `results` to the file under its mode, keeping the other modes' entries. */
export function saveResults(file: string, options: Options, results: Results): void {
  mkdirSync(dirname(file), { recursive: true });
  const saved = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  saved[modeName(options)] = results;
  writeFileSync(file, `${JSON.stringify(saved, null, 2)}\n`);
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

/** Every measurement of the mode, in order; prints the report and returns the results. */
export async function benchmark({ call, runtime }: Host, options: Options): Promise<Results> {
  const { quick } = options;
  const environment = await call('describeEnvironment');
  const cpus = os.cpus();
  const results: Results = {
    host: options.host,
    quick,
    nullBackend: options.nullBackend,
    date: new Date().toISOString(),
    commit: options.commit,
    runtime,
    machine: { cpu: cpus[0].model, cores: cpus.length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), os: `${os.type()} ${os.release()}`, load: [os.loadavg()[0]] },
    environment,
    lesson: [],
    matmul: [],
    workgroupMemory: [],
    scale: [],
    fullSize: [],
    groups: [],
    breakdown: [],
    tuning: [],
  };
  console.log(`webgpu-nn benchmark: ${modeName(options)}, ${runtime}, adapter ${adapterName(environment)}${environment.adapter.fallback ? ' (fallback)' : ''}`);

  const runs = quick ? 1 : 5;
  const runMs = quick ? 300 : 1200;
  const libraries: Suite.Library[] = options.nullBackend
    ? ['webgpu-nn', 'tfjs-webgpu']
    : ['webgpu-nn', 'webgpu-nn-cpu', ...environment.tfjs.backends.map((b) => `tfjs-${b}` as Suite.Library)];

  console.log(`Lesson: ${runs} timed run${runs > 1 ? 's' : ''} of whole epochs lasting ≥ ${runMs} ms each, after a warm-up from the same weights`);
  // On the null backend, batch 500 too: two steps an epoch of the kernels that batch 1000 runs once, which tells
  // a full-batch epoch's step from its fixed cost (report.ts, hostCost).
  for (const batchSize of options.nullBackend ? [32, 500, 1000] : [32, 1000]) {
    const budget = { warmupEpochs: batchSize === 32 ? 2 : 5, runs, runMs };
    for (const library of libraries) {
      results.lesson.push(
        ...(await measure(`${library}, batch ${batchSize}`, () => call('lesson', library, batchSize, budget),
          (r) => `${r.msPerStep.toFixed(3)} ms/step (${r.epochsPerRun} epoch${r.epochsPerRun > 1 ? 's' : ''} per run), loss ${r.loss.toPrecision(7)}`)),
      );
    }
  }

  if (options.nullBackend) {
    // No kernel runs: the kernels' measurements would time nothing. The floors of the calls fit makes instead.
    console.log('Floors: calls fit makes, each awaited');
    [results.floors] = await measure('floors', () => call('floors', quick ? 500 : 2000), (r) => r.map((f) => `${f.name} ${f.us.toFixed(1)} µs`).join('; '));
    results.machine.load.push(os.loadavg()[0]);
    results.targets = hostTargets(results);
    console.log(`\n${report(results)}\n`);
    return results;
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
  console.log('Groups: N lesson networks (a learning-rate sweep) as one ModelGroup, against N Sequentials fitted one after another');
  for (const batchSize of [32, 1000]) {
    for (const members of [1, 8, 64]) {
      const budget = { warmupEpochs: 1, runs: quick ? 1 : 3, runMs };
      results.groups!.push(...(await measure(`${members} members, batch ${batchSize}`, () => call('group', members, batchSize, budget),
        (r) => `group ${r.groupMsPerEpoch.toFixed(1)} ms/epoch, sequential ${r.sequentialMsPerEpoch.toFixed(1)} ms/epoch: ${r.speedUp.toFixed(2)}×`)));
    }
  }
  console.log('Full size: 784 → 512 → 512 → 10, batch 128, 60,000 synthetic rows, RMSprop');
  const fullSizeBudget = { warmupSteps: 2, timedMs: quick ? 5000 : 30_000 };
  for (const library of ['webgpu-nn', 'tfjs-webgpu'] as const) {
    results.fullSize.push(...(await measure(library, () => call('fullSize', library, fullSizeBudget),
      (r) => `${r.msPerStep.toFixed(1)} ms/step (${r.steps} of ${r.epochSteps} steps, ${r.timed}), warm-up loss ${r.loss.toPrecision(7)}`)));
  }

  // compile({ tuning: 'auto' }) against the heuristic: each workload in rounds that alternate which goes first, a
  // fresh model each time (a product is timed once per device: the first tuned model of a workload times them).
  const tuningRounds = quick ? 3 : 5;
  console.log(`Tuning: compile({ tuning: 'auto' }) against the heuristic, ${tuningRounds} alternated rounds`);
  const workloads: [Suite.TuningWorkload, number, string][] = [['lesson', 32, 'the lesson, batch 32'], ['lesson', 1000, 'the lesson, batch 1000'], ['wide', 32, 'first layer 1024 wide, batch 32'], ['matmul', 1024, 'predict, 1024 × 1024 · 1024 × 1024']];
  for (const [workload, batchSize, label] of workloads) {
    for (let round = 1; round <= tuningRounds; round++) {
      for (const tuning of round % 2 ? [false, true] : [true, false]) {
        const budget = { warmupEpochs: batchSize === 1000 ? 2 : 1, runs: workload === 'matmul' ? 3 : 1, runMs };
        results.tuning!.push(...(await measure(`${label}, round ${round}, tuning ${tuning ? 'auto' : 'off'}`, () => call('tuned', workload, batchSize, tuning, budget),
          (r) => `${ms(r.ms)} ms${workload === 'matmul' ? '' : '/step'}, first ${workload === 'matmul' ? 'predict' : 'fit'} ${(r.firstMs / 1000).toFixed(1)} s`)));
      }
    }
  }

  console.log('Step breakdown (webgpu-nn)');
  for (const batchSize of [32, 1000]) {
    results.breakdown.push(
      ...(await measure(`batch ${batchSize}`, () => call('stepBreakdown', batchSize, quick ? 100 : 300), (r) => `${r.dispatches.length} dispatches timed`)),
    );
  }
  results.machine.load.push(os.loadavg()[0]);
  results.targets = targets(results);
  console.log(`\n${report(results)}\n`);
  return results;
}
