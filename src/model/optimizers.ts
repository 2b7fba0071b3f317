// The optimizers as users write them: Keras's classes and names. Each rule, its state and its defaults are in
// src/optimizers.
import { invalid } from '../errors';
import { adam } from '../optimizers/adam';
import type { OptimizerSpec } from '../optimizers/optimizer';
import { optimizerNames, optimizers } from '../optimizers/registry';
import { rmsprop } from '../optimizers/rmsprop';
import { sgd } from '../optimizers/sgd';

/** An update rule to compile with, as plain data: its name and hyperparameters, checked. */
export class Optimizer {
  constructor(readonly spec: OptimizerSpec) {}
  get name(): string {
    return this.spec.name;
  }
  get learningRate(): number {
    return this.spec.learningRate;
  }
}

/** Gradient descent, the lesson's update: w ← w − α·g. Default α = 0.01, as in Keras. */
export class SGD extends Optimizer {
  constructor(options?: { learningRate?: number }) {
    super(sgd.parse(options));
  }
}

/** Adam (TensorFlow.js's form); Keras defaults: α 0.001, β1 0.9, β2 0.999, ε 1e-7. */
export class Adam extends Optimizer {
  constructor(options?: { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number }) {
    super(adam.parse(options));
  }
}

/** RMSprop (TensorFlow.js's form); Keras defaults: α 0.001, ρ 0.9, ε 1e-7. */
export class RMSprop extends Optimizer {
  constructor(options?: { learningRate?: number; rho?: number; epsilon?: number }) {
    super(rmsprop.parse(options));
  }
}

export function toOptimizer(argument: string, value: unknown): Optimizer {
  if (value instanceof Optimizer) return value;
  if (typeof value === 'string' && optimizerNames.includes(value)) return new Optimizer(optimizers[value].parse(undefined));
  throw invalid(argument, `an Optimizer (new SGD({ learningRate }), new Adam(), new RMSprop()) or ${optimizerNames.map((n) => `'${n}'`).join(', ')}`, value);
}
