/**
 * The CPU reference: the network's mathematics in plain TypeScript, written to be read. It is the specification the
 * WebGPU kernels are tested against, and the 'cpu' backend.
 *
 * Notation (the lesson's): layer l computes z[l] from its input a[l−1] (a[0] = x, a batch of m rows) and ends with
 * its activation, a[l] = g(z[l]); for a Dense layer z[l] = a[l−1] · W[l] + b[l]. The cost J = 1/m Σ_rows L(a[L], y)
 * is minimised by gradient descent, w ← w − α ∂J/∂w (or another optimizer's rule) for every weight w, with the
 * derivatives found by backpropagation:
 *   dz[L] = ∂J/∂a[L] ⊙ g'(z[L])            (or, where the loss folds the activation in, ∂J/∂z[L] directly)
 *   da[l−1], ∂J/∂w[l] from dz[l]           (the layer's own backward)
 *   dz[l−1] = da[l−1] ⊙ g'(z[l−1])
 * Each layer kind's computation is in its folder (layers/*\/reference.ts); numbers are summed in double precision
 * and stored as float32.
 */
import { activateRow, elementwise, isElementwise } from '../activations/activations';
import type { LayerSpec } from '../layers/registry';
import type { Pass } from '../layers/layer';
import { layerDefinition } from '../layers/registry';
import type { LossMath } from '../losses/loss';
import { labelDistribution } from '../losses/loss';
import { losses } from '../losses/registry';
import { type OptimizerSpec, rateAt } from '../optimizers/optimizer';
import { optimizerDefinition } from '../optimizers/registry';
import { type Variable, applyUpdates } from '../optimizers/update';
import { addPenaltyGradient } from '../regularizers';
import { networkPenalty } from '../layers/weights';
import type { NetworkSpec } from '../spec';

/** A layer's weights in Keras order ([kernel, bias] for Dense). */
export type LayerWeights = Float32Array[];

/** Inference: no dropout, moving statistics. */
export const INFERENCE: Pass = { training: false, step: 0 };

/** What forward propagation leaves for backpropagation. */
export interface ForwardPass {
  /** a[l] of every layer, [m × units]: after its activation. */
  activations: Float32Array[];
  /** z[l] of every layer: before its activation. */
  logits: Float32Array[];
  /** What each layer's backward needs. */
  caches: unknown[];
}

/** Forward propagation of m rows of x through the layers. */
export function forward(layers: LayerSpec[], weights: LayerWeights[], x: Float32Array, m: number, pass: Pass = INFERENCE): ForwardPass {
  const result: ForwardPass = { activations: [], logits: [], caches: [] };
  let input = x;
  layers.forEach((layer, l) => {
    const { output, cache } = layerDefinition(layer).reference.forward(layer, weights[l], input, m, pass);
    const a = output.slice();
    if (layer.activation) for (let r = 0; r < m; r++) activateRow(layer.activation, a.subarray(r * layer.units, (r + 1) * layer.units)); // g(z)
    result.logits.push(output);
    result.activations.push(a);
    result.caches.push(cache);
    input = a;
  });
  return result;
}

/** The activation the network ends with, which a loss may fold into its formulas. */
const outputActivation = (layers: LayerSpec[]) => layers[layers.length - 1].activation ?? 'linear';

/**
 * L of each of the m rows, and their mean J. Labels have as many columns as the loss takes (labels.ts). Where the
 * loss has a form in the output's logits z that stays exact when the activation saturates (binary cross-entropy
 * after a sigmoid), it is computed from z.
 */
export function rowLosses(layers: LayerSpec[], loss: LossMath, pass: ForwardPass, y: Float32Array, m: number): Float32Array {
  const a = pass.activations[pass.activations.length - 1];
  const z = pass.logits[pass.logits.length - 1];
  const units = a.length / m;
  const labels = y.length / m;
  const activation = outputActivation(layers);
  return Float32Array.from({ length: m }, (_, r) => {
    const ar = a.subarray(r * units, (r + 1) * units);
    const yr = y.subarray(r * labels, (r + 1) * labels);
    if (loss.shape === 'row') return loss.value(ar, yr);
    const fused = loss.fused?.activation === activation ? loss.fused : undefined;
    let sum = 0;
    for (let j = 0; j < units; j++) sum += fused ? fused.value(z[r * units + j], yr[j]) : loss.value(ar[j], yr[j]);
    return sum / units;
  });
}

/**
 * J: the mean over the m rows of L(a, y); with sample weights w, Keras's Σ w · L / m (the sum over the batch divided by
 * the batch's size, not by Σ w).
 */
export function cost(layers: LayerSpec[], loss: LossMath, pass: ForwardPass, y: Float32Array, m: number, weights?: Float32Array): number {
  return rowLosses(layers, loss, pass, y, m).reduce((sum, l, r) => sum + (weights ? weights[r] : 1) * l, 0) / m;
}

/**
 * dJ/dz of the output layer, where backpropagation starts: ∂L/∂a · g'(z) · w / m for each row of weight w (1 without
 * sample weights; ∂L/∂a of an element loss
 * being ∂ℓ/∂a / units, the mean over the row). Where the activation cancels the loss's denominators (sigmoid with
 * binary cross-entropy: (a − y)/units; softmax with categorical cross-entropy: a·Σy − y) the loss gives ∂L/∂z.
 */
