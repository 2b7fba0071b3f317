// The webgpu-nn command line, built as it ships (dist/cli.js, run by bin/webgpu-nn.js): it trains on the demo's
// digits on the CPU reference and on WebGPU through Dawn, and the model files it writes load back and score as it
// says they do; it continues training a saved model, and predicts with one as the library does.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDigits } from '../src/data/digits';
import { Sequential } from '../src/index';
import { halvesDataset, maxRelativeError } from './support/data';

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

/**
 * The first `perDigit` images of each digit in the demo's ten-digit file (which is sorted by digit), interleaved
 * 0, 1, …, 9, 0, 1, …: every digit in every part, so that the last rows make a fair validation split.
 */
function tenDigits(perDigit: number): string {
  const bytes = readFileSync('demo/data/ten-train.u8');
  const { labels } = decodeDigits(new Uint8Array(bytes));
  const byDigit: number[][] = Array.from({ length: 10 }, () => []);
  labels.forEach((label, r) => byDigit[label].push(r));
  const rows = Array.from({ length: perDigit * 10 }, (_, i) => byDigit[i % 10][Math.floor(i / 10)]);
  const subset = new Uint8Array(rows.length * 401);
  rows.forEach((r, i) => {
    subset.set(bytes.subarray(r * 400, r * 400 + 400), i * 400);
    subset[rows.length * 400 + i] = labels[r];
  });
  const file = join(out, `ten-${perDigit}.u8`);
  writeFileSync(file, subset);
  return file;
}

/** Sparse categorical cross-entropy (Keras's: probabilities clipped to [1e-7, 1 − 1e-7]) and accuracy of softmax rows. */
function classScores(probabilities: Float32Array, labels: ArrayLike<number>, from = 0): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (let r = from; r < labels.length; r++) {
    const row = Array.from(probabilities.subarray(r * 10, r * 10 + 10));
    loss -= Math.log(Math.min(Math.max(row[labels[r]], 1e-7), 1 - 1e-7));
    correct += Number(row.indexOf(Math.max(...row)) === labels[r]);
  }
  return { loss: loss / (labels.length - from), accuracy: correct / (labels.length - from) };
}

