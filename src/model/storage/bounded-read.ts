// Reading the files of a model from storage that an untrusted model.json points into (a web server, a directory),
// with every byte count bounded before it is read: model.json itself, then the weight files it lists, which may
// hold, all together, no more than the bytes its checked manifest declares. A reader that would exceed its bound
// stops at once, so a file can never make loading read or keep more than it declared.
import { WebGPUNNError } from '../../errors';
import type { ModelPlan } from '../model-files';

/** The largest model.json read: far above any topology of 2^28 parameters. */
export const MAX_MODEL_JSON_BYTES = 2 ** 26;

/** A count of bytes that reads take from; `take` throws INVALID_MODEL_FILE once they would exceed it. */
export class ByteBudget {
  private left: number;

  constructor(
    limit: number,
    private readonly what: string,
  ) {
    this.left = limit;
  }

  /** Throws unless `bytes` more fit, without taking them (a size known before reading, like Content-Length). */
  check(bytes: number, source: string): void {
    if (bytes > this.left) throw new WebGPUNNError('INVALID_MODEL_FILE', `${source}: expected at most ${this.left} more bytes (${this.what}), got ${bytes}`);
  }

  take(bytes: number, source: string): void {
    this.check(bytes, source);
    this.left -= bytes;
  }
}

/**
 * The bytes of each weight file of a checked model.json, in manifest order, read by `read` (which takes what it
 * reads from the budget). The manifest lists each file once and at most MAX_WEIGHT_FILES of them, so this reads
 * each file once, and their bytes together at most the manifest's.
 */
export async function readWeightFiles(plan: ModelPlan, read: (path: string, budget: ByteBudget) => Promise<Uint8Array>): Promise<Uint8Array[]> {
  const budget = new ByteBudget(plan.byteLength, `the weights that weightsManifest lists: ${plan.byteLength} bytes in all`);
  return Promise.all(plan.paths.map((path) => read(path, budget)));
}
