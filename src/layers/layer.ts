// What a layer kind is, for the CPU reference and the WebGPU runtime: its weights in Keras order, its computation in
// plain TypeScript (the specification), and how the plan runs it on the GPU. Each kind is a folder of its own
// (layers/dense/ …): the user-facing class, this definition, its kernels and its model-file entry, side by side;
// registry.ts lists the definitions.
import type { ActivationName } from '../activations/activations';
import type { RegularizerSpec } from '../regularizers';
import type { PointwiseOp } from '../runtime/epilogues';
import type { BackwardContext, ForwardContext } from '../runtime/layer-context';

/** A layer as plain data: what crosses from the API to the backends. */
export interface LayerSpecBase {
  kind: string;
  name: string;
  /** The width of its input rows, and of its output rows. */
  inputs: number;
  units: number;
  /** The activation the layer ends with: the network applies it after the layer's own computation. */
  activation?: ActivationName;
}

/**
 * One of a layer's weights: its name in model files (after the layer's), its shape, whether the optimizer trains it,
 * and the penalty it adds to the loss, if any (regularizers.ts).
 */
export interface WeightShape {
  name: string;
  shape: number[];
  trainable: boolean;
  regularizer?: RegularizerSpec;
}

/** What a pass over the data is doing: training (dropout's masks, batch statistics) or inference. */
export interface Pass {
  training: boolean;
  /** Steps taken before this one, over the whole training: the counter of dropout's masks. */
  step: number;
}

/**
 * The layer's computation in the CPU reference, before its activation, on `m` rows of `input` ([m × inputs],
 * row-major), with its weights in Keras order.
 */
export interface ReferenceLayer<S extends LayerSpecBase> {
  /** The layer's output [m × units]; `cache` keeps what `backward` needs. Training-time state is updated here. */
  forward(spec: S, weights: Float32Array[], input: Float32Array, m: number, pass: Pass): { output: Float32Array; cache?: unknown };
  /** dJ/d(input) from dJ/d(output), and dJ/d(each weight) in Keras order (undefined for weights not trained). */
  backward(spec: S, weights: Float32Array[], input: Float32Array, cache: unknown, dOutput: Float32Array, m: number, pass: Pass): { dInput: Float32Array; gradients: (Float32Array | undefined)[] };
}

/**
 * A layer that computes its output with kernels of its own: it owns a parameter buffer on the device and schedules
 * its forward and backward dispatches; what follows it in its block is fused into them (runtime/epilogues.ts).
 */
export interface CoreGpu<S extends LayerSpecBase> {
  role: 'core';
  /** Its parameter buffer: floats, and the buffer's contents to and from the weights in Keras order. */
  parameters: {
    floats(spec: S): number;
    pack(spec: S, weights: Float32Array[]): Float32Array;
    unpack(spec: S, data: Float32Array): Float32Array[];
    /** Where each trainable weight lies in the buffer, in vec4s, in Keras order: what norm clipping takes norms of. */
    variables(spec: S): { offset: number; vectors: number }[];
  };
  forward(context: ForwardContext<S>): void;
  backward(context: BackwardContext<S>): void;
}

/**
 * What a pointwise layer's operation is given: whether the pass trains, and `constant(word)`, which stores a u32 among
 * the run's constants (step.wgsl's schedule) and returns the WGSL that reads it: values that differ between models of
 * one shape (a seed, a rate) are data, so those models share pipelines.
 */
export interface PointwisePass {
  training: boolean;
  constant(word: number): string;
}

/** A layer that acts on each element alone: fused into the kernels of the block it follows, no dispatch of its own. */
export interface PointwiseGpu<S extends LayerSpecBase> {
  role: 'pointwise';
  /** Its operation in this pass, or none where it is the identity (dropout outside training). */
  op(spec: S, pass: PointwisePass): PointwiseOp | undefined;
}

export interface LayerDefinition<S extends LayerSpecBase> {
  weights(spec: S): WeightShape[];
  reference: ReferenceLayer<S>;
  gpu: CoreGpu<S> | PointwiseGpu<S>;
}
