// How kernels are compiled and shaped for a device: a per-device cache of compiled pipelines, and the blocks
// (`blocking`) that the matmul kernels split a product into. The kernels' sources are data, assembled by the plan
// (plan.ts) from each layer kind's WGSL files and the epilogues it generates.
import { WebGPUNNError } from '../errors';
import type { BindingKind } from './epilogues';
import { ShaderStage } from './flags';

/** A kernel ready to compile: its whole source, entry point, bindings in order, and override constants. */
export interface KernelSource {
  label: string;
  code: string;
  entry: string;
  /** 'step': the step table's uniform, bound at a dynamic offset; 'read'/'write': storage. */
  bindings: ('step' | BindingKind)[];
  constants: Record<string, number>;
}

/**
 * What a device runs well, which decides how the matmul kernels split a product (`blocking`). A GPU runs thousands
 * of invocations at once, in workgroups of up to 64. A CPU adapter (SwiftShader, llvmpipe, WARP) runs four
 * invocations as one SIMD thread per core and loads operands lane by lane, so there larger blocks pay as long as
 * every core still has a group of four, and workgroups are one group.
 */
export interface Occupancy {
  /** Invocations the device runs at once: a product that dispatches more runs in waves. */
  invocations: number;
  /** Invocations per workgroup. */
  groupSize: 4 | 64;
  /** The largest block, in 4 × 4 tiles on a side. */
  maxTiles: number;
}

export const GPU_OCCUPANCY: Occupancy = { invocations: 4096, groupSize: 64, maxTiles: 2 };

/** A CPU adapter with `cores` cores: one four-invocation group per core. */
export function cpuOccupancy(cores: number): Occupancy {
  return { invocations: 4 * Math.max(2, cores), groupSize: 4, maxTiles: 8 };
}

/** The device's occupancy, from its adapter: a fallback or a known software adapter is a CPU with this host's cores. */
export function occupancy(device: GPUDevice): Occupancy {
  const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo & { isFallbackAdapter?: boolean } }).adapterInfo;
  const names = [info?.vendor, info?.architecture, info?.device, info?.description].join(' ');
  if (!info?.isFallbackAdapter && !/swiftshader|llvmpipe|lavapipe|warp|software/i.test(names)) return GPU_OCCUPANCY;
  return cpuOccupancy(hostCores());
}

/** This host's logical cores: the browser's (or Node 21+'s) `navigator`, else Node's `os` module, else 4. */
function hostCores(): number {
  const host = globalThis as { navigator?: { hardwareConcurrency?: number }; process?: { getBuiltinModule?: (id: string) => unknown } };
  const os = host.process?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined;
  return host.navigator?.hardwareConcurrency ?? os?.availableParallelism?.() ?? 4;
}

/**
 * How a matmul kernel covers a [rows × cols] result (matmul.wgsl): each invocation a block of `tileRows` ×
 * `tileCols` 4 × 4 tiles, workgroups of `group` invocations across and down.
 */
export interface Blocking {
  tileRows: number;
  tileCols: number;
  group: [number, number];
  /**
   * Whether the kernel stages its operands in workgroup memory (matmul-shared.wgsl): GPU-class adapters, for
   * products large enough. Its workgroup is then square, `group[0]` a side of 2, 4 or 8.
   */
  workgroupMemory?: boolean;
}

const ceil = (a: number, b: number) => Math.ceil(a / b);

/** The workgroup for blocks `across` wide: a CPU's group of four, 2 × 2 or a column; a GPU's 4 rows of up to 16. */
function workgroup(across: number, occupancy: Occupancy): [number, number] {
  if (occupancy.groupSize === 4) return across >= 2 ? [2, 2] : [1, 4];
  return [Math.min(across, 16), 4];
}

/**
 * The registers-only blocks for a [rows × cols] result, soonest finished first: a block of R × C tiles loads R + C
 * tiles per pass, and the device runs the dispatched invocations (whole workgroups, blocks past the edge included,
 * for each of `copies` members of a group) in waves of `occupancy.invocations`, so the time goes as waves × (R + C).
 * Of equal times, the block that loads the fewest tiles over the whole product comes first.
 */
