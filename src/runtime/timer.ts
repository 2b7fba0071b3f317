// Times dispatches against each other on the device, for the tuner (tuner.ts): each one repeated in a compute pass,
// the candidates interleaved round after round so that a machine's drift reaches them all alike, and the median
// of the rounds kept. The device's own timestamps where it has the 'timestamp-query' feature; else the clock, from
// the submit to onSubmittedWorkDone.
import { BufferUsage, MapMode } from './flags';

/** Records one run of a candidate into a pass. */
export type Encode = (pass: GPUComputePassEncoder) => void;

/** Rounds of every candidate; the median counts. */
const ROUNDS = 7;
/** What the fastest candidate's sample lasts, about, ms: each sample repeats its candidate that many times. */
const SAMPLE_MS = 4;
const MAX_REPS = 1024;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)];

/**
 * The time of one run of each candidate, ms: the median over interleaved rounds, each round starting one
 * candidate further on. Every sample repeats its candidate as many times as make the fastest last SAMPLE_MS, found
 * by samples four times longer each until the fastest registers (a device's timestamps may tick at 65 µs).
 */
export async function timeEach(device: GPUDevice, candidates: Encode[]): Promise<number[]> {
  const sample = device.features.has('timestamp-query') ? await timestamps(device, candidates.length) : await clock(device);
  try {
    await sample(candidates, 1); // the pipelines' first use
    let reps = 1;
    for (;;) {
      const fastest = Math.min(...(await sample(candidates, reps)));
      if (fastest >= SAMPLE_MS / 4 || reps === MAX_REPS) {
        reps = Math.min(MAX_REPS, Math.max(1, Math.ceil((reps * SAMPLE_MS) / Math.max(fastest, 1e-3))));
        break;
      }
      reps = Math.min(MAX_REPS, reps * 4);
    }
    const rounds: number[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const order = candidates.map((_, i) => (i + r) % candidates.length);
      const times = await sample(order.map((c) => candidates[c]), reps);
      rounds.push(order.map((_, c) => times[order.indexOf(c)]));
    }
    return candidates.map((_, c) => median(rounds.map((round) => round[c])) / reps);
  } finally {
    sample.destroy?.();
  }
}

/** One sample of each candidate, `reps` runs in a pass of its own: ms per pass. */
type Sampler = ((candidates: Encode[], reps: number) => Promise<number[]>) & { destroy?(): void };

function encodePass(encoder: GPUCommandEncoder, encode: Encode, reps: number, timestampWrites?: GPUComputePassTimestampWrites): void {
  const pass = encoder.beginComputePass(timestampWrites ? { timestampWrites } : undefined);
  for (let r = 0; r < reps; r++) encode(pass);
  pass.end();
}

/**
 * Each candidate's pass submitted alone and timed from the submit until the queue is done, less the time an empty
 * submit takes so (the median of five): what is left is the device's.
 */
async function clock(device: GPUDevice): Promise<Sampler> {
  const submit = async (encode?: Encode, reps = 0) => {
    const encoder = device.createCommandEncoder({ label: 'tuning' });
    if (encode) encodePass(encoder, encode, reps);
    const start = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - start;
  };
  const empty: number[] = [];
  for (let i = 0; i < 5; i++) empty.push(await submit());
  const overhead = median(empty);
  return async (candidates, reps) => {
    const times: number[] = [];
    for (const encode of candidates) times.push(Math.max(0, (await submit(encode, reps)) - overhead));
    return times;
  };
}

/**
 * Every candidate's pass in one command buffer, each between two timestamps of the device's, after an untimed pass
 * of the first: on SwiftShader the first pass of a command buffer takes longer.
 */
async function timestamps(device: GPUDevice, count: number): Promise<Sampler> {
  const querySet = device.createQuerySet({ label: 'tuning', type: 'timestamp', count: 2 * count });
  const resolved = device.createBuffer({ label: 'tuning', size: 16 * count, usage: BufferUsage.QUERY_RESOLVE | BufferUsage.COPY_SRC });
  const read = device.createBuffer({ label: 'tuning', size: 16 * count, usage: BufferUsage.MAP_READ | BufferUsage.COPY_DST });
  const sampler: Sampler = async (candidates, reps) => {
    const encoder = device.createCommandEncoder({ label: 'tuning' });
    encodePass(encoder, candidates[0], 1);
    candidates.forEach((encode, c) => encodePass(encoder, encode, reps, { querySet, beginningOfPassWriteIndex: 2 * c, endOfPassWriteIndex: 2 * c + 1 }));
    encoder.resolveQuerySet(querySet, 0, 2 * count, resolved, 0);
    encoder.copyBufferToBuffer(resolved, 0, read, 0, 16 * count);
    device.queue.submit([encoder.finish()]);
    await read.mapAsync(MapMode.READ);
    const ticks = new BigUint64Array(read.getMappedRange().slice(0));
    read.unmap();
    // Timestamps may go backwards across passes on some adapters: a negative time counts as none.
    return candidates.map((_, c) => Math.max(0, Number(ticks[2 * c + 1] - ticks[2 * c])) / 1e6);
  };
  sampler.destroy = () => {
    querySet.destroy();
    resolved.destroy();
    read.destroy();
  };
  return sampler;
}
