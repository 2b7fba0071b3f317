// A mode's digits as the worker holds them: the training set, the test set (the validation data), and the grid's
// test digits, spread evenly over the test set.
import type { Matrix } from '../src/index';
import { type Digits, FEATURES, loadDigits } from '../src/data/digits';
import type { Mode } from './modes';

export interface ModeData {
  train: Digits;
  test: Digits;
  grid: { x: Matrix; labels: Uint8Array };
}

export async function loadModeData(mode: Mode, gridDigits: number): Promise<ModeData> {
  const [train, test] = await Promise.all([loadDigits(mode.trainUrl), loadDigits(mode.testUrl)]);
  return { train, test, grid: spread(test, gridDigits) };
}

/** `count` digits taken at even steps through the set. */
function spread(digits: Digits, count: number): ModeData['grid'] {
  const total = digits.labels.length;
  const rows = Array.from({ length: count }, (_, i) => Math.floor(((i + 0.5) * total) / count));
  const x = new Float32Array(count * FEATURES);
  rows.forEach((row, i) => x.set(digits.x.data.subarray(row * FEATURES, (row + 1) * FEATURES), i * FEATURES));
  return { x: { shape: [count, FEATURES], data: x }, labels: Uint8Array.from(rows, (row) => digits.labels[row]) };
}
