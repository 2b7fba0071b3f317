// The Dense layer's kernels, each checked alone against the CPU reference's product (run by the GPU suites through
// test/checks/gpu-checks.ts): forward, backprop and update over shapes from one element to the lesson's first layer
// at full batch, each with every block height and width the kernels write out; and their variants staged in
// workgroup memory, at shapes that are no multiple of a workgroup's results, with every workgroup side they take.
import { type ElementwiseName, elementwise } from '../../activations/activations';
import { matmul } from '../../reference/matmul';
import { activationOp, outputEpilogue, priorEpilogue, updateEpilogue } from '../../runtime/epilogues';
import { type Blocking, matmulWorkgroups } from '../../runtime/kernels';
import { padded } from '../../runtime/layout';
import { sgd } from '../../optimizers/sgd';
import type { Check } from '../../../test/checks/check';
import { padRows, read, unpadRows, withHarness } from '../../../test/checks/kernel-harness';
import { maxRelativeError, randomMatrix } from '../../../test/support/data';
import backpropSource from './backprop.wgsl?raw';
import backpropShared from './backprop-shared.wgsl?raw';
import forwardSource from './forward.wgsl?raw';
import forwardShared from './forward-shared.wgsl?raw';
import { noPenalty } from './penalty';
import updateSource from './update.wgsl?raw';
import updateShared from './update-shared.wgsl?raw';

const shapes: [rows: number, inner: number, cols: number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 400, 25],
  [1000, 400, 25],
];

/**
 * Blocks of 1 × 1 tiles in a GPU's wide workgroups, and in a CPU's four-invocation ones blocks of 2 × 4 tiles, 8 × 7
 * (the lesson's first layer at full batch) and 3 × 8: every tile row and column the kernels write out (up to 8), each
 * kernel checked with each.
 */
export const denseBlockings: Blocking[] = [
  { tileRows: 1, tileCols: 1, group: [7, 4] },
  { tileRows: 2, tileCols: 4, group: [2, 2] },
  { tileRows: 8, tileCols: 7, group: [1, 4] },
  { tileRows: 3, tileCols: 8, group: [2, 2] },
];
/**
 * Blocks staged in workgroup memory: 2 × 2 tiles in a GPU's 8 × 8 workgroups (two invocations of each row and
 * column load a stage), and 1 × 1 and 2 × 1 tiles in 2 × 2 workgroups (each loads), over shapes that leave workgroups
 * and the last stage part empty. Training on a device described as a GPU stages 1 × 1 tiles in 8 × 8 workgroups
 * (test/checks/gpu-checks.ts).
 */
const stagedCases: [[rows: number, inner: number, cols: number], Blocking][] = [
  [[1, 1, 1], { tileRows: 1, tileCols: 1, group: [2, 2], workgroupMemory: true }],
  [[7, 13, 5], { tileRows: 2, tileCols: 1, group: [2, 2], workgroupMemory: true }],
  [[33, 400, 25], { tileRows: 2, tileCols: 2, group: [8, 8], workgroupMemory: true }],
];
const blockName = ({ tileRows, tileCols, group, workgroupMemory }: Blocking) =>
  `${4 * tileRows} × ${4 * tileCols} blocks${workgroupMemory ? `, staged in ${group.join(' × ')} workgroups` : ''}`;
const cases = [...shapes.flatMap((shape) => denseBlockings.map((blocks): (typeof stagedCases)[number] => [shape, blocks])), ...stagedCases];

function reversed(rows: number): Uint32Array {
  return Uint32Array.from({ length: rows }, (_, i) => rows - 1 - i);
}

const ops = (...names: ElementwiseName[]) => names.flatMap((name) => activationOp(name) ?? []);
const g = (name: ElementwiseName) => elementwise[name];

