import { invalid, positiveNumber } from '../errors';

/** Gradient descent, the lesson's update: w ← w − α·∂J/∂w, b ← b − α·∂J/∂b. */
export class SGD {
  readonly name = 'sgd';
  readonly learningRate: number;
  constructor(config: { learningRate?: number } = {}) {
    if (config === null || typeof config !== 'object') throw invalid('SGD(config)', 'an object like { learningRate: 0.01 }', config);
    this.learningRate = positiveNumber('SGD({ learningRate })', config.learningRate ?? 0.01);
  }
}

export type Optimizer = SGD;

export function toOptimizer(argument: string, value: unknown): Optimizer {
  if (value instanceof SGD) return value;
  if (value === 'sgd') return new SGD();
  throw invalid(argument, "new SGD({ learningRate }) or 'sgd'", value);
}
