// The activations g, each defined once: its value and derivative in TypeScript (the CPU reference) beside the same
// in WGSL, from which the runtime generates the kernels' epilogues (runtime/epilogues.ts). Derivatives are written
// in terms of the output a = g(z), which is what backpropagation has at hand; `input` gives z back from a, for a
// gradient that must pass through two activations in a row (exact wherever the derivative is not zero).

/** An activation applied to each element alone. WGSL expressions act on four elements: `z` or `a` is a vec4f. */
export interface ElementwiseActivation {
  /** g(z). */
  value(z: number): number;
  /** g'(z), written in terms of a = g(z). */
  derivative(a: number): number;
  wgsl: { value: string; derivative: string; input: string };
}

export const elementwise = {
  // g(z) = 1 / (1 + e^−z), g' = a(1 − a), z = log(a / (1 − a)).
  sigmoid: {
    value: (z) => 1 / (1 + Math.exp(-z)),
    derivative: (a) => a * (1 - a),
    wgsl: { value: '1.0 / (1.0 + exp(-z))', derivative: 'a * (1.0 - a)', input: 'log(a / (1.0 - a))' },
  },
  linear: {
    value: (z) => z,
    derivative: () => 1,
    wgsl: { value: 'z', derivative: 'vec4f(1.0)', input: 'a' },
  },
  // g(z) = max(0, z), g' = 1 where a > 0; z = a wherever g' is not zero.
  relu: {
    value: (z) => (z > 0 ? z : 0),
    derivative: (a) => (a > 0 ? 1 : 0),
    wgsl: { value: 'max(z, vec4f())', derivative: 'select(vec4f(), vec4f(1.0), a > vec4f())', input: 'a' },
  },
  // g' = 1 − a². |z| > 15 is ±1 in float32 anyway, and keeps WGSL's tanh away from its overflowing exponentials.
  tanh: {
    value: (z) => Math.tanh(z),
    derivative: (a) => 1 - a * a,
    wgsl: { value: 'tanh(clamp(z, vec4f(-15.0), vec4f(15.0)))', derivative: '1.0 - a * a', input: 'atanh(clamp(a, vec4f(-1.0 + 1e-7), vec4f(1.0 - 1e-7)))' },
  },
} satisfies Record<string, ElementwiseActivation>;

/**
 * Softmax acts on a whole row: a_j = e^(z_j − max z) / Σ_k e^(z_k − max z). It has a Jacobian rather than a derivative
 * per element, so it ends a network, where the categorical losses fold its Jacobian into their gradient
 * (losses/categorical-crossentropy.ts); the GPU computes it one invocation per row (shaders/softmax.wgsl).
 */
export function softmaxRow(row: Float32Array): void {
  let max = -Infinity;
  for (let j = 0; j < row.length; j++) max = Math.max(max, row[j]);
  let sum = 0;
  for (let j = 0; j < row.length; j++) sum += Math.exp(row[j] - max);
  for (let j = 0; j < row.length; j++) row[j] = Math.exp(row[j] - max) / sum;
}

export type ElementwiseName = keyof typeof elementwise;
export const activationNames = [...(Object.keys(elementwise) as ElementwiseName[]), 'softmax'] as const;
export type ActivationName = (typeof activationNames)[number];

export const isElementwise = (name: ActivationName): name is ElementwiseName => name !== 'softmax';

/** g applied to one row of z, in place. */
export function activateRow(name: ActivationName, row: Float32Array): void {
  if (!isElementwise(name)) return softmaxRow(row);
  const g = elementwise[name];
  for (let j = 0; j < row.length; j++) row[j] = g.value(row[j]);
}
