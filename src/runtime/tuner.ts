// The tuner of `compile({ tuning: 'auto' })`: for each matmul product of a plan, a few candidate kernels (the
// registers-only blocks that `blocking`'s model ranks first and, on GPUs, blocks staged in workgroup memory) timed
// against each other on the device, the fastest kept. Choices are kept per device and product, so a product is timed once
// per device however many plans and models use it, and a model's choices can be read back as a table
// (tuning-table.ts) and given to a later compile, which then times nothing it finds there. A group's product, one
// dispatch for all its members, is a product of its own (its kernel's constants name how many).
//
// The tuner times the very kernels the plan would make: it runs the layer's scheduling again on trial (the plan's
// `Trials`), each time with one product forced to one candidate, and times the request that product went into, with
// its epilogue, on the plan's buffers (with a step table and words of its own), its writes going to scratch buffers
// (trials.ts). All of it happens while the plan is made, before any step runs; the chosen pipelines are the ones
// the plan then compiles (the cache has them).
import { type Blocking, type Occupancy, STAGED_GROUP, blocking, occupancy, registerBlockings } from './kernels';
import type { KernelRequest, Product } from './layer-context';
import { stepKernel } from './sources';
import { TUNING_FORMAT, type Tuning, type TuningTable } from './tuning-table';

/** A product a layer's scheduling asked for: its shape, the members it is computed for, and the Product it was given. */
export interface TrialProduct {
  rows: number;
  cols: number;
  inner: number;
  copies: number;
  product: Product;
}

/** What the plan lends the tuner: a layer's scheduling run on trial, and the timing of its requests. */
export interface Trials {
  /**
   * The layer's scheduling run again with nothing recorded: the requests it makes and the products it asks for, in
   * order, the product of call `call` given the block `forced(call)` where that returns one, else the heuristic's.
   */
  run(forced: (call: number) => Blocking | undefined): { requests: KernelRequest[]; products: TrialProduct[] };
  /** Each request's time on the device, ms, as it would run in a step: the median of interleaved rounds. */
  time(requests: KernelRequest[]): Promise<number[]>;
}

/**
 * How much faster than the heuristic's block a candidate must be to replace it: timing noise on a busy machine
 * must not trade a good kernel for one that was lucky once.
 */
export const MARGIN = 0.05;

/** The block of each product timed on a device, by product (`productKey`). */
const timed = new WeakMap<GPUDevice, Map<string, Blocking>>();

function timedOn(device: GPUDevice): Map<string, Blocking> {
  let products = timed.get(device);
  if (!products) timed.set(device, (products = new Map()));
  return products;
}

/** A product's name in the cache and in tables: its kernel (with its epilogues), constants and result shape. */
export function productKey(request: KernelRequest, rows: number, cols: number): string {
  const constants = Object.entries(request.constants).map(([name, value]) => `${name}=${value}`).join(',');
  return `${stepKernel(request).kernel.label}(${constants}) ${rows}×${cols}`;
}

const same = (a: Blocking, b: Blocking) =>
  a.tileRows === b.tileRows && a.tileCols === b.tileCols && a.group[0] === b.group[0] && a.group[1] === b.group[1] && !a.workgroupMemory === !b.workgroupMemory;

const staged = (tiles: number): Blocking => ({ tileRows: tiles, tileCols: tiles, group: [STAGED_GROUP, STAGED_GROUP], workgroupMemory: true });

/**
 * The kernels worth timing for a product computed for `copies` members, the heuristic's block first. A GPU: 4 × 4 and 8 × 8 blocks in registers,
 * and blocks of 1 × 1 and 2 × 2 tiles staged in 8 × 8 workgroups. A CPU adapter: the two registers-only blocks its
 * model ranks first (staged blocks ran 1.3–2× slower than those on SwiftShader, and every candidate there takes
 * from a tenth of a second to seconds to compile).
 */
export function candidates(rows: number, cols: number, inner: number, device: Occupancy, copies = 1): Blocking[] {
  const heuristic = blocking(rows, cols, device, inner, copies);
  const registers = registerBlockings(rows, cols, device, copies);
  const registersOf = (tiles: number) => registers.find((b) => b.tileRows === tiles && b.tileCols === tiles)!;
  const options = device.groupSize === 4 ? registers.slice(0, 2) : [registersOf(1), registersOf(2), staged(1), staged(2)];
  return [heuristic, ...options].filter((b, i, all) => all.findIndex((other) => same(other, b)) === i);
}

/** The candidate to keep: the fastest, unless the heuristic's (the first) is within MARGIN of it. */
export function fastest(options: Blocking[], times: number[]): Blocking {
  const best = times.indexOf(Math.min(...times));
  return times[0] <= times[best] * (1 + MARGIN) ? options[0] : options[best];
}

/** A model's tuning: where its kernels come from, and which it has used, for `getTuning()`. */
export class Tuner {
  /** The blocks this model's products use, by product: from its table, the device's timings, or its own. */
  private readonly chosen = new Map<string, Blocking>();
  /** The table's choices, where it was made on this adapter. */
  private readonly given: Map<string, Blocking>;

  constructor(
    readonly adapter: string,
    tuning: Tuning,
  ) {
    this.given = new Map(tuning !== 'auto' && tuning.adapter === adapter ? Object.entries(tuning.kernels) : []);
  }

  /**
   * The block of each product a layer's scheduling asks for, in order: the table's, or the one already timed on
   * this device, or the fastest of the candidates, timed now.
   */
  async choose(device: GPUDevice, trials: Trials): Promise<Blocking[]> {
    const heuristic = trials.run(() => undefined);
    const blocks: Blocking[] = [];
    for (const [call, { rows, cols, inner, copies, product }] of heuristic.products.entries()) {
      const request = heuristic.requests.find((r) => r.product === product);
      if (!request) {
        blocks.push(product.blocking);
        continue;
      }
      const key = productKey(request, rows, cols);
      let block = this.given.get(key) ?? timedOn(device).get(key);
      if (!block) {
        const options = candidates(rows, cols, inner, occupancy(device), copies).filter((b) => !b.workgroupMemory || request.workgroupMemory);
        const requests = options.map((option) => {
          const trial = trials.run((c) => (c === call ? option : undefined));
          return trial.requests.find((r) => r.product === trial.products[call].product)!;
        });
        block = fastest(options, await trials.time(requests));
        timedOn(device).set(key, block);
      }
      this.chosen.set(key, block);
      blocks.push(block);
    }
    return blocks;
  }

  /** The blocks of the products this model has planned, and those of its table: what `compile({ tuning })` takes back. */
  table(): TuningTable {
    const kernels = Object.fromEntries([...this.given, ...this.chosen].map(([key, b]) => [key, { ...b, group: [...b.group] as [number, number] }]));
    return { format: TUNING_FORMAT, adapter: this.adapter, kernels };
  }
}
