// What every user-facing layer class shares: its name, the input width when it is the first layer, and how it
// becomes plain data (its spec) for the backends once the width of its input is known.
import type { ActivationName } from '../activations/activations';
import type { LayerSpec } from '../layers/registry';

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

  constructor(config: { name?: string; inputDim?: number; activation?: ActivationName }) {
    this.name = config.name === undefined ? undefined : String(config.name);
    this.inputDim = config.inputDim;
    this.activation = config.activation;
  }

  /** The width of its output rows for input rows `inputs` wide. */
  abstract outputWidth(inputs: number): number;

  /** The layer as plain data, its input rows `inputs` wide, named `name` (its own, or the model's default). */
  abstract spec(inputs: number, name: string): LayerSpec;

  /** Its initial weights in Keras order, drawn from `random` (the compile's seed). */
  abstract initialWeights(spec: LayerSpec, random: () => number): Float32Array[];
}
