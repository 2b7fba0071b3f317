// Writes the demo's digit sets to demo/data/ from the MNIST samples in the `mnist` package.
//
// Each image is the central 20×20 crop (rows and columns 4..23) of a 28×28 MNIST digit: 400 features.
// Split: for each digit, the first 80% of its samples in package order go to train, the rest to test.
// Files (rows ordered by digit, then package order):
//   binary-train.u8, binary-test.u8   digits 0 and 1
//   ten-train.u8,    ten-test.u8      digits 0 to 9
// Layout of each file: rows × 400 pixel bytes (round(value × 255), row-major), then rows label bytes.
// index.json records the rows in each file. The output is deterministic.
//
// Run: npx tsx scripts/make-digits.ts
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const SIZE = 28;
const CROP = 20;
const OFFSET = (SIZE - CROP) / 2;
const TRAIN_FRACTION = 0.8;
const outDir = new URL('../demo/data/', import.meta.url);

const require = createRequire(import.meta.url);

/** The 28×28 samples of one digit, as one flat array of values in [0, 1]. */
function rawDigit(digit: number): number[] {
  const file = require.resolve(`mnist/src/digits/${digit}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { data: number[] }).data;
}

/** Central 20×20 crop of every sample, as pixel bytes. */
function cropAll(raw: number[]): Uint8Array[] {
  const count = raw.length / (SIZE * SIZE);
  const images: Uint8Array[] = [];
  for (let n = 0; n < count; n++) {
    const image = new Uint8Array(CROP * CROP);
    for (let r = 0; r < CROP; r++) {
      for (let c = 0; c < CROP; c++) {
        image[r * CROP + c] = Math.round(raw[n * SIZE * SIZE + (r + OFFSET) * SIZE + c + OFFSET] * 255);
      }
    }
    images.push(image);
  }
  return images;
}

interface Labelled { image: Uint8Array; label: number }

function encode(rows: Labelled[]): Uint8Array {
  const bytes = new Uint8Array(rows.length * (CROP * CROP + 1));
  rows.forEach(({ image, label }, i) => {
    bytes.set(image, i * CROP * CROP);
    bytes[rows.length * CROP * CROP + i] = label;
  });
  return bytes;
}

const train: Labelled[][] = [];
const test: Labelled[][] = [];
for (let digit = 0; digit < 10; digit++) {
  const images = cropAll(rawDigit(digit)).map((image) => ({ image, label: digit }));
  const cut = Math.round(images.length * TRAIN_FRACTION);
  train.push(images.slice(0, cut));
  test.push(images.slice(cut));
}

const sets: Record<string, Labelled[]> = {
  'binary-train': train.slice(0, 2).flat(),
  'binary-test': test.slice(0, 2).flat(),
  'ten-train': train.flat(),
  'ten-test': test.flat(),
};

mkdirSync(outDir, { recursive: true });
const index: Record<string, number> = {};
for (const [name, rows] of Object.entries(sets)) {
  writeFileSync(new URL(`${name}.u8`, outDir), encode(rows));
  index[name] = rows.length;
}
writeFileSync(new URL('index.json', outDir), JSON.stringify(index, null, 2) + '\n');
console.log('demo/data:', index);
