// The tuner's logic without a GPU: which candidates it times, which it keeps, what it remembers per device and
// product, and its table, which a later compile takes back and which is checked before anything uses it.
import { describe, expect, it } from 'vitest';
import { Dense, Sequential } from '../src/index';
import { type Blocking, GPU_OCCUPANCY, blocking, cpuOccupancy, matmulWorkgroups } from '../src/runtime/kernels';
import type { KernelRequest, Product } from '../src/runtime/layer-context';
import { MARGIN, type Trials, Tuner, candidates, fastest } from '../src/runtime/tuner';
import { type TuningTable, parseTuning } from '../src/runtime/tuning-table';
import { rejection } from './support/rejection';

const gpuDevice = () => ({ adapterInfo: { vendor: 'nvidia', architecture: 'hopper' } }) as unknown as GPUDevice;
const same = (a: Blocking, b: Blocking) => JSON.stringify({ ...a, workgroupMemory: !!a.workgroupMemory }) === JSON.stringify({ ...b, workgroupMemory: !!b.workgroupMemory });

/**
 * A layer's scheduling as the plan would run it on trial: one request per product of `shapes` ([rows, cols, inner]),
 * timed by `timeOf(blocking, product)`; `timed` records every request timed.
 */
function layerTrials(shapes: [number, number, number][], timeOf: (b: Blocking, product: number) => number, timed: Blocking[] = []): Trials {
  const product = (b: Blocking, cols: number): Product => ({ blocking: b, groups: (rows) => matmulWorkgroups(rows, cols, b), text: '' });
  return {
    run(forced) {
      const products = shapes.map(([rows, cols, inner], call) => ({ rows, cols, inner, copies: 1, product: product(forced(call) ?? blocking(rows, cols, GPU_OCCUPANCY, inner), cols) }));
      const requests: KernelRequest[] = products.map(({ product: p, cols }, call) => ({
        name: `product${call}`,
        sources: [],
        entry: 'main',
        workgroupMemory: { source: '', entry: 'main_shared' },
        constants: { COLS: cols },
        bindings: [],
        product: p,
        workgroups: p.groups,
        text: '',
      }));
      return { requests, products };
    },
    async time(requests) {
      timed.push(...requests.map((r) => r.product!.blocking));
      return requests.map((r) => timeOf(r.product!.blocking, Number(r.name.slice('product'.length))));
    },
  };
}

const staged2: Blocking = { tileRows: 2, tileCols: 2, group: [8, 8], workgroupMemory: true };
const shapes: [number, number, number][] = [[128, 512, 784], [785, 512, 128]];

