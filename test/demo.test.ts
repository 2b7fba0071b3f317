// The digit demo: its shipped data, its drawing preprocessing, and the built page trained end to end in headless Chromium.
import { mkdirSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'puppeteer-core';
import { type PreviewServer, build, preview } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeDigits } from '../src/data/digits';
import { SIDE, toInput } from '../demo/preprocess';
import { launchChromium } from './support/chromium';

const CONFIG = 'demo/vite.config.ts';

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
  let server: PreviewServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    await build({ configFile: CONFIG, logLevel: 'warn' });
    server = await preview({ configFile: CONFIG, logLevel: 'warn', preview: { host: '127.0.0.1', port: 0, strictPort: true } });
    browser = await launchChromium();
    page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 1000 });
    page.on('pageerror', (error) => console.error('page error:', error));
    await page.goto(server.resolvedUrls!.local[0]);
  });

  afterAll(async () => {
    await browser?.close();
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

  /** Trains with the settings on the page until the status is "done"; logs and returns the accuracies shown. */
  async function train(): Promise<{ trainAccuracy: number; testAccuracy: number }> {
    const started = performance.now();
    await page.click('[data-testid="train"]');
    const status = await page.waitForFunction(
      () => {
        const shown = document.querySelector('[data-testid="status"]')!.textContent!;
        return (shown === 'done' || shown.startsWith('error')) && shown;
      },
      { timeout: 90_000 },
    );
    expect(await status.jsonValue()).toBe('done');
    const seconds = (performance.now() - started) / 1000;
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

  it('trains to ≥ 0.99 test accuracy with its defaults and tells a drawn 1 from a drawn 0', async () => {
    await ready();
    const { trainAccuracy, testAccuracy } = await train();
    expect(testAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(trainAccuracy).toBeGreaterThanOrEqual(0.99);

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
});
