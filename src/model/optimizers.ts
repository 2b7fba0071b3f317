// The optimizers as users write them: Keras's classes and names. Each rule, its state and its defaults are in
// src/optimizers; what they all take (weight decay, clipping) in src/optimizers/optimizer.ts.
import { invalid, positiveNumber } from '../errors';
import { adam } from '../optimizers/adam';
import { adamw } from '../optimizers/adamw';
import type { OptimizerOptions, OptimizerSpec } from '../optimizers/optimizer';
import { optimizerNames, optimizers } from '../optimizers/registry';
import { rmsprop } from '../optimizers/rmsprop';
import { sgd } from '../optimizers/sgd';

/** An update rule to compile with, as plain data: its name and hyperparameters, checked. */
export class Optimizer {
  constructor(readonly spec: OptimizerSpec) {}
  get name(): string {
    return this.spec.name;
  }
  /** The learning rate. Setting it between fits (or in a callback) takes effect at the next epoch; nothing is recompiled. */
  get learningRate(): number {
    return this.spec.learningRate;
  }
  set learningRate(value: number) {
    if (this.spec.schedule) throw invalid('optimizer.learningRate', 'an optimizer with a constant learning rate (this one follows a schedule)', value);
    this.spec.learningRate = positiveNumber('optimizer.learningRate', value);
  }
}

/** Gradient descent, the lesson's update: w ← w − α·g, or with momentum (Keras's). Default α = 0.01. */
export class SGD extends Optimizer {
  constructor(options?: OptimizerOptions & { momentum?: number; nesterov?: boolean }) {
    super(sgd.parse(options));
  }
}

/** Adam (TensorFlow.js's form); Keras defaults: α 0.001, β1 0.9, β2 0.999, ε 1e-7. */
export class Adam extends Optimizer {
  constructor(options?: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number }) {
    super(adam.parse(options));
  }
}

/** AdamW, Keras 3's: Adam with decoupled weight decay (default 0.004). */
export class AdamW extends Optimizer {
  constructor(options?: OptimizerOptions & { beta1?: number; beta2?: number; epsilon?: number }) {
    super(adamw.parse(options));
  }
}

/** RMSprop (TensorFlow.js's form); Keras defaults: α 0.001, ρ 0.9, ε 1e-7. */
export class RMSprop extends Optimizer {
  constructor(options?: OptimizerOptions & { rho?: number; epsilon?: number }) {
    super(rmsprop.parse(options));
  }
}

export function toOptimizer(argument: string, value: unknown): Optimizer {
  if (value instanceof Optimizer) return value;
  if (typeof value === 'string' && optimizerNames.includes(value)) return new Optimizer(optimizers[value].parse(undefined));
  throw invalid(argument, `an Optimizer (new SGD({ learningRate }), new Adam(), ...) or ${optimizerNames.map((n) => `'${n}'`).join(', ')}`, value);
}