describe('the tuner', () => {
  it('times, on a GPU, 4 × 4 and 8 × 8 blocks in registers and 1 × 1 and 2 × 2 tiles staged in 8 × 8 workgroups, the heuristic first', () => {
    const options = candidates(128, 512, 784, GPU_OCCUPANCY);
    expect(options[0]).toEqual(blocking(128, 512, GPU_OCCUPANCY, 784));
    expect(options.map((b) => `${b.tileRows}×${b.tileCols}${b.workgroupMemory ? ` staged in ${b.group.join('×')}` : ''}`).sort()).toEqual(['1×1', '1×1 staged in 8×8', '2×2', '2×2 staged in 8×8']);
  });

  it('times, on a CPU adapter, the two registers-only blocks its model ranks first, the heuristic first', () => {
    const cpu = cpuOccupancy(2);
    for (const [rows, cols, inner] of [[32, 25, 400], [1000, 25, 400], [401, 25, 32], [7, 13, 5]]) {
      const options = candidates(rows, cols, inner, cpu);
      expect(options[0]).toEqual(blocking(rows, cols, cpu, inner));
      expect(options).toHaveLength(2);
      expect(same(options[0], options[1])).toBe(false);
      expect(options.some((b) => b.workgroupMemory)).toBe(false);
    }
  });

  it(`keeps the fastest candidate, or the heuristic's where it is within ${MARGIN * 100}% of the fastest`, () => {
    const options: Blocking[] = candidates(128, 512, 784, GPU_OCCUPANCY);
    expect(fastest(options, [1, 0.9, 0.5, 0.7])).toBe(options[2]);
    expect(fastest(options, [1, 0.97, 0.99, 1.2])).toBe(options[0]);
    expect(fastest(options, [1, 0.94, 0.99, 1.2])).toBe(options[1]);
  });

  it("chooses each product's block from its own timings, in the order the layer asks for them", async () => {
    // Product 0 runs fastest staged with 2 × 2 tiles; product 1 as fast in every kernel.
    const timed: Blocking[] = [];
    const trials = layerTrials(shapes, (b, product) => (product === 0 && same(b, staged2) ? 0.5 : 1), timed);
    const chosen = await new Tuner('nvidia hopper', 'auto').choose(gpuDevice(), trials);
    expect(chosen[0]).toEqual(staged2);
    expect(chosen[1]).toEqual(blocking(785, 512, GPU_OCCUPANCY, 128));
    expect(timed).toHaveLength(candidates(128, 512, 784, GPU_OCCUPANCY).length + candidates(785, 512, 128, GPU_OCCUPANCY).length);
  });

  it('times a product once per device: another model of the same shape on the same device times nothing, on another device all again, and another shape anew', async () => {
    const timed: Blocking[] = [];
    const device = gpuDevice();
    await new Tuner('nvidia hopper', 'auto').choose(device, layerTrials(shapes, () => 1, timed));
    const once = timed.length;
    expect(once).toBeGreaterThan(0);
    const again = await new Tuner('nvidia hopper', 'auto').choose(device, layerTrials(shapes, () => 1, timed));
    expect(timed.length).toBe(once);
    expect(again).toHaveLength(2);
    await new Tuner('nvidia hopper', 'auto').choose(gpuDevice(), layerTrials(shapes, () => 1, timed));
    expect(timed.length).toBe(2 * once);
    await new Tuner('nvidia hopper', 'auto').choose(device, layerTrials([[256, 512, 784]], () => 1, timed));
    expect(timed.length).toBeGreaterThan(2 * once);
  });

  it('gives back its choices as a JSON table that a model on a fresh device takes without timing anything', async () => {
    const first = new Tuner('nvidia hopper', 'auto');
    const chosen = await first.choose(gpuDevice(), layerTrials(shapes, (b, product) => (product === 1 && b.tileRows === 1 && !b.workgroupMemory ? 0.3 : 1)));
    const table = first.table();
    expect(Object.keys(table.kernels)).toHaveLength(2);
    const saved = parseTuning('compile({ tuning })', JSON.parse(JSON.stringify(table))) as TuningTable;
    expect(saved).toEqual(table);

    const timed: Blocking[] = [];
    const second = new Tuner('nvidia hopper', saved);
    expect(await second.choose(gpuDevice(), layerTrials(shapes, () => 1, timed))).toEqual(chosen);
    expect(timed).toHaveLength(0);
    expect(second.table()).toEqual(table);
  });

  it("times again where the table was made on another adapter, and keeps a table's kernels for products it has not planned", async () => {
    const table: TuningTable = { format: 'webgpu-nn-tuning', adapter: 'apple metal-3', kernels: {} };
    const tuner = new Tuner('apple metal-3', 'auto');
    await tuner.choose(gpuDevice(), layerTrials(shapes, () => 1));
    Object.assign(table, { kernels: { ...tuner.table().kernels, 'forward(INPUTS=1,UNITS=1,GATHER=0) 1×1': staged2 } });
    const timed: Blocking[] = [];
    const elsewhere = new Tuner('nvidia hopper', table);
    await elsewhere.choose(gpuDevice(), layerTrials(shapes, () => 1, timed));
    expect(timed.length).toBeGreaterThan(0);
    expect(elsewhere.table().kernels['forward(INPUTS=1,UNITS=1,GATHER=0) 1×1']).toBeUndefined();
    const here = new Tuner('apple metal-3', table);
    expect(here.table().kernels['forward(INPUTS=1,UNITS=1,GATHER=0) 1×1']).toEqual(staged2);
  });
});

