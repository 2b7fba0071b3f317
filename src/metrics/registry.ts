// Every metric, by its Keras name, and what 'accuracy' means for a given loss and output.
import { binaryAccuracy, categoricalAccuracy } from './accuracy';
import type { MetricDefinition } from './metric';

export const metrics = {
  binaryAccuracy,
  categoricalAccuracy,
  // With class indices for labels, which every pass turns into one-hot rows before scoring.
  sparseCategoricalAccuracy: categoricalAccuracy,
} satisfies Record<string, MetricDefinition>;

export type MetricName = keyof typeof metrics;

/**
 * The accuracy that 'accuracy' means, as Keras picks it: sparse categorical for integer class labels, binary for a
 * single output unit or binary cross-entropy, categorical otherwise.
 */
export function accuracyFor(loss: string, classIndices: boolean, units: number): MetricName {
  if (classIndices) return 'sparseCategoricalAccuracy';
  if (units === 1 || loss === 'binaryCrossentropy') return 'binaryAccuracy';
  return 'categoricalAccuracy';
}
