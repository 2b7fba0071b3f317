// A network's weights, walked layer by layer through the layer definitions: what both backends need.
import { penalty } from '../regularizers';
import type { LayerSpecBase } from './layer';
import { layerDefinition } from './registry';

/** The flat list of weights in Keras order ([kernel1, bias1, kernel2, ...]), as each layer's list. */
export function splitWeights(layers: LayerSpecBase[], weights: Float32Array[]): Float32Array[][] {
  let next = 0;
  return layers.map((layer) => layerDefinition(layer).weights(layer).map(() => weights[next++]));
}

/** The weights' penalties (regularizers.ts): P = Σ over the penalised weights of l1 · Σ|w| + l2 · Σ w². */
export function networkPenalty(layers: LayerSpecBase[], weights: Float32Array[][]): number {
  return layers.reduce(
    (sum, layer, l) => sum + layerDefinition(layer).weights(layer).reduce((s, { regularizer }, k) => s + (regularizer ? penalty(regularizer, weights[l][k]) : 0), 0),
    0,
  );
}
