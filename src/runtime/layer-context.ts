// What the plan gives a layer kind's GPU part (layers/*/gpu.ts) to schedule its dispatches with.
import type { LayerSpecBase } from '../layers/layer';
import type { Binding, Epilogue } from './epilogues';
import type { Blocking } from './kernels';
import type { Members, RunConstants } from './members';

/** A matmul kernel's block for a [rows × cols] result, chosen for the device, and its grid. */
export interface Product {
  blocking: Blocking;
  groups(rows: number): [number, number];
  /** For people: '8 × 16 blocks, 2 × 2 invocations per workgroup'. */
  text: string;
}

/** One dispatch of a training step, as a layer asks for it. */
export interface KernelRequest {
  /** Its name in the step's listing and in errors: 'forward', 'backprop'; the epilogue's name is appended. */
  name: string;
  /** The kernel's WGSL files, after step.wgsl (bindings 0 and 1). */
  sources: string[];
  entry: string;
  /** Pipeline override constants. */
  constants: Record<string, number>;
  /** Its own bindings, numbered from 2. */
  bindings: Binding[];
  /** The epilogues appended to its sources, in order; their bindings follow its own. */
  epilogues?: Epilogue[];
  /** For a matmul kernel: its block, whose size is written before the sources (with matmul.wgsl). */
  product?: Product;
  /**
   * For a matmul kernel: its variant that stages the operands in workgroup memory, appended to `sources` (with
   * matmul-shared.wgsl) and entered at `entry` where the product's block asks for it (`Blocking.workgroupMemory`).
   */
  workgroupMemory?: { source: string; entry: string };
  /** Workgroups for a step of `rows` rows. */
  workgroups(rows: number): [number, number];
  /** For people: what it computes, with shapes. */
  text: string;
}

/** A block's input: the dataset (layer 0) or the previous block's output, rows padded to vec4s. */
export interface LayerInput {
  resource: GPUBuffer | GPUBufferBinding;
  /** Whether its rows are the dataset's, read through the epoch order, or the step's own, 0 .. rows − 1. */
  throughOrder: boolean;
}

export interface LayerContext<S extends LayerSpecBase> {
  spec: S;
  /** The layer's place in the network, for the listing. */
  index: number;
  /** Rows per step. */
  capacity: number;
  parameters: GPUBuffer;
  input: LayerInput;
  /** The members trained side by side: each kernel's strides (`members.stride(buffer)`) for its per-member buffers. */
  members: Members;
  /** The run's constants: the layer's hyperparameters, read as data. */
  constants: RunConstants;
  /** The block of a product with a [rows × cols] result and `inner` terms per result (for each member). */
  product(rows: number, cols: number, inner: number): Product;
  dispatch(request: KernelRequest): void;
}

export interface ForwardContext<S extends LayerSpecBase> extends LayerContext<S> {
  /** What to do with each vec4 of the layer's output: `fn emit(row: u32, col: u32, z: vec4f)`. */
  emit: Epilogue;
  training: boolean;
}

export interface BackwardContext<S extends LayerSpecBase> extends LayerContext<S> {
  /**
   * A buffer of `perStep` floats a step for the penalties of the layer's weights (regularizers.ts), each value the
   * penalty of some of them times the step's rows: the plan sums a pass's values into the loss.
   */
  penalty(perStep: number): GPUBuffer;
  /** dJ/d(the layer's output), [capacity × units] with rows padded to vec4s. */
  deltas: GPUBuffer;
  /** Where dJ/d(the layer's input) goes, `fn emit(row: u32, col: u32, d: vec4f)`; none for the first layer. */
  prior?: Epilogue;
  /** What to do with each vec4 of a gradient of the parameters: `fn update(index: u32, g: vec4f)`. */
  update: Epilogue;
}
