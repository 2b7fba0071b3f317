// What every user-facing layer class shares: its name, the input width when it is the first layer, and how it
// becomes plain data (its spec) for the backends once the width of its input is known.
import type { ActivationName } from '../activations/activations';
import { WebGPUNNError, invalid, positiveInteger } from '../errors';
import type { LayerSpec } from '../layers/registry';

/** What a layer's spec is made with besides its input width: its name, and a seed of its own from the compile's. */
export interface SpecContext {
  name: string;
  seed: number;
}

export abstract class Layer {
  /** Its spec's kind: which definition in layers/registry.ts runs it. */
  abstract readonly kind: LayerSpec['kind'];
  /** Keras's class name, for summaries and messages. */
  abstract readonly className: string;
  readonly name: string | undefined;
  /** The width of the model's input rows, where this is the first layer (Keras's inputDim, inputShape: [n]). */
  readonly inputDim: number | undefined;
  /** The activation the layer ends with, if it has one. */
  readonly activation: ActivationName | undefined;

  /** The input width a first layer's config gives: `inputDim`, or `inputShape: [n]` as Keras and TF.js write it. */
  static inputWidth(className: string, config: { inputDim?: unknown; inputShape?: unknown }): number | undefined {
    const { inputDim, inputShape } = config;
    const fromShape =
      inputShape === undefined
        ? undefined
        : Array.isArray(inputShape) && inputShape.length === 1
          ? positiveInteger(`${className}({ inputShape })[0]`, inputShape[0])
          : (() => {
              throw invalid(`${className}({ inputShape })`, '[n]: rows of n features', inputShape);
            })();
    const fromDim = inputDim === undefined ? undefined : positiveInteger(`${className}({ inputDim })`, inputDim);
    if (fromShape !== undefined && fromDim !== undefined && fromShape !== fromDim) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${className}({ inputShape }): expected [${fromDim}] (as inputDim says), got [${fromShape}]`);
    }
    return fromDim ?? fromShape;
  }

  constructor(config: { name?: string; inputDim?: number; activation?: ActivationName }) {
    this.name = config.name === undefined ? undefined : String(config.name);
    this.inputDim = config.inputDim;
    this.activation = config.activation;
  }

  /** The width of its output rows for input rows `inputs` wide. */
  abstract outputWidth(inputs: number): number;

  /** The layer as plain data, its input rows `inputs` wide, named as `context` says (its own name, or the model's default). */
  abstract spec(inputs: number, context: SpecContext): LayerSpec;

  /** Its initial weights in Keras order, drawn from `random` (the compile's seed). */
  abstract initialWeights(spec: LayerSpec, random: () => number): Float32Array[];
}
