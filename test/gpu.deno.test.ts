// The GPU runtime in Deno, whose WebGPU is wgpu (Firefox's implementation, with its own WGSL compiler, naga): the
// same checks as the Node (Dawn) and browser suites, so that a kernel only Dawn accepts fails here. The checks
// import WGSL with vite's `?raw`, so vite bundles their Deno host (test/deno/checks.ts), and the `deno` binary from
// the npm package `deno` runs it; the host prints one JSON line per check, read here as it comes.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CheckResult, gpuChecks } from './checks/gpu-checks';
import { denoEnv, denoLauncher } from './support/deno';

const out = mkdtempSync(join(tmpdir(), 'webgpu-nn-deno-'));
let deno: ChildProcess;
let stderr = '';
const results = new Map<string, { promise: Promise<CheckResult>; resolve: (r: CheckResult) => void; reject: (e: Error) => void }>();

for (const check of gpuChecks) {
  let resolve!: (r: CheckResult) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<CheckResult>((res, rej) => ((resolve = res), (reject = rej)));
  promise.catch(() => undefined);
  results.set(check.name, { promise, resolve, reject });
}

beforeAll(async () => {
  await build({
    configFile: false,
    logLevel: 'warn',
    build: { lib: { entry: 'test/deno/checks.ts', formats: ['es'], fileName: 'checks' }, outDir: out, emptyOutDir: true, target: 'es2022', minify: false, reportCompressedSize: false },
  });
  deno = spawn(process.execPath, [denoLauncher, 'run', '--no-prompt', join(out, 'checks.js')], { env: denoEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  deno.stderr!.on('data', (chunk) => (stderr += chunk));
  const lines = createInterface({ input: deno.stdout! });
  const adapter = new Promise<{ adapter: string; fallback: boolean }>((resolve, reject) => {
    lines.on('line', (line) => {
      const message = JSON.parse(line);
      if ('adapter' in message) return resolve(message);
      const pending = results.get(message.name);
      if (!pending) return;
      if (message.error) pending.reject(new Error(`[deno] ${message.error}`));
      else pending.resolve({ ...message, maxError: message.maxError ?? Infinity }); // JSON writes Infinity as null
    });
    deno.on('close', (code, signal) => {
      const error = new Error(`deno exited (${signal ?? code}) before this check reported; stderr:\n${stderr.slice(-4000)}`);
      reject(error);
      for (const { reject } of results.values()) reject(error);
    });
  });
  const { adapter: name, fallback } = await adapter;
  console.log(`${(await denoVersion()).split('\n')[0]}; WebGPU adapter: ${name}, fallback ${fallback}`);
});

afterAll(() => {
  deno?.kill();
  rmSync(out, { recursive: true, force: true });
});

function denoVersion(): Promise<string> {
  const child = spawn(process.execPath, [denoLauncher, '--version'], { env: denoEnv() });
  let text = '';
  child.stdout.on('data', (chunk) => (text += chunk));
  return new Promise((resolve) => child.on('close', () => resolve(text)));
}

describe('WebGPU runtime in Deno (wgpu)', () => {
  for (const check of gpuChecks) {
    it(check.name, async () => {
      const result = await results.get(check.name)!.promise;
      console.log(`[deno] ${check.name}: max error ${result.maxError.toExponential(2)} (tolerance ${result.tolerance})${result.detail ? `; ${result.detail}` : ''}`);
      expect(result.maxError).toBeLessThanOrEqual(result.tolerance);
    });
  }
});
