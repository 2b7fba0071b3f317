// The digit demo: its shipped data, its drawing preprocessing, and the built page trained end to end in headless
// Chromium, with the training in a worker and none of it on the page's main thread.
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { type PreviewServer, type Rolldown, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDigits } from '../src/data/digits';
import type { TrainEvent } from '../demo/protocol';
import { SIDE, toInput } from '../demo/preprocess';
import { launchChromium } from './support/chromium';
import { mainThreadCpu } from './support/main-thread-cpu';

const CONFIG = 'demo/vite.config.ts';

/** A long task the page's PerformanceObserver saw (PerformanceLongTaskTiming): over 50 ms on its main thread. */
interface LongTask {
  startTime: number;
  duration: number;
}

/** What the page records for the test from before its scripts run: its long tasks, and the worker's last epoch event. */
declare const recorded: { longTasks(): LongTask[]; epochs: number; lastEpoch?: Extract<TrainEvent, { type: 'epoch' }>; rates: number[]; valLosses: number[]; sweeps: NonNullable<Extract<TrainEvent, { type: 'epoch' }>['sweep']>[] };

describe('demo data', () => {
  const index = JSON.parse(readFileSync('demo/data/index.json', 'utf8')) as Record<string, number>;

  it.each(Object.keys(index))('%s.u8 holds the rows index.json lists, with the right labels', (name) => {
    const digits = decodeDigits(new Uint8Array(readFileSync(`demo/data/${name}.u8`)));
    expect(digits.x.shape).toEqual([index[name], 400]);
    expect(new Set(digits.labels)).toEqual(new Set(name.startsWith('binary') ? [0, 1] : [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(digits.x.data.reduce((max, v) => Math.max(max, v), 0)).toBe(1);
  });
});

describe('drawing preprocessing', () => {
  it('scales the ink to fit 20×20 and centres it by its centre of mass', () => {
    // A 12×40 bar in the top-left corner of a 200×200 drawing becomes a 6×20 bar in the middle columns.
    const width = 200, height = 200;
    const data = new Uint8ClampedArray(width * height * 4);
    for (let y = 10; y < 50; y++) for (let x = 10; x < 22; x++) data[(y * width + x) * 4 + 3] = 255;
    const input = toInput({ width, height, data })!;
    const inked = (r: number, c: number) => input[r * SIDE + c] > 0.5;
    for (let r = 0; r < SIDE; r++) {
      expect(Array.from({ length: SIDE }, (_, c) => inked(r, c))).toEqual(Array.from({ length: SIDE }, (_, c) => c >= 7 && c < 13));
    }
    expect(toInput({ width, height, data: new Uint8ClampedArray(width * height * 4) })).toBeNull();
  });
});

describe('demo page', () => {
  let built: Awaited<ReturnType<typeof build>>;
  let server: PreviewServer;
  const browsers: Browser[] = [];
  let page: Page;

  /** The demo in a fresh Chromium, with or without WebGPU, recording its long tasks and its worker's epochs. */
  async function openDemo(webgpu: boolean): Promise<Page> {
    const browser = await launchChromium({ webgpu });
    browsers.push(browser);
    const opened = await browser.newPage();
    await opened.setViewport({ width: 1280, height: 1000 });
    opened.on('pageerror', (error) => console.error('page error:', error));
    await opened.evaluateOnNewDocument(() => {
      const seen: LongTask[] = [];
      const keep = (entries: PerformanceEntryList) => entries.forEach(({ startTime, duration }) => seen.push({ startTime, duration }));
      const observer = new PerformanceObserver((list) => keep(list.getEntries()));
      observer.observe({ type: 'longtask', buffered: true });
      // Those delivered so far, and those still waiting for the observer's callback.
      const longTasks = () => (keep(observer.takeRecords()), [...seen]);
      const record: typeof recorded = { longTasks, epochs: 0, rates: [], valLosses: [], sweeps: [] };
      (window as unknown as { recorded: typeof recorded }).recorded = record;
      // Every worker the page starts reports its epoch events here too.
      const PageWorker = Worker;
      window.Worker = class extends PageWorker {
        constructor(...args: ConstructorParameters<typeof Worker>) {
          super(...args);
          this.addEventListener('message', ({ data }: MessageEvent<TrainEvent>) => {
            if (data.type !== 'epoch') return;
            record.epochs++;
            record.lastEpoch = data;
            record.rates.push(data.learningRate);
            record.valLosses.push(data.logs.val_loss);
            if (data.sweep) record.sweeps.push(data.sweep);
          });
        }
      };
    });
    await opened.goto(server.resolvedUrls!.local[0]);
    return opened;
  }

  beforeAll(async () => {
    built = await build({ configFile: CONFIG, logLevel: 'warn' });
    server = await preview({ configFile: CONFIG, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: true } });
    page = await openDemo(true);
  });

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close()));
    await server?.close();
  });

  const text = (testid: string) => page.$eval(`[data-testid="${testid}"]`, (e) => e.textContent ?? '');

  const ONE: [number, number][] = [[0.5, 0.15], [0.5, 0.85]];
  const ZERO = Array.from({ length: 25 }, (_, i): [number, number] => {
    const angle = (i / 24) * 2 * Math.PI;
    return [0.5 + 0.25 * Math.sin(angle), 0.5 - 0.35 * Math.cos(angle)];
  });

  /** Waits for the page to settle after loading a mode's data, and checks it is ready. */
  async function ready(): Promise<void> {
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')!.textContent !== 'loading data');
    expect(await text('status')).toBe('ready');
  }

  /**
   * The long tasks the page's observer records while `action` runs, each with the CPU time its main thread spent on
   * it (from Chromium's trace).
   */
  async function longTasksWhile(action: () => Promise<void>): Promise<(LongTask & { cpu: number })[]> {
    await page.tracing.start({ categories: ['toplevel', 'blink.user_timing'] });
    const from = await page.evaluate(() => performance.mark('long-tasks-from').startTime);
    await action();
    const to = await page.evaluate(() => performance.now());
    const cpu = mainThreadCpu(new TextDecoder().decode(await page.tracing.stop()), 'long-tasks-from');
    const tasks = (await page.evaluate(() => recorded.longTasks())).filter((task) => task.startTime + task.duration > from && task.startTime < to);
    return tasks.map((task) => ({ ...task, cpu: cpu(task.startTime, task.duration) }));
  }

  /**
   * Trains with the settings on the page until the status is "done"; logs and returns the accuracies shown. The
   * page's main thread never works 50 ms at a stretch while the worker trains: a long task the observer records
   * (over 50 ms of wall time) took under 50 ms of the thread's CPU, and was long only because the thread waited for
   * one of the machine's cores, which the worker's training keeps busy.
   */
  async function train(): Promise<{ trainAccuracy: number; testAccuracy: number }> {
    const started = performance.now();
    let shown: unknown;
    const longTasks = await longTasksWhile(async () => {
      await page.click('[data-testid="train"]');
      const status = await page.waitForFunction(
        () => {
          const text = document.querySelector('[data-testid="status"]')!.textContent!;
          return (text === 'done' || text.startsWith('error')) && text;
        },
        { timeout: 90_000 },
      );
      shown = await status.jsonValue();
    });
    expect(shown).toBe('done');
    const seconds = (performance.now() - started) / 1000;
    const listed = longTasks.map(({ duration, cpu }) => `${duration.toFixed(0)} ms (CPU ${cpu.toFixed(1)} ms)`).join(', ');
    console.log(`demo (${await page.$eval('#mode', (e) => (e as HTMLSelectElement).value)}): ${longTasks.length} long tasks on the main thread while training${listed ? `: ${listed}` : ''}`);
    for (const { cpu } of longTasks) expect(cpu).toBeLessThan(50);
    const trainAccuracy = Number(await text('train-accuracy'));
    const testAccuracy = Number(await text('test-accuracy'));
    const setting = (id: string) => page.$eval(`#${id}`, (e) => (e as HTMLInputElement).value);
    console.log(
      `demo (${await setting('mode')}): backend "${await text('backend')}", ${await setting('epochs')} epochs ` +
        `(learning rate ${await setting('learning-rate')}, batch size ${await setting('batch-size')}) in ${seconds.toFixed(1)} s ` +
        `(last epoch ${await page.$eval('#epoch-time', (e) => e.textContent)}), train accuracy ${trainAccuracy}, test accuracy ${testAccuracy}`,
    );
    return { trainAccuracy, testAccuracy };
  }

  /** Clears the pad and draws a stroke through `points` (fractions of the canvas). */
  async function draw(points: [number, number][]): Promise<void> {
    await page.click('[data-testid="clear"]');
    const box = (await (await page.$('[data-testid="draw-canvas"]'))!.boundingBox())!;
    const at = ([fx, fy]: [number, number]) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    await page.mouse.move(...at(points[0]));
    await page.mouse.down();
    for (const point of points.slice(1)) await page.mouse.move(...at(point), { steps: 4 });
    await page.mouse.up();
  }

  /** The P(1) the page shows for the drawing, once it has one. */
  async function probabilityOfOne(): Promise<number> {
    const shown = await page.waitForFunction(() => {
      const output = document.querySelector('[data-testid="draw-probability"]')!;
      return !output.hasAttribute('data-busy') && output.textContent !== '' && output.textContent;
    });
    return Number(await shown.jsonValue());
  }

  /** The probability of each digit, 0 to 9, that the page shows for the drawing, once it has them. */
  async function digitProbabilities(): Promise<number[]> {
    const shown = await page.waitForFunction(() => {
      const bars = document.querySelector('[data-testid="draw-probabilities"]')!;
      const values = Array.from({ length: 10 }, (_, digit) => bars.querySelector(`[data-digit="${digit}"]`)?.textContent ?? '');
      return !bars.hasAttribute('data-busy') && values.every((value) => value !== '') && values;
    });
    const probabilities = ((await shown.jsonValue()) as string[]).map(Number);
    for (const p of probabilities) expect(p).toSatisfy((value: number) => value >= 0 && value <= 1);
    return probabilities;
  }

  async function screenshot(name: string): Promise<void> {
    mkdirSync('test/artifacts', { recursive: true });
    await page.screenshot({ path: `test/artifacts/${name}`, fullPage: true });
  }

  const likeliest = (probabilities: number[]) => probabilities.indexOf(Math.max(...probabilities));

  /** Replaces a text field's value as a user would. */
  async function fill(testid: string, value: string): Promise<void> {
    await page.click(`[data-testid="${testid}"]`, { count: 3 });
    await page.keyboard.press('Backspace');
    await page.type(`[data-testid="${testid}"]`, value);
  }

  /**
   * The first-layer images against the worker's last kernel: how many tiles the canvas shows (in rows of as many as
   * fit its width, 21 pixels apart), the kernel's units, and the largest difference between a tile's grey and its
   * unit's weight mapped linearly from the column's [min, max] to [0, 255].
   */
  async function weightImages(): Promise<{ images: number; units: number; worst: number; note: string }> {
    return page.evaluate(() => {
      const { shape: [inputs, units], data } = recorded.lastEpoch!.firstLayer;
      const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="weights"]')!;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const [side, pitch] = [20, 21];
      const columns = (canvas.width + 1) / pitch, rows = (canvas.height + 1) / pitch;
      const pixel = (j: number, i: number) => 4 * ((Math.floor(j / columns) * pitch + Math.floor(i / side)) * canvas.width + (j % columns) * pitch + (i % side));
      let images = 0;
      while (images < columns * rows && pixels[pixel(images, 0) + 3] === 255) images++;
      let worst = 0;
      for (let j = 0; j < images; j++) {
        const column = Array.from({ length: inputs }, (_, i) => data[i * units + j]);
        const lo = Math.min(...column), hi = Math.max(...column);
        column.forEach((w, i) => {
          const [r, g, b, a] = pixels.subarray(pixel(j, i), pixel(j, i) + 4);
          worst = Math.max(worst, Math.abs(r - (255 * (w - lo)) / (hi - lo)), Math.abs(g - r), Math.abs(b - r), 255 - a);
        });
      }
      return { images, units, worst, note: document.getElementById('weights-note')!.textContent! };
    });
  }

  it("runs webgpu-nn only in its worker: the page's script is built from none of its modules", () => {
    const chunks = [built as Rolldown.RolldownOutput | Rolldown.RolldownOutput[]].flat().flatMap((output) => output.output);
    const entry = chunks.find((chunk): chunk is Rolldown.OutputChunk => chunk.type === 'chunk' && chunk.isEntry)!;
    expect(entry.moduleIds).toContain(resolve('demo/main.ts'));
    expect(entry.moduleIds.filter((id) => id.startsWith(resolve('src') + sep))).toEqual([]);
    // The page starts the worker, whose script holds the library: its device request, WGSL kernels and fit.
    const workers = readdirSync('demo/dist/assets').filter((name) => /^worker-.*\.js$/.test(name));
    expect(workers).toHaveLength(1);
    expect(entry.code).toContain(workers[0]);
    const worker = readFileSync(`demo/dist/assets/${workers[0]}`, 'utf8');
    for (const mark of ['requestAdapter', '@compute', 'stopTraining']) expect(worker).toContain(mark);
  });

  it('trains to ≥ 0.99 test accuracy with its defaults and tells a drawn 1 from a drawn 0', async () => {
    await ready();
    const { trainAccuracy, testAccuracy } = await train();
    expect(testAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(trainAccuracy).toBeGreaterThanOrEqual(0.99);

    // The page shows the worker's last epoch: its training and validation losses, and its first layer's 25 units.
    const last = await page.evaluate(() => ({ epochs: recorded.epochs, logs: recorded.lastEpoch!.logs }));
    expect(last.epochs).toBe(10);
    expect(await text('loss')).toBe(last.logs.loss.toFixed(4));
    expect(await text('val-loss')).toBe(last.logs.val_loss.toFixed(4));
    expect(await text('test-accuracy')).toBe(last.logs.val_accuracy.toFixed(4));
    const images = await weightImages();
    expect(images).toMatchObject({ images: 25, units: 25, note: 'Its 25 units.' });
    expect(images.worst).toBeLessThanOrEqual(0.5 + 1e-3);

    // The page's own work shows as a long task and as its CPU time: a timer that computes for 300 ms (of wall time:
    // on a loaded machine, less of CPU), well over the 50 ms of CPU that training may not take.
    const busy = await longTasksWhile(async () => {
      await page.evaluate(() => new Promise<void>((done) => setTimeout(() => {
        const start = performance.now();
        while (performance.now() - start < 300);
        setTimeout(done, 0);
      })));
    });
    console.log(`demo: a timer's 300 ms of work: long tasks ${busy.map(({ duration, cpu }) => `${duration.toFixed(0)} ms (CPU ${cpu.toFixed(1)} ms)`).join(', ')}`);
    expect(busy.map((task) => task.duration >= 300 && task.cpu >= 50)).toContain(true);

    await draw(ONE);
    const one = await probabilityOfOne();
    await page.click('[data-testid="clear"]');
    expect(await text('draw-probability')).toBe('');
    await draw(ZERO);
    const zero = await probabilityOfOne();
    console.log(`demo (binary): drawn 1 → P(1) = ${one}, drawn 0 → P(1) = ${zero}`);
    expect(one).toBeGreaterThan(0.5);
    expect(zero).toBeLessThan(0.5);
    await screenshot('demo.png');
  });

  it('in ten-digit mode, trains to ≥ 0.90 test accuracy with its defaults and reads a drawn 1 and a drawn 0', async () => {
    await page.select('[data-testid="mode"]', 'ten');
    await ready();
    expect(await text('test-accuracy')).toBe('');
    const { testAccuracy } = await train();
    expect(testAccuracy).toBeGreaterThanOrEqual(0.9);

    await draw(ONE);
    const one = await digitProbabilities();
    await draw(ZERO);
    const zero = await digitProbabilities();
    console.log(`demo (ten): drawn 1 → ${one.join(' ')}, drawn 0 → ${zero.join(' ')}`);
    expect(likeliest(one)).toBe(1);
    expect(likeliest(zero)).toBe(0);
    await screenshot('demo-ten.png');
  });

  it('trains the hidden layers the user picks, shows at most 64 first-layer units, and stops when asked', async () => {
    await page.select('[data-testid="mode"]', 'binary');
    await ready();
    await fill('hidden-units', '25, x');
    await page.click('[data-testid="train"]');
    expect(await page.$eval('[data-testid="hidden-units"]', (e) => (e as HTMLInputElement).validationMessage)).toContain('"x" is not');
    expect(await text('status')).toBe('ready');

    await fill('hidden-units', '40,20');
    await page.select('[data-testid="activation"]', 'tanh');
    await fill('epochs', '3');
    expect(await page.$eval('#network', (e) => e.textContent)).toBe('400 → 40 tanh → 20 tanh → 1 sigmoid');
    const { testAccuracy } = await train();
    expect(testAccuracy).toBeGreaterThanOrEqual(0.99);
    const images = await weightImages();
    expect(images).toMatchObject({ images: 40, units: 40 });
    expect(images.worst).toBeLessThanOrEqual(0.5 + 1e-3);
    for (const id of ['hidden-units', 'activation', 'learning-rate']) expect(await page.$eval(`#${id}`, (e) => (e as HTMLInputElement).disabled)).toBe(true);

    // A wider first layer than the panel shows, trained for many epochs and stopped after the first.
    await page.click('[data-testid="reset"]');
    await fill('hidden-units', '100');
    await page.select('[data-testid="activation"]', 'relu');
    await fill('epochs', '200');
    const epochsBefore = await page.evaluate(() => recorded.epochs);
    await page.click('[data-testid="train"]');
    await page.waitForFunction((before) => recorded.epochs > before, { timeout: 90_000 }, epochsBefore);
    await page.click('[data-testid="stop"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="status"]')!.textContent === 'done', { timeout: 90_000 });
    const epochsRun = (await page.evaluate(() => recorded.epochs)) - epochsBefore;
    console.log(`demo (binary, 400 → 100 relu → 1 sigmoid): stopped after ${epochsRun} of 200 epochs`);
    // The stop reaches the worker while it trains: epochs already run or queued by then still end (a few, on a
    // machine whose cores the training keeps busy), then no more.
    expect(epochsRun).toBeLessThan(20);
    expect(await page.$eval('#epoch', (e) => e.textContent)).toBe(`${epochsRun} / 200`);
    const wide = await weightImages();
    expect(wide).toMatchObject({ images: 64, units: 100, note: 'The first 64 of its 100 units.' });
    expect(wide.worst).toBeLessThanOrEqual(0.5 + 1e-3);
  });

  it("stops early on the test loss and halves the rate on its plateaus when asked, as Keras's rules say, showing each epoch's rate", async () => {
    await page.select('[data-testid="mode"]', 'binary');
    await ready();
    await page.click('[data-testid="reset"]');
    await fill('hidden-units', '25,15');
    await page.select('[data-testid="activation"]', 'sigmoid');
    await fill('learning-rate', '4');
    await fill('epochs', '60');
    for (const id of ['early-stopping', 'reduce-on-plateau']) if (!(await page.$eval(`#${id}`, (e) => (e as HTMLInputElement).checked))) await page.click(`#${id}`);
    const from = await page.evaluate(() => recorded.epochs);
    await train();
    const [rates, losses] = await page.evaluate((n) => [recorded.rates.slice(n), recorded.valLosses.slice(n)], from);
    // Keras 3's ReduceLROnPlateau (patience 2, factor 0.5, minDelta 1e-4) and EarlyStopping (patience 5) on the test losses shown.
    let [rate, best, wait] = [4, Infinity, 0];
    const expectedRates: number[] = [];
    let [stopBest, stopWait, stoppedAt] = [Infinity, 0, -1];
    losses.forEach((loss, epoch) => {
      expectedRates.push(rate);
      if (loss < best - 1e-4) [best, wait] = [loss, 0];
      else if (++wait >= 2) [rate, wait] = [rate * 0.5, 0];
      stopWait++;
      if (loss < stopBest) [stopBest, stopWait] = [loss, 0];
      else if (stopWait >= 5 && epoch > 0 && stoppedAt < 0) stoppedAt = epoch;
    });
    console.log(`demo (early stopping, plateau): ${losses.length} of 60 epochs, rates ${rates.join(' ')}`);
    expect(rates.map(Math.fround)).toEqual(expectedRates.map(Math.fround));
    expect(stoppedAt, 'a run that stops early').toBeGreaterThan(0);
    expect(losses.length).toBe(stoppedAt + 1);
    expect(Number(await text('epoch-rate'))).toBe(Math.fround(rates.at(-1)!));
    expect(new Set(rates).size, 'a rate halved at least once').toBeGreaterThan(1);
  });

  it('sweeps 7 learning rates at once as a ModelGroup, one curve each, and follows the member with the lowest test loss', async () => {
    await page.select('[data-testid="mode"]', 'binary');
    await ready();
    await page.click('[data-testid="reset"]');
    await fill('hidden-units', '25,15');
    await fill('learning-rate', '0.5');
    await fill('epochs', '4');
    for (const id of ['early-stopping', 'reduce-on-plateau']) if (await page.$eval(`#${id}`, (e) => (e as HTMLInputElement).checked)) await page.click(`#${id}`);
    if (!(await page.$eval('#sweep', (e) => (e as HTMLInputElement).checked))) await page.click('#sweep');
    const from = await page.evaluate(() => recorded.sweeps.length);
    const { testAccuracy } = await train();
    const sweeps = await page.evaluate((n) => recorded.sweeps.slice(n), from);
    const last = await page.evaluate(() => recorded.lastEpoch!);
    console.log(`demo (sweep): rates ${sweeps[0].rates.join(' ')}, last losses ${sweeps.at(-1)!.losses.map((l) => l?.toFixed(4)).join(' ')}`);
    expect(sweeps).toHaveLength(4);
    expect(sweeps[0].rates).toEqual([1 / 8, 1 / 4, 1 / 2, 1, 2, 4, 8].map((k) => 0.5 * k));
    // Seven models from the same weights at seven rates: seven different curves.
    expect(new Set(sweeps.at(-1)!.losses.map((l) => l!.toFixed(6))).size).toBe(7);
    // The page shows the member with the lowest test loss.
    const best = sweeps.at(-1)!.best;
    const valLosses = sweeps.at(-1)!.valLosses as number[];
    expect(valLosses[best]).toBe(Math.min(...valLosses));
    expect(last.logs.loss).toBe(sweeps.at(-1)!.losses[best]);
    expect(Number(await text('loss'))).toBeCloseTo(last.logs.loss, 4);
    expect(await text('epoch-rate')).toBe(`${Math.fround(sweeps[0].rates[best])} (the best of 7)`);
    expect(testAccuracy).toBeGreaterThanOrEqual(0.99);
  });

  it('without WebGPU, trains on the CPU reference in its worker to ≥ 0.99 test accuracy, the main thread still free', async () => {
    // Trained on the page's main thread, these ten epochs of the CPU reference are one task of over a second of CPU.
    page = await openDemo(false);
    await ready();
    const { testAccuracy } = await train();
    expect(await text('backend')).toBe('CPU reference: WebGPU unavailable');
    expect(testAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(await page.evaluate(() => recorded.epochs)).toBe(10);
    await draw(ONE);
    expect(await probabilityOfOne()).toBeGreaterThan(0.5);
  });
});
