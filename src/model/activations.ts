import { invalid } from '../errors';

export const activationNames = ['sigmoid', 'linear', 'relu', 'tanh', 'softmax'] as const;
export type Activation = (typeof activationNames)[number];

/** Index of each activation in the WGSL kernels' `ACTIVATION` constant. */
export const activationCode: Record<Activation, number> = { linear: 0, sigmoid: 1, relu: 2, tanh: 3, softmax: 4 };

export function checkActivation(argument: string, value: unknown): Activation {
  if (!activationNames.includes(value as Activation)) throw invalid(argument, `one of ${activationNames.map((a) => `'${a}'`).join(', ')}`, value);
  return value as Activation;
}

/** g(z) for the activations that act on each element alone (all but softmax). */
export function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z)); // g(z) = 1 / (1 + e^−z)
    case 'relu':
      return z > 0 ? z : 0; // g(z) = max(0, z)
    case 'tanh':
      return Math.tanh(z);
    case 'linear':
      return z;
    case 'softmax':
      throw new Error('softmax acts on a whole row: use activateRow');
  }
}

/** Applies g to one row of z in place. Softmax: a_j = e^(z_j − max z) / Σ_k e^(z_k − max z). */
export function activateRow(activation: Activation, row: Float32Array): void {
  if (activation !== 'softmax') {
    for (let j = 0; j < row.length; j++) row[j] = activate(activation, row[j]);
    return;
  }
  const max = Math.max(...row);
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
  for (let j = 0; j < row.length; j++) row[j] = Math.exp(row[j] - max) / sum;
}

/**
 * g'(z), written in terms of the activation a = g(z), which is what backpropagation has at hand. Softmax has
 * no per-element derivative: its Jacobian is applied to a whole row (see outputDeltas in the reference).
 */
export function derivative(activation: Activation, a: number): number {
  switch (activation) {
    case 'sigmoid':
      return a * (1 - a); // σ'(z) = σ(z)(1 − σ(z))
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'tanh':
      return 1 - a * a; // tanh' = 1 − tanh²
    case 'linear':
      return 1;
    case 'softmax':
      throw new Error('softmax has a Jacobian, not a per-element derivative');
  }
}
