/**
 * The CPU reference: the network's mathematics in plain TypeScript, written to be read. It is the
 * specification the WebGPU kernels are tested against, and the 'cpu' backend.
 *
 * Notation (the lesson's): for layer l, a[l] = g(z[l]) with z[l] = a[l−1] · W[l] + b[l], where a[0] = x is a
 * batch of m rows. The cost J = 1/m Σ_rows L(a[L], y) is minimised by gradient descent,
 * W[l] ← W[l] − α ∂J/∂W[l] and b[l] ← b[l] − α ∂J/∂b[l] (or another optimizer's rule), with the derivatives
 * found by backpropagation. Numbers are summed in double precision and stored as float32.
 */
import type { LayerSpec } from '../backend';
import { activateRow, derivative } from '../model/activations';
import type { Loss } from '../model/losses';
import type { Optimizer } from '../model/optimizers';

/** W is [inputs × units] row-major (Keras layout), b is [units]. */
export interface LayerParams {
  weights: Float32Array;
  bias: Float32Array;
}

/** C = op(A) · op(B) for row-major A and B, where op transposes when asked. C is [rows × cols]. */
export function matmul(
  a: Float32Array,
  b: Float32Array,
  rows: number,
  inner: number,
  cols: number,
  { transposeA = false, transposeB = false } = {},
): Float32Array {
  const c = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let col = 0; col < cols; col++) {
      let sum = 0;
      for (let k = 0; k < inner; k++) {
        const av = transposeA ? a[k * rows + r] : a[r * inner + k];
        const bv = transposeB ? b[col * inner + k] : b[k * cols + col];
        sum += av * bv;
      }
      c[r * cols + col] = sum;
    }
  }
  return c;
}

/** Forward propagation: a[1..L], each [m × units], and the output layer's z (its logits). */
export function forward(layers: LayerSpec[], params: LayerParams[], x: Float32Array, m: number): { activations: Float32Array[]; logits: Float32Array } {
  const activations: Float32Array[] = [];
  let input = x;
  let logits = x;
  layers.forEach((layer, l) => {
    const z = matmul(input, params[l].weights, m, layer.inputs, layer.units); // z = a[l−1] · W
    for (let i = 0; i < z.length; i++) z[i] += params[l].bias[i % layer.units]; // + b
    logits = z.slice();
    for (let r = 0; r < m; r++) activateRow(layer.activation, z.subarray(r * layer.units, (r + 1) * layer.units)); // g(z)
    activations.push(z);
    input = z;
  });
  return { activations, logits };
}

/**
 * J: the mean over the m rows of L(a, y). Labels have `loss.labelColumns(units)` columns. Where the loss has a
 * stable form in the output layer's logits z (sigmoid with binary cross-entropy), it is computed from z.
 */
export function cost(loss: Loss, layer: LayerSpec, output: { activations: Float32Array[]; logits: Float32Array }, y: Float32Array, m: number): number {
  const a = output.activations[output.activations.length - 1];
  const { units } = layer;
  const labels = y.length / m;
  let sum = 0;
  for (let r = 0; r < m; r++) {
    const yr = y.subarray(r * labels, (r + 1) * labels);
    sum += loss.fusedValue(layer.activation, output.logits.subarray(r * units, (r + 1) * units), yr) ?? loss.value(a.subarray(r * units, (r + 1) * units), yr);
  }
  return sum / m;
}

/**
 * dJ/dz of the output layer, the deltas backpropagation starts from: ∂L/∂a · g'(z) / m for each row. Where the
 * activation cancels the loss's denominators (sigmoid with binary cross-entropy: (a − y)/units; softmax with
 * categorical cross-entropy: a − y) the loss gives ∂L/∂z directly.
 */
