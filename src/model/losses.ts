// The losses as users name them: classes and strings, Keras's names. Their mathematics is in src/losses.
import { WebGPUNNError, invalid } from '../errors';
import { type LossName, lossNames, losses } from '../losses/registry';

/** A loss to compile with; its formulas, for the CPU and the GPU, are in src/losses. */
export class Loss {
  constructor(readonly name: LossName) {}
}

/** −y·log(a) − (1 − y)·log(1 − a): the lesson's loss for binary classification, labels in [0, 1]. */
export class BinaryCrossentropy extends Loss {
  constructor() {
    super('binaryCrossentropy');
  }
}

/** (a − y)², the mean over each row's outputs. */
export class MeanSquaredError extends Loss {
  constructor() {
    super('meanSquaredError');
  }
}

/** −Σ y·log(a) over a softmax row, against one-hot or probability labels. */
export class CategoricalCrossentropy extends Loss {
  constructor() {
    super('categoricalCrossentropy');
  }
}

/** −log(a_c) over a softmax row, for a column of class indices c. */
export class SparseCategoricalCrossentropy extends Loss {
  constructor() {
    super('sparseCategoricalCrossentropy');
  }
}

export type { LossName };

export function toLoss(argument: string, value: unknown): Loss {
  if (value instanceof Loss) return value;
  if (typeof value === 'string' && lossNames.includes(value as LossName)) return new Loss(value as LossName);
  throw invalid(argument, `a Loss (new BinaryCrossentropy(), ...) or one of ${lossNames.map((n) => `'${n}'`).join(', ')}`, value);
}

/** Throws unless the network's output activation suits the loss: the row losses and softmax go together. */
export function checkOutputActivation(loss: LossName, activation: string): void {
  const rowLoss = losses[loss].shape === 'row';
  if (rowLoss && activation !== 'softmax') {
    throw new WebGPUNNError('INVALID_ARGUMENT', `compile({ loss }): expected a last layer with activation 'softmax' for ${loss}, got '${activation}'`);
  }
  if (!rowLoss && activation === 'softmax') {
    throw new WebGPUNNError('INVALID_ARGUMENT', `compile({ loss }): expected categoricalCrossentropy or sparseCategoricalCrossentropy for a softmax output layer, got ${loss}`);
  }
}
