import { invalid } from '../errors';

export const activationNames = ['sigmoid', 'linear', 'relu'] as const;
export type Activation = (typeof activationNames)[number];

/** Index of each activation in the WGSL kernels' `ACTIVATION` constant. */
export const activationCode: Record<Activation, number> = { linear: 0, sigmoid: 1, relu: 2 };

export function checkActivation(argument: string, value: unknown): Activation {
  if (!activationNames.includes(value as Activation)) throw invalid(argument, `one of ${activationNames.map((a) => `'${a}'`).join(', ')}`, value);
  return value as Activation;
}

/** g(z): the activation applied to a layer's weighted sum z = a_prev · W + b. */
export function activate(activation: Activation, z: number): number {
  switch (activation) {
    case 'sigmoid':
      return 1 / (1 + Math.exp(-z)); // g(z) = 1 / (1 + e^−z)
    case 'relu':
      return z > 0 ? z : 0; // g(z) = max(0, z)
    case 'linear':
      return z;
  }
}

/** g'(z), written in terms of the activation a = g(z), which is what backpropagation has at hand. */
export function derivative(activation: Activation, a: number): number {
  switch (activation) {
    case 'sigmoid':
      return a * (1 - a); // σ'(z) = σ(z)(1 − σ(z))
    case 'relu':
      return a > 0 ? 1 : 0;
    case 'linear':
      return 1;
  }
}