describe('a tuning table', () => {
  const good = (kernels: Record<string, unknown>) => ({ format: 'webgpu-nn-tuning', adapter: 'nvidia hopper', kernels });
  const bad: [unknown, string][] = [
    ['fast', "compile({ tuning }): expected 'auto' or a table from model.getTuning()"],
    [[], 'compile({ tuning }): expected'],
    [{ adapter: 'nvidia hopper', kernels: {} }, "compile({ tuning }).format: expected 'webgpu-nn-tuning', got undefined"],
    [{ format: 'webgpu-nn-tuning', kernels: {} }, 'compile({ tuning }).adapter: expected a string'],
    [{ format: 'webgpu-nn-tuning', adapter: 'nvidia hopper', kernels: [] }, 'compile({ tuning }).kernels: expected an object'],
    [good({ p: { tileRows: 9, tileCols: 1, group: [4, 4] } }), 'compile({ tuning }).kernels["p"].tileRows: expected an integer from 1 to 8, got 9'],
    [good({ p: { tileRows: 1, tileCols: 0.5, group: [4, 4] } }), 'compile({ tuning }).kernels["p"].tileCols: expected an integer from 1 to 8, got 0.5'],
    [good({ p: { tileRows: 1, tileCols: 1, group: [32, 16] } }), 'compile({ tuning }).kernels["p"].group: expected [x, y]: two integers of at most 256 invocations together'],
    [good({ p: { tileRows: 1, tileCols: 1, group: [4] } }), 'compile({ tuning }).kernels["p"].group'],
    [good({ p: { tileRows: 1, tileCols: 1, group: [4, 4], workgroupMemory: 'yes' } }), 'compile({ tuning }).kernels["p"].workgroupMemory: expected a boolean'],
    [good({ p: { tileRows: 1, tileCols: 1, group: [8, 4], workgroupMemory: true } }), 'compile({ tuning }).kernels["p"].group: expected a square workgroup of side 2, 4 or 8'],
    [good({ p: { tileRows: 1, tileCols: 1, group: [4, 4], code: 'fn main() {}' } }), 'compile({ tuning }).kernels["p"]: expected only tileRows, tileCols, group and workgroupMemory'],
  ];

  it('rejects every malformed table with a WebGPUNNError naming the argument, what it expected and what came', async () => {
    for (const [value, message] of bad) await rejection(() => parseTuning('compile({ tuning })', value), [message], 'INVALID_ARGUMENT');
  });

  it('takes a valid table as a copy, so that changing the original later changes nothing', () => {
    const table = good({ p: { tileRows: 2, tileCols: 2, group: [8, 8], workgroupMemory: true }, q: { tileRows: 8, tileCols: 7, group: [1, 4], workgroupMemory: false } });
    const parsed = parseTuning('compile({ tuning })', table) as TuningTable;
    (table.kernels.p as Blocking).tileRows = 5;
    expect(parsed.kernels).toEqual({ p: { tileRows: 2, tileCols: 2, group: [8, 8], workgroupMemory: true }, q: { tileRows: 8, tileCols: 7, group: [1, 4] } });
  });

  it('is checked by compile before the model changes: a rejected compile leaves it uncompiled', async () => {
    const model = new Sequential([new Dense({ units: 1, inputDim: 2 })]);
    await expect(model.compile({ loss: 'meanSquaredError', backend: 'cpu', tuning: good({ p: { tileRows: 0, tileCols: 1, group: [4, 4] } }) as unknown as TuningTable })).rejects.toThrow(
      'compile({ tuning }).kernels["p"].tileRows: expected an integer from 1 to 8, got 0',
    );
    await expect(model.fit([[1, 2]], [[1]])).rejects.toMatchObject({ code: 'NOT_COMPILED' });
    await model.compile({ loss: 'meanSquaredError', backend: 'cpu', tuning: 'auto' });
    expect(model.getTuning()).toBeUndefined();
  });
});
