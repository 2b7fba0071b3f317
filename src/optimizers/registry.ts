// Every optimizer, by the name Keras gives it in strings ('sgd', 'adam', 'adamw', 'rmsprop').
import { adam } from './adam';
import { adamw } from './adamw';
import type { OptimizerDefinition, OptimizerSpec } from './optimizer';
import { rmsprop } from './rmsprop';
import { sgd } from './sgd';

export const optimizers: Record<string, OptimizerDefinition> = { sgd, adam, adamw, rmsprop };

export const optimizerNames = Object.keys(optimizers);

export function optimizerDefinition(spec: OptimizerSpec): OptimizerDefinition<OptimizerSpec> {
  return optimizers[spec.name];
}