/** The numbers a line of the CLI's output prints after `prefix`, by name: 'loss 0.1234, accuracy 0.9' → { loss, accuracy }. */
function printed(stdout: string, suffix: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.endsWith(suffix));
  expect(line, `a line ending '${suffix}' in:\n${stdout}`).toBeDefined();
  return Object.fromEntries(line!.slice(0, -suffix.length).split(', ').map((score) => [score.split(' ')[0], Number(score.split(' ')[1])]));
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
    const dir = join(out, 'halves');
    const run = await webgpuNN('train', '--data', csv, '--layers', '4,1', '--epochs', '20', '--learning-rate', '1', '--loss', 'meanSquaredError', '--backend', 'cpu', '--seed', '2', '--out', dir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`200 rows of 6 features from ${csv}, on cpu`);
    expect(Number(/accuracy (\d\.\d+) on the 200 rows/.exec(run.stdout)![1])).toBeGreaterThanOrEqual(0.95);

    // predict reads the same CSV, its label column ignored, and prints one output per line, as the library predicts.
    const prediction = await webgpuNN('predict', '--model', dir, '--data', csv, '--backend', 'cpu');
    expect(prediction.code, prediction.stderr).toBe(0);
    const model = await Sequential.load(`file://${dir}`, { backend: 'cpu' });
    const expected = (await model.predict(x)).data;
    model.dispose();
    const lines = prediction.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(200);
    expect(lines.every((line) => !line.includes(','))).toBe(true);
    expect(Float32Array.from(lines.map(Number))).toEqual(expected);
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
    expect(run.stderr).toContain("option '--layers <spec>' argument '25,0,1' is invalid. layer 2 '0': expected UNITS, dense:UNITS[:ACTIVATION], dropout:RATE");
  });

  const bad: [string, string[], string][] = [
    ['an unknown optimizer', ['--layers', '8,10', '--optimizer', 'adagrad'], "error: option '--optimizer <name>' argument 'adagrad' is invalid. Allowed choices are sgd, adam, adamw, rmsprop."],
    ['a dropout rate of 1.5', ['--layers', '8,dropout:1.5,10'], 'webgpu-nn: --layers dropout:1.5: Dropout({ rate }): expected a number in [0, 1), got 1.5'],
    ['an unknown activation layer', ['--layers', '8,activation:swish,10'], 'webgpu-nn: --layers activation:swish: Activation({ activation }): expected one of'],
    ['a sparse loss without a softmax', ['--layers', '8,10', '--loss', 'sparseCategoricalCrossentropy'], "webgpu-nn: compile({ loss }): expected a last layer with activation 'softmax' for sparseCategoricalCrossentropy, got 'sigmoid'"],
    ['an unknown metric', ['--layers', '8,10', '--output-activation', 'softmax', '--metrics', 'accuracy,perplexity'], 'webgpu-nn: compile({ metrics })[1]: expected a metric name'],
    ['labels beyond the output units', ['--layers', '8,5', '--output-activation', 'softmax'], 'the label of row 6: expected a class index in [0, 5) for a last layer of 5 units, got 5'],
    ['a validation split of 1', ['--layers', '8,10', '--validation-split', '1'], "error: option '--validation-split <fraction>' argument '1' is invalid. expected a fraction in [0, 1)"],
    ['--from with --layers', ['--layers', '8,10', '--from', 'model'], "error: option '--from <dir>' cannot be used with option '--layers <spec>'"],
    ['neither --layers nor --from', [], "error: expected one of '--layers <spec>' (a new model) or '--from <dir>' (a saved one)"],
    ['--from a directory without a model', ['--from', join(out, 'nothing')], `webgpu-nn: file://${join(out, 'nothing')}: expected a model.json at ${join(out, 'nothing', 'model.json')}, got no such file`],
  ];
  describe('bad flags', () => {
    let data: string;
    beforeAll(() => void (data = tenDigits(1)));
    it.concurrent.for(bad)('rejects %s with a message naming it, and exits with 1', async ([, args, message], { expect }) => {
      const run = await webgpuNN('train', '--data', data, '--backend', 'cpu', ...args);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(message);
    });
  });
});