export function outputDeltas(layers: LayerSpec[], loss: LossMath, output: Float32Array, y: Float32Array, m: number, weights?: Float32Array): Float32Array {
  const units = output.length / m;
  const labels = y.length / m;
  const activation = outputActivation(layers);
  const deltas = new Float32Array(output.length);
  for (let r = 0; r < m; r++) {
    const a = output.subarray(r * units, (r + 1) * units);
    const yr = y.subarray(r * labels, (r + 1) * labels);
    const dz = deltas.subarray(r * units, (r + 1) * units);
    if (loss.shape === 'row') {
      // Softmax's Jacobian folded in: ∂L/∂z_j = a_j·Σy − y_j.
      const distribution = labelDistribution(loss, yr, units);
      let total = 0;
      for (let j = 0; j < units; j++) total += distribution[j];
      for (let j = 0; j < units; j++) dz[j] = a[j] * total - distribution[j];
    } else if (loss.fused?.activation === activation) {
      for (let j = 0; j < units; j++) dz[j] = loss.fused.gradient(a[j], yr[j]) / units;
    } else {
      const g = isElementwise(activation) ? elementwise[activation] : undefined;
      for (let j = 0; j < units; j++) dz[j] = (loss.gradient(a[j], yr[j]) / units) * (g ? g.derivative(a[j]) : 1);
    }
    // With sample weights, each row's loss counts w times.
    for (let j = 0; j < units; j++) dz[j] = (dz[j] * (weights ? weights[r] : 1)) / m;
  }
  return deltas;
}

/**
 * Backpropagation: ∂J/∂w of every weight of every layer (undefined for weights not trained), from dz of the output
 * layer. Each layer's backward gives da of its input; the activation of the layer before turns it into that
 * layer's dz: dz[l−1] = da[l−1] ⊙ g'(z[l−1]), g' written in terms of a[l−1].
 */
export function backward(layers: LayerSpec[], weights: LayerWeights[], x: Float32Array, m: number, pass: ForwardPass, deltas: Float32Array, mode: Pass = INFERENCE): (Float32Array | undefined)[][] {
  const gradients: (Float32Array | undefined)[][] = [];
  for (let l = layers.length - 1; l >= 0; l--) {
    const input = l === 0 ? x : pass.activations[l - 1];
    const result = layerDefinition(layers[l]).reference.backward(layers[l], weights[l], input, pass.caches[l], deltas, m, mode);
    gradients[l] = result.gradients;
    if (l > 0) {
      const previous = layers[l - 1].activation ?? 'linear';
      const g = isElementwise(previous) ? elementwise[previous] : undefined;
      deltas = g ? result.dInput.map((d, i) => d * g.derivative(input[i])) : result.dInput;
    }
  }
  return gradients;
}

/** Optimizer state: for each layer, each weight, `slots` arrays beside it; and the steps taken. */
export interface OptimizerState {
  slots: Float32Array[][][];
  iterations: number;
}

export function initialState(weights: LayerWeights[], optimizer: OptimizerSpec): OptimizerState {
  const slots = optimizerDefinition(optimizer).slots(optimizer);
  return { slots: weights.map((layer) => layer.map((w) => Array.from({ length: slots }, () => new Float32Array(w.length)))), iterations: 0 };
}

/**
 * One training step on a batch of m rows: the batch's cost J + P (the weights' penalties) and its outputs, both before
 * the update; then the update, ∂P/∂w added to each penalised weight's gradient (optimizers/update.ts applies Keras's
 * clipping, decay and the optimizer's rule).
 */
export function trainStep(spec: NetworkSpec, weights: LayerWeights[], state: OptimizerState, x: Float32Array, y: Float32Array, m: number, sampleWeights?: Float32Array): { cost: number; output: Float32Array } {
  const mode: Pass = { training: true, step: state.iterations };
  const loss = losses[spec.loss];
  const P = networkPenalty(spec.layers, weights);
  const pass = forward(spec.layers, weights, x, m, mode);
  const output = pass.activations[pass.activations.length - 1];
  const J = cost(spec.layers, loss, pass, y, m, sampleWeights);
  const gradients = backward(spec.layers, weights, x, m, pass, outputDeltas(spec.layers, loss, output, y, m, sampleWeights), mode);
  const variables: Variable[] = [];
  spec.layers.forEach((layer, l) =>
    layerDefinition(layer).weights(layer).forEach(({ regularizer }, k) => {
      const [w, g] = [weights[l][k], gradients[l][k]];
      if (!g) return;
      if (regularizer) addPenaltyGradient(regularizer, w, g);
      variables.push({ w, g, state: state.slots[l][k] });
    }),
  );
  const t = ++state.iterations;
  const optimizer = optimizerDefinition(spec.optimizer);
  applyUpdates(optimizer, spec.optimizer, variables, optimizer.stepScalars(spec.optimizer, t, rateAt(spec.optimizer, t - 1)));
  return { cost: J + P, output };
}

/** Copies the rows `order[start..start+m)` of a [rows × cols] matrix into a new [m × cols] matrix. */
export function gatherRows(data: Float32Array, cols: number, order: Uint32Array, start: number, m: number): Float32Array {
  const out = new Float32Array(m * cols);
  for (let r = 0; r < m; r++) out.set(data.subarray(order[start + r] * cols, (order[start + r] + 1) * cols), r * cols);
  return out;
}
