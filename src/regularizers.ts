// Weight penalties (Keras's kernel_regularizer, bias_regularizer): a weight array w adds
//   P(w) = l1 · Σ |w| + l2 · Σ w²
// to the loss, computed from the weights before each step's update, and ∂P/∂w = l1 · sign(w) + 2 · l2 · w to its
// gradient. The penalty is part of the loss reported for each batch, each epoch, the validation and evaluate, as
// Keras reports it. In TypeScript for the CPU reference, and in WGSL for the kernels that compute the gradients.
import { invalid } from './errors';

export interface RegularizerSpec {
  l1: number;
  l2: number;
}

/** P(w). */
export function penalty({ l1, l2 }: RegularizerSpec, w: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < w.length; i++) sum += l1 * Math.abs(w[i]) + l2 * w[i] * w[i];
  return sum;
}

/** g ← g + ∂P/∂w. */
export function addPenaltyGradient({ l1, l2 }: RegularizerSpec, w: Float32Array, g: Float32Array): void {
  for (let i = 0; i < w.length; i++) g[i] += l1 * Math.sign(w[i]) + 2 * l2 * w[i];
}

/** The same in WGSL, for four weights at once. */
export const penaltyWgsl = `fn penalty_value(w: vec4f, l1: f32, l2: f32) -> f32 { return l1 * dot(abs(w), vec4f(1.0)) + l2 * dot(w, w); }
fn penalty_gradient(w: vec4f, l1: f32, l2: f32) -> vec4f { return l1 * sign(w) + 2.0 * l2 * w; }
`;

/** A penalty as users give it: Keras's names and defaults (0.01), as objects or strings. */
export type Regularizer = RegularizerSpec | 'l1' | 'l2' | 'l1l2';

export const regularizers = {
  /** l1 · Σ |w|. */
  l1: ({ l1 = 0.01 }: { l1?: number } = {}): RegularizerSpec => ({ l1, l2: 0 }),
  /** l2 · Σ w². */
  l2: ({ l2 = 0.01 }: { l2?: number } = {}): RegularizerSpec => ({ l1: 0, l2 }),
  /** l1 · Σ |w| + l2 · Σ w² (TensorFlow.js's l1l2, whose defaults these are). */
  l1l2: ({ l1 = 0.01, l2 = 0.01 }: { l1?: number; l2?: number } = {}): RegularizerSpec => ({ l1, l2 }),
};

/** A regularizer argument checked: none, or non-negative finite l1 and l2. */
export function checkRegularizer(argument: string, value: unknown): RegularizerSpec | undefined {
  if (value === undefined || value === null) return undefined;
  if (value === 'l1' || value === 'l2' || value === 'l1l2') return regularizers[value]();
  const { l1, l2 } = (value ?? {}) as Record<string, unknown>;
  const ok = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (typeof value !== 'object' || !ok(l1 ?? 0) || !ok(l2 ?? 0)) {
    throw invalid(argument, "regularizers.l1(), l2(), l1l2() or 'l1', 'l2', 'l1l2': non-negative l1 and l2", value);
  }
  return { l1: (l1 as number | undefined) ?? 0, l2: (l2 as number | undefined) ?? 0 };
}