export function outputDeltas(layer: LayerSpec, loss: Loss, output: Float32Array, y: Float32Array, m: number): Float32Array {
  const { units, activation } = layer;
  const labels = y.length / m;
  const deltas = new Float32Array(output.length);
  for (let r = 0; r < m; r++) {
    const a = output.subarray(r * units, (r + 1) * units);
    const yr = y.subarray(r * labels, (r + 1) * labels);
    const dz = deltas.subarray(r * units, (r + 1) * units);
    if (!loss.fusedGradient(activation, a, yr, dz)) {
      loss.gradient(a, yr, dz);
      for (let j = 0; j < units; j++) dz[j] *= derivative(activation, a[j]);
    }
    for (let j = 0; j < units; j++) dz[j] /= m;
  }
  return deltas;
}

/**
 * Backpropagation: the gradients ∂J/∂W[l] and ∂J/∂b[l] of every layer.
 *   ∂J/∂W[l] = a[l−1]ᵀ · dz[l]          ∂J/∂b[l] = Σ_rows dz[l]
 *   dz[l−1]  = (dz[l] · W[l]ᵀ) ⊙ g'(z[l−1])
 */
export function backward(
  layers: LayerSpec[],
  params: LayerParams[],
  x: Float32Array,
  m: number,
  activations: Float32Array[],
  deltas: Float32Array,
): LayerParams[] {
  const gradients: LayerParams[] = [];
  for (let l = layers.length - 1; l >= 0; l--) {
    const { inputs, units } = layers[l];
    const input = l === 0 ? x : activations[l - 1];
    const weights = matmul(input, deltas, inputs, m, units, { transposeA: true });
    const bias = new Float32Array(units);
    for (let i = 0; i < deltas.length; i++) bias[i % units] += deltas[i];
    gradients[l] = { weights, bias };
    if (l > 0) {
      const back = matmul(deltas, params[l].weights, m, units, inputs, { transposeB: true });
      for (let i = 0; i < back.length; i++) back[i] *= derivative(layers[l - 1].activation, input[i]);
      deltas = back;
    }
  }
  return gradients;
}

/** Optimizer state: `optimizer.slots` arrays beside each weight array, and the iteration count t. */
export interface OptimizerState {
  slots: LayerParams[][];
  iterations: number;
}

export function initialState(params: LayerParams[], optimizer: Optimizer): OptimizerState {
  const slots = Array.from({ length: optimizer.slots }, () =>
    params.map((p) => ({ weights: new Float32Array(p.weights.length), bias: new Float32Array(p.bias.length) })),
  );
  return { slots, iterations: 0 };
}

/** One training step on a batch of m rows: returns the batch's cost J, computed before the update. */
export function trainStep(
  layers: LayerSpec[],
  params: LayerParams[],
  loss: Loss,
  optimizer: Optimizer,
  state: OptimizerState,
  x: Float32Array,
  y: Float32Array,
  m: number,
): { cost: number; output: Float32Array } {
  const pass = forward(layers, params, x, m);
  const { activations } = pass;
  const output = activations[activations.length - 1];
  const J = cost(loss, layers[layers.length - 1], pass, y, m);
  const gradients = backward(layers, params, x, m, activations, outputDeltas(layers[layers.length - 1], loss, output, y, m));
  const t = ++state.iterations;
  params.forEach((p, l) => {
    optimizer.apply(p.weights, gradients[l].weights, state.slots.map((s) => s[l].weights), t); // W ← W − α ∂J/∂W
    optimizer.apply(p.bias, gradients[l].bias, state.slots.map((s) => s[l].bias), t); // b ← b − α ∂J/∂b
  });
  return { cost: J, output };
}

/** Copies the rows `order[start..start+m)` of a [rows × cols] matrix into a new [m × cols] matrix. */
export function gatherRows(data: Float32Array, cols: number, order: Uint32Array, start: number, m: number): Float32Array {
  const out = new Float32Array(m * cols);
  for (let r = 0; r < m; r++) out.set(data.subarray(order[start + r] * cols, (order[start + r] + 1) * cols), r * cols);
  return out;
}