export function registerBlockings(rows: number, cols: number, occupancy: Occupancy, copies = 1): Blocking[] {
  const sides = Array.from({ length: occupancy.maxTiles }, (_, i) => i + 1);
  const blocks = sides.flatMap((tileRows) => sides.map((tileCols) => {
    const [across, down] = [ceil(cols, 4 * tileCols), ceil(rows, 4 * tileRows)];
    const group = workgroup(across, occupancy);
    const dispatched = ceil(across, group[0]) * ceil(down, group[1]) * group[0] * group[1] * copies;
    const loads = tileRows + tileCols;
    return { tileRows, tileCols, group, time: ceil(dispatched, occupancy.invocations) * loads, total: across * down * loads };
  }));
  // A stable sort: of equal blocks, the first (fewest tile rows, then columns) leads.
  blocks.sort((a, b) => a.time - b.time || a.total - b.total);
  return blocks.map(({ tileRows, tileCols, group }) => ({ tileRows, tileCols, group }));
}

/** The side of a workgroup that stages its operands in workgroup memory on a GPU: 64 invocations, as a GPU's others. */
export const STAGED_GROUP = 8;

/**
 * The block of a [rows × cols] result with `inner` terms per result, computed for each of `copies` members of a
 * group. On a GPU-class adapter, a product with at least a 32 × 32 result and 32 terms (one stage of 8 passes)
 * stages its operands in workgroup memory, in 8 × 8 workgroups: 2 × 2 tiles per invocation (a workgroup's 64 × 64
 * results) where the members' workgroups still fill one wave of the device, else 1 × 1. Otherwise the
 * registers-only block that finishes soonest (`registerBlockings`).
 */
export function blocking(rows: number, cols: number, occupancy: Occupancy, inner: number, copies = 1): Blocking {
  if (occupancy.groupSize === 64 && rows >= 32 && cols >= 32 && inner >= 32) {
    const wide = ceil(rows, 64) * ceil(cols, 64) * STAGED_GROUP ** 2 * copies >= occupancy.invocations;
    const tiles = wide ? 2 : 1;
    return { tileRows: tiles, tileCols: tiles, group: [STAGED_GROUP, STAGED_GROUP], workgroupMemory: true };
  }
  return registerBlockings(rows, cols, occupancy, copies)[0];
}

/** Workgroups of a matmul kernel for a [rows × cols] result. */
export function matmulWorkgroups(rows: number, cols: number, { tileRows, tileCols, group }: Blocking): [number, number] {
  return [ceil(ceil(cols, 4 * tileCols), group[0]), ceil(ceil(rows, 4 * tileRows), group[1])];
}

interface Compiled {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<Compiled>>>();

/** The pipeline of a kernel, compiled once per device: models of the same shape share it. */
export function compile(device: GPUDevice, kernel: KernelSource): Promise<Compiled> {
  let pipelines = cache.get(device);
  if (!pipelines) cache.set(device, (pipelines = new Map()));
  const key = `${kernel.label} ${kernel.entry} ${kernel.bindings.join()} ${JSON.stringify(kernel.constants)}\n${kernel.code}`;
  let compiled = pipelines.get(key);
  if (!compiled) {
    compiled = build(device, kernel);
    compiled.catch(() => pipelines.delete(key));
    pipelines.set(key, compiled);
  }
  return compiled;
}

async function build(device: GPUDevice, kernel: KernelSource): Promise<Compiled> {
  const module = device.createShaderModule({ label: kernel.label, code: kernel.code });
  const layout = device.createBindGroupLayout({
    label: kernel.label,
    entries: kernel.bindings.map((kind, binding) => ({
      binding,
      visibility: ShaderStage.COMPUTE,
      buffer: kind === 'step' ? { type: 'uniform', hasDynamicOffset: true } : { type: kind === 'read' ? 'read-only-storage' : 'storage' },
    })),
  });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: kernel.label,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: kernel.entry, constants: kernel.constants },
    });
    return { pipeline, layout };
  } catch (error) {
    const info = await module.getCompilationInfo();
    const messages = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    throw new WebGPUNNError('GPU_ERROR', `kernel '${kernel.label}' failed to compile: ${messages.join('; ') || (error as Error).message}`);
  }
}
