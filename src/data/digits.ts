// The digit files of the demo, the command line, the benchmark and the lesson script (written by
// scripts/make-digits.ts): rows × 400 pixel bytes (row-major 20×20 images), then a label byte per row.
import type { Matrix } from '../matrix';

export const FEATURES = 400;

export interface Digits {
  /** Pixels scaled to [0, 1], one image per row. */
  x: Matrix;
  /** The labels as a column. */
  y: Matrix;
  labels: Uint8Array;
}

export function decodeDigits(bytes: Uint8Array): Digits {
  const rows = bytes.length / (FEATURES + 1);
  if (!Number.isInteger(rows)) throw new Error(`digit file of ${bytes.length} bytes is not rows × ${FEATURES + 1}`);
  const pixels = bytes.subarray(0, rows * FEATURES);
  const labels = bytes.slice(rows * FEATURES);
  return {
    x: { shape: [rows, FEATURES], data: Float32Array.from(pixels, (p) => p / 255) },
    y: { shape: [rows, 1], data: Float32Array.from(labels) },
    labels,
  };
}

/** Fetches and decodes a digit file, e.g. one imported as `./data/binary-train.u8?url`. */
export async function loadDigits(url: string): Promise<Digits> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return decodeDigits(new Uint8Array(await response.arrayBuffer()));
}
