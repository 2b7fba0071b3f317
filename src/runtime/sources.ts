// Kernels as the device compiles them, assembled from their WGSL files and what the plan generates: a per-step
// kernel with its epilogues, the reduction of a pass's stats, and a curve metric's bins.
import curve from '../shaders/curve.wgsl?raw';
import matmul from '../shaders/matmul.wgsl?raw';
import matmulShared from '../shaders/matmul-shared.wgsl?raw';
import reduce from '../shaders/reduce.wgsl?raw';
import step from '../shaders/step.wgsl?raw';
import workgroupSum from '../shaders/workgroup-sum.wgsl?raw';
import type { Binding } from './epilogues';
import type { KernelSource } from './kernels';
import type { KernelRequest } from './layer-context';
import { f32, unroll } from './wgsl';

/**
 * A per-step kernel as the device compiles it: step.wgsl (bindings 0 and 1), for a matmul kernel its block size and
 * matmul.wgsl (and, where the block stages its operands in workgroup memory, matmul-shared.wgsl and the kernel's
 * staged variant, entered instead), the kernel's sources with their loops written out for the block, and the
 * epilogues, whose bindings follow the kernel's own.
 */
export function stepKernel(request: Omit<KernelRequest, 'workgroups' | 'text'>): { kernel: KernelSource; bindings: Binding[] } {
  const epilogues = request.epilogues ?? [];
  const tiles = request.product?.blocking;
  const sizes = { TILE_ROWS: tiles?.tileRows ?? 1, TILE_COLS: tiles?.tileCols ?? 1 };
  // A matmul kernel's block size (and a staged one's workgroup side) is written into its source as module
  // constants, since it sizes arrays.
  const staged = tiles?.workgroupMemory ? request.workgroupMemory : undefined;
  if (tiles?.workgroupMemory && !staged) throw new Error(`${request.name}: no variant in workgroup memory`);
  const header = tiles ? `const TILE_ROWS = ${sizes.TILE_ROWS}u;\nconst TILE_COLS = ${sizes.TILE_COLS}u;\n${staged ? `const GROUP = ${tiles.group[0]}u;\n` : ''}` : '';
  // Each epilogue's bindings are numbered after the kernel's own and those of the epilogues before it.
  let first = 2 + request.bindings.length;
  const code = epilogues.map((epilogue) => epilogue.code((first += epilogue.bindings.length) - epilogue.bindings.length));
  const sources = [step, ...(tiles ? [matmul] : []), ...(staged ? [matmulShared] : []), ...request.sources, ...(staged ? [staged.source] : []), ...code];
  const bindings = [...request.bindings, ...epilogues.flatMap((epilogue) => epilogue.bindings)];
  const kernel: KernelSource = {
    label: [request.name, ...epilogues.flatMap((epilogue) => epilogue.name ?? [])].join('_'),
    code: header + unroll(sources.join('\n'), sizes),
    entry: staged?.entry ?? request.entry,
    bindings: ['step', 'read', ...bindings.map((b) => b.kind)],
    constants: { ...request.constants, ...(tiles ? { GROUP_X: tiles.group[0], GROUP_Y: tiles.group[1] } : {}) },
  };
  return { kernel, bindings };
}

/** Where each member's values lie: its stats `scores` apart in the scores, its results `results` apart in the results. */
export interface MemberStrides {
  scores: number;
  results: number;
}

const single: MemberStrides = { scores: 0, results: 0 };

/**
 * The reduction of a pass's stats into `result` from index `first`: `ranges` says where each stat's values start,
 * how many there are, and what their sum is divided by (1 for a sum). One row of workgroups per member.
 */
export function reduceKernel(ranges: [offset: number, count: number, divisor: number][], first = 0, strides = single): KernelSource {
  const list = ranges.map(([offset, count, divisor]) => `vec3u(${offset}u, ${count}u, ${divisor}u)`).join(', ');
  return {
    label: 'reduce',
    code: `${reduce}\n${workgroupSum}\nconst RESULT = ${first}u;\nfn score_range(s: u32) -> vec3u {\n  var ranges = array<vec3u, ${ranges.length}>(${list});\n  return ranges[s];\n}\n`,
    entry: 'reduce',
    bindings: ['read', 'write'],
    constants: { SCORES_STRIDE: strides.scores, RESULT_STRIDE: strides.results },
  };
}

/** The bins of one curve metric into `result` from index `first` (curve.wgsl). One row of workgroups per member. */
export function curveKernel(thresholds: number[], stats: { offset: number }[], count: number, first: number, strides = single): KernelSource {
  const [predictions, positives, negatives] = stats.map((s) => s.offset);
  const list = thresholds.map((t) => f32(t)).join(', ');
  return {
    label: 'curve',
    code: `${curve}\n${workgroupSum}\nconst COUNT = ${count}u;\nconst PREDICTIONS = ${predictions}u;\nconst POSITIVES = ${positives}u;\nconst NEGATIVES = ${negatives}u;\nconst THRESHOLDS = ${thresholds.length}u;\nconst RESULT = ${first}u;\nconst CURVE = array<f32, ${thresholds.length}>(${list});\nfn threshold(k: u32) -> f32 { return CURVE[k]; }\n`,
    entry: 'bins',
    bindings: ['read', 'write'],
    constants: { SCORES_STRIDE: strides.scores, RESULT_STRIDE: strides.results },
  };
}