describe('webgpu-nn train: classes, --from, and predict', () => {
  const data = join(out, 'ten-30.u8');
  const first = join(out, 'digits');
  const second = join(out, 'digits-continued');
  let digits: ReturnType<typeof decodeDigits>;
  beforeAll(() => {
    expect(tenDigits(30)).toBe(data);
    digits = decodeDigits(new Uint8Array(readFileSync(data)));
  });

  it('trains a softmax classifier of every layer kind on ten digits with adam, a validation split and accuracy, and writes files that score as it printed', async () => {
    const layers = 'dense:32:linear,batchnorm:0.9,activation:relu,dropout:0.1,10';
    const args = ['--layers', layers, '--output-activation', 'softmax', '--optimizer', 'adam', '--learning-rate', '0.01', '--epochs', '5'];
    const run = await webgpuNN('train', '--data', data, ...args, '--validation-split', '0.2', '--metrics', 'accuracy', '--backend', 'cpu', '--seed', '3', '--out', first);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`300 rows of 400 features from ${data}, on cpu`);
    expect(run.stderr.match(/^epoch \d\/5 loss \d\.\d{4} · accuracy \d\.\d{4} · val_loss \d\.\d{4} · val_accuracy \d\.\d{4}$/gm)).toHaveLength(5);

    const model = await loadWritten(first);
    expect(model.layers.map((layer) => layer.className)).toEqual(['Dense', 'BatchNormalization', 'Activation', 'Dropout', 'Dense']);
    expect(JSON.parse(readFileSync(join(first, 'model.json'), 'utf8')).modelTopology.config.layers.map(({ config }: { config: Record<string, unknown> }) => [config.units, config.activation, config.momentum, config.rate])).toEqual([
      [32, 'linear', undefined, undefined],
      [undefined, undefined, 0.9, undefined],
      [undefined, 'relu', undefined, undefined],
      [undefined, undefined, undefined, 0.1],
      [10, 'softmax', undefined, undefined],
    ]);
    // Recomputed from the files' predictions: on all 300 rows, and on the last 60 (Keras's split: 300 · 0.8 rows train).
    const probabilities = (await model.predict(digits.x)).data;
    model.dispose();
    const all = printed(run.stdout, ' on the 300 rows');
    const expected = classScores(probabilities, digits.labels);
    expect(Math.abs(all.loss - expected.loss)).toBeLessThan(6e-5);
    expect(Math.abs(all.accuracy - expected.accuracy)).toBeLessThan(5e-5);
    expect(all.accuracy).toBeGreaterThanOrEqual(0.8);
    const validation = printed(run.stdout, ' on the last 0.2 of the rows, held out');
    const held = classScores(probabilities, digits.labels, 240);
    expect(Math.abs(validation.val_loss - held.loss)).toBeLessThan(6e-5);
    expect(Math.abs(validation.val_accuracy - held.accuracy)).toBeLessThan(5e-5);
  });

  it('continues training a saved model --from its directory: it starts from the saved weights and lowers the loss', async () => {
    const run = await webgpuNN('train', '--data', data, '--from', first, '--optimizer', 'adam', '--learning-rate', '0.005', '--epochs', '3', '--backend', 'cpu', '--seed', '4', '--out', second);
    expect(run.code, run.stderr).toBe(0);
    const saved = await loadWritten(first);
    const start = classScores((await saved.predict(digits.x)).data, digits.labels);
    saved.dispose();
    const loaded = printed(run.stdout, ` on the 300 rows, as loaded from ${first}`);
    expect(Math.abs(loaded.loss - start.loss)).toBeLessThan(6e-5);
    expect(Math.abs(loaded.accuracy - start.accuracy)).toBeLessThan(5e-5);

    const continued = await loadWritten(second);
    expect(continued.layers.map((layer) => layer.className)).toEqual(['Dense', 'BatchNormalization', 'Activation', 'Dropout', 'Dense']);
    const end = classScores((await continued.predict(digits.x)).data, digits.labels);
    continued.dispose();
    const after = printed(run.stdout, ' on the 300 rows');
    expect(Math.abs(after.loss - end.loss)).toBeLessThan(6e-5);
    expect(end.loss).toBeLessThan(start.loss);
  });

  for (const backend of ['cpu', 'webgpu']) {
    it(`predicts with a saved classifier on ${backend}: a CSV line per row, the ten probabilities and the class, as Sequential.load and predict give them`, async () => {
      const run = await webgpuNN('predict', '--model', first, '--data', data, '--backend', backend);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toContain(`300 rows from ${data}, predicted on ${backend}`);
      const rows = run.stdout.trimEnd().split('\n').map((line) => line.split(',').map(Number));
      expect(rows).toHaveLength(300);
      expect(rows.every((row) => row.length === 11)).toBe(true);
      const model = await Sequential.load(`file://${first}`, { backend: 'cpu' });
      const expected = (await model.predict(digits.x)).data;
      model.dispose();
      const probabilities = Float32Array.from(rows.flatMap((row) => row.slice(0, 10)));
      // The CPU reference prints exactly the library's float32 values; Dawn's differ in their last bits.
      if (backend === 'cpu') expect(probabilities).toEqual(expected);
      else expect(maxRelativeError(probabilities, expected)).toBeLessThan(1e-5);
      expect(rows.map((row) => row[10])).toEqual(rows.map((row) => row.indexOf(Math.max(...row.slice(0, 10)))));
    });
  }
});
