// The webgpu-nn command line, built as it ships (dist/cli.js, run by bin/webgpu-nn.js): it trains on the demo's
// digits on the CPU reference and on WebGPU through Dawn, and the model files it writes load back and score as it
// says they do.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDigits } from '../src/data/digits';
import { Sequential } from '../src/index';
import { halvesDataset } from './support/data';

const out = mkdtempSync(join(tmpdir(), 'webgpu-nn-cli-'));

beforeAll(async () => {
  // The library and CLI bundles only; dist's .d.ts files (from tsc) stay.
  await build({ configFile: 'vite.config.ts', logLevel: 'warn', build: { emptyOutDir: false } });
});

afterAll(() => rmSync(out, { recursive: true, force: true }));

function webgpuNN(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env, VK_ADD_DRIVER_FILES: process.env.VK_ADD_DRIVER_FILES ?? '/usr/lib/chromium/vk_swiftshader_icd.json' };
  const child = spawn(process.execPath, ['bin/webgpu-nn.js', ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The model the CLI wrote, loaded as an app would: model.json, then the weight file its manifest names. */
async function loadWritten(dir: string): Promise<Sequential> {
  const modelJson = readFileSync(join(dir, 'model.json'), 'utf8');
  const [path] = JSON.parse(modelJson).weightsManifest[0].paths;
  expect(path).toBe('./model.weights.bin');
  return Sequential.load({ modelJson, weightData: readFileSync(join(dir, path)) }, { backend: 'cpu' });
}

/** The fraction of rows whose output, thresholded at 0.5, is the label. */
async function accuracy(model: Sequential, file: string): Promise<number> {
  const digits = decodeDigits(new Uint8Array(readFileSync(file)));
  const output = (await model.predict(digits.x)).data;
  return digits.labels.filter((label, i) => Number(output[i] > 0.5) === label).length / digits.labels.length;
}

describe('webgpu-nn train', () => {
  for (const backend of ['cpu', 'webgpu']) {
    it(`trains the lesson's network on the digit file on ${backend}, and writes files that load back and score the same`, async () => {
      const dir = join(out, backend);
      const args = ['--data', 'demo/data/binary-train.u8', '--layers', '25,15,1', '--epochs', '3', '--learning-rate', '0.5'];
      const run = await webgpuNN('train', ...args, '--backend', backend, '--seed', '1', '--out', dir);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`1703 rows of 400 features from demo/data/binary-train.u8, on ${backend}`);
      expect(run.stderr.match(/^epoch \d\/3 loss \d\.\d{4} · accuracy \d\.\d{4}$/gm)).toHaveLength(3);
      expect(run.stdout).toContain(`saved ${join(dir, 'model.json')} and ${join(dir, 'model.weights.bin')}`);
      const printed = Number(/accuracy (\d\.\d+) on the 1703 rows/.exec(run.stdout)![1]);
      expect(printed).toBeGreaterThanOrEqual(0.95);

      const model = await loadWritten(dir);
      // Recomputed from the files on the CPU reference: a row or two may fall on the other side of 0.5 after WebGPU.
      expect(Math.abs((await accuracy(model, 'demo/data/binary-train.u8')) - printed)).toBeLessThanOrEqual(2 / 1703 + 5e-5);
      expect(await accuracy(model, 'demo/data/binary-test.u8')).toBeGreaterThanOrEqual(0.95);
      model.dispose();
    });
  }

  it('reads a CSV with a header line, the label last, and trains with mean squared error', async () => {
    const { x, y } = halvesDataset(200, 6, 5);
    const rows = Array.from({ length: 200 }, (_, r) => [...x.data.subarray(r * 6, r * 6 + 6), y.data[r]].join(','));
    const csv = join(out, 'halves.csv');
    writeFileSync(csv, ['a,b,c,d,e,f,label', ...rows, ''].join('\n'));
    const run = await webgpuNN('train', '--data', csv, '--layers', '4,1', '--epochs', '20', '--learning-rate', '1', '--loss', 'meanSquaredError', '--backend', 'cpu', '--seed', '2');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`200 rows of 6 features from ${csv}, on cpu`);
    expect(Number(/accuracy (\d\.\d+) on the 200 rows/.exec(run.stdout)![1])).toBeGreaterThanOrEqual(0.95);
  });

  it('names the file, line and column of a bad CSV cell, and exits with 1', async () => {
    const csv = join(out, 'bad.csv');
    writeFileSync(csv, '1,2,0\n3,oops,1\n');
    const run = await webgpuNN('train', '--data', csv, '--layers', '1', '--backend', 'cpu');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`webgpu-nn: --data ${csv}:2, column 2: expected a finite number, got "oops"`);
  });

  it('keeps the library bundle free of the command line\'s Node imports', () => {
    const library = readFileSync('dist/webgpu-nn.js', 'utf8');
    expect(library).not.toMatch(/from ["'](commander|cli-progress|webgpu|node:[\w/]+)["']|import\(["']webgpu["']\)/);
    expect(readFileSync('dist/cli.js', 'utf8')).toMatch(/from "\.\/webgpu-nn\.js"/);
  });

  it('rejects a bad option value with commander\'s message', async () => {
    const run = await webgpuNN('train', '--data', 'x.csv', '--layers', '25,0,1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("option '--layers <units>' argument '25,0,1' is invalid. expected positive integers separated by commas");
  });
});
