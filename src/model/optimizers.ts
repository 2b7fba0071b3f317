import { invalid, positiveNumber } from '../errors';

/**
 * An update rule w ← w − step(∂J/∂w), applied to each weight array after each batch. `slots` arrays of state per
 * weight array (moments) live beside the weights; `apply` is the rule in plain TypeScript, the CPU reference of
 * the WGSL update kernels.
 */
export abstract class Optimizer {
  abstract readonly name: 'sgd' | 'adam' | 'rmsprop';
  abstract readonly learningRate: number;
  /** Arrays of state per weight array: 0 for SGD, 1 for RMSprop, 2 for Adam. */
  abstract readonly slots: number;
  /** One update of `weights` from `gradient` at iteration t (1, 2, ...), with this array's `state`. */
  abstract apply(weights: Float32Array, gradient: Float32Array, state: Float32Array[], t: number): void;
}

function config<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined) return {} as T;
  if (value === null || typeof value !== 'object') throw invalid(`${name}(config)`, 'an object', value);
  return value;
}

function fraction(argument: string, value: unknown): number {
  if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw invalid(argument, 'a number in [0, 1)', value);
  return value;
}

/** Gradient descent, the lesson's update: w ← w − α·∂J/∂w. Default α = 0.01, as Keras. */
export class SGD extends Optimizer {
  readonly name = 'sgd';
  readonly slots = 0;
  readonly learningRate: number;
  constructor(options?: { learningRate?: number }) {
    super();
    this.learningRate = positiveNumber('SGD({ learningRate })', config('SGD', options).learningRate ?? 0.01);
  }
  apply(weights: Float32Array, gradient: Float32Array): void {
    for (let i = 0; i < weights.length; i++) weights[i] -= this.learningRate * gradient[i];
  }
}

/**
 * Adam, as TensorFlow.js computes it: m ← β1·m + (1 − β1)·g, v ← β2·v + (1 − β2)·g²,
 * w ← w − α · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε). Keras defaults: α 0.001, β1 0.9, β2 0.999, ε 1e-7.
 */
export class Adam extends Optimizer {
  readonly name = 'adam';
  readonly slots = 2;
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(options?: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }) {
    super();
    const c = config('Adam', options);
    this.learningRate = positiveNumber('Adam({ learningRate })', c.learningRate ?? 0.001);
    this.beta1 = fraction('Adam({ beta1 })', c.beta1 ?? 0.9);
    this.beta2 = fraction('Adam({ beta2 })', c.beta2 ?? 0.999);
    this.epsilon = positiveNumber('Adam({ epsilon })', c.epsilon ?? 1e-7);
  }
  apply(weights: Float32Array, gradient: Float32Array, [m, v]: Float32Array[], t: number): void {
    const correction1 = 1 - this.beta1 ** t;
    const correction2 = 1 - this.beta2 ** t;
    for (let i = 0; i < weights.length; i++) {
      const g = gradient[i];
      m[i] = this.beta1 * m[i] + (1 - this.beta1) * g;
      v[i] = this.beta2 * v[i] + (1 - this.beta2) * g * g;
      weights[i] -= (this.learningRate * (m[i] / correction1)) / (Math.sqrt(v[i] / correction2) + this.epsilon);
    }
  }
}

/**
 * RMSprop, as TensorFlow.js computes it: s ← ρ·s + (1 − ρ)·g², w ← w − α·g / √(s + ε).
 * Keras defaults: α 0.001, ρ 0.9, ε 1e-7 (no momentum, not centred).
 */
export class RMSprop extends Optimizer {
  readonly name = 'rmsprop';
  readonly slots = 1;
  readonly learningRate: number;
  readonly rho: number;
  readonly epsilon: number;
  constructor(options?: { learningRate?: number; rho?: number; epsilon?: number }) {
    super();
    const c = config('RMSprop', options);
    this.learningRate = positiveNumber('RMSprop({ learningRate })', c.learningRate ?? 0.001);
    this.rho = fraction('RMSprop({ rho })', c.rho ?? 0.9);
    this.epsilon = positiveNumber('RMSprop({ epsilon })', c.epsilon ?? 1e-7);
  }
  apply(weights: Float32Array, gradient: Float32Array, [s]: Float32Array[]): void {
    for (let i = 0; i < weights.length; i++) {
      const g = gradient[i];
      s[i] = this.rho * s[i] + (1 - this.rho) * g * g;
      weights[i] -= (this.learningRate * g) / Math.sqrt(s[i] + this.epsilon);
    }
  }
}

export function toOptimizer(argument: string, value: unknown): Optimizer {
  if (value instanceof Optimizer) return value;
  const byName: Record<string, () => Optimizer> = { sgd: () => new SGD(), adam: () => new Adam(), rmsprop: () => new RMSprop() };
  if (typeof value === 'string' && value in byName) return byName[value]();
  throw invalid(argument, "an Optimizer (new SGD({ learningRate }), new Adam(), new RMSprop()) or 'sgd', 'adam', 'rmsprop'", value);
}