export const denseChecks: Check[] = cases.flatMap(([[m, k, n], blocks]): Check[] => [
  {
    // A·B: a[rows × inputs] · W[inputs × units] + b, then g; layer 0 gathers its rows through the order.
    name: `forward (A·B + bias, sigmoid) ${m}×${k} · ${k}×${n}, rows gathered in reverse, ${blockName(blocks)}`,
    run: (device) => withHarness(device, async (h) => {
      const x = randomMatrix(m, k, 1).data;
      const w = randomMatrix(k + 1, n, 2, -0.2, 0.2).data;
      const out = h.output(m * n);
      await h.run({ name: 'forward', sources: [forwardSource], entry: 'forward', workgroupMemory: { source: forwardShared, entry: 'forward_shared' }, constants: { INPUTS: k, UNITS: n, GATHER: 1 },
        bindings: [read(h.input(padRows(x, m, k))), read(h.input(padRows(w, k + 1, n)))], epilogues: [outputEpilogue(ops('sigmoid'), { buffer: out, width: n, padded: false }, h.members)], blocking: blocks },
        matmulWorkgroups(m, n, blocks), { rowStart: 0, rows: m, order: reversed(m) });
      const xr = new Float32Array(m * k);
      for (let r = 0; r < m; r++) xr.set(x.subarray((m - 1 - r) * k, (m - r) * k), r * k);
      const z = matmul(xr, w, m, k, n);
      const expected = z.map((v, i) => g('sigmoid').value(v + w[k * n + (i % n)]));
      return { maxError: maxRelativeError(await h.read(out, m * n), expected), tolerance: 1e-5 };
    }),
  },
  {
    // A·Bᵀ: dz[rows × units] · W[inputs × units]ᵀ ⊙ g'(a_prev).
    name: `backprop (A·Bᵀ ⊙ relu') ${m}×${k} · (${n}×${k})ᵀ, ${blockName(blocks)}`,
    run: (device) => withHarness(device, async (h) => {
      const deltas = randomMatrix(m, k, 3).data;
      const w = randomMatrix(n + 1, k, 4).data;
      const previous = randomMatrix(m, n, 5, -1, 1).data.map((v) => g('relu').value(v));
      const out = h.output(m * padded(n));
      await h.run({ name: 'backprop', sources: [backpropSource], entry: 'backprop', workgroupMemory: { source: backpropShared, entry: 'backprop_shared' }, constants: { INPUTS: n, UNITS: k },
        bindings: [read(h.input(padRows(deltas, m, k))), read(h.input(padRows(w, n + 1, k)))], epilogues: [priorEpilogue(ops('relu'), h.input(padRows(previous, m, n)), n, out, h.members)], blocking: blocks },
        matmulWorkgroups(m, n, blocks), { rowStart: 0, rows: m });
      const expected = matmul(deltas, w.subarray(0, n * k), m, k, n, { transposeB: true }).map((v, i) => v * g('relu').derivative(previous[i]));
      return { maxError: maxRelativeError(unpadRows(await h.read(out), m, n), expected), tolerance: 1e-5 };
    }),
  },
  {
    // Aᵀ·B: W ← W − α·[a | 1]ᵀ · dz, the last row being the bias.
    name: `update (Aᵀ·B, bias row, SGD) (${k}×${m})ᵀ · ${k}×${n}, ${blockName(blocks)}`,
    run: (device) => withHarness(device, async (h) => {
      const input = randomMatrix(k, m, 6).data;
      const deltas = randomMatrix(k, n, 7).data;
      const w = randomMatrix(m + 1, n, 8).data;
      const lr = 0.25;
      const weights = h.input(padRows(w, m + 1, n));
      await h.run({ name: 'update', sources: [updateSource], entry: 'gradient', workgroupMemory: { source: updateShared, entry: 'gradient_shared' }, constants: { INPUTS: m, UNITS: n, GATHER: 0 },
        bindings: [read(h.input(padRows(input, k, m))), read(h.input(padRows(deltas, k, n)))], epilogues: [noPenalty, updateEpilogue(sgd, sgd.parse({ learningRate: lr }), weights, undefined, h.members, h.constants)], blocking: blocks },
        matmulWorkgroups(m + 1, n, blocks), { rowStart: 0, rows: k, schedule: [[0, lr]] });
      const updated = unpadRows(await h.read(weights), m + 1, n);
      const gradient = matmul(input, deltas, m, k, n, { transposeA: true });
      const expected = w.map((v, i) => {
        if (i < m * n) return v - lr * gradient[i];
        let sum = 0;
        for (let r = 0; r < k; r++) sum += deltas[r * n + (i - m * n)];
        return v - lr * sum;
      });
      return { maxError: maxRelativeError(updated, expected), tolerance: 1e-5 };
    }),
  },
]);

