// Every metric, by the names users give it (TF.js's camelCase, Keras's snake_case, the short ones), the history's
// name for each (Keras's), and what 'accuracy' means for a loss and an output.
import { binaryAccuracy, categoricalAccuracy, topKCategoricalAccuracy } from './accuracy';
import { auc, precision, recall } from './confusion';
import { meanAbsoluteError, meanSquaredError } from './errors';
import type { MetricDefinition } from './metric';

export const metrics = {
  binaryAccuracy,
  categoricalAccuracy,
  // With class indices for labels, which every pass turns into one-hot rows before scoring.
  sparseCategoricalAccuracy: categoricalAccuracy,
  topKCategoricalAccuracy,
  meanSquaredError,
  meanAbsoluteError,
  precision,
  recall,
  auc,
} satisfies Record<string, (config: never) => MetricDefinition>;

export type MetricName = keyof typeof metrics;

/** A metric as plain data: which one, with its options (k, thresholds, numThresholds). */
export interface MetricSpec {
  metric: MetricName;
  config: Record<string, number>;
}

/** A metric as compiled: its history name, and whether the rows' sample weights weigh it (compile's weightedMetrics). */
export interface CompiledMetric extends MetricSpec {
  key: string;
  weighted: boolean;
}

export function metricDefinition({ metric, config }: MetricSpec): MetricDefinition {
  return (metrics[metric] as (config: Record<string, number>) => MetricDefinition)(config);
}

/** The options each metric takes, and their checks. */
export const metricOptions: Partial<Record<MetricName, Record<string, (v: number) => boolean>>> = {
  binaryAccuracy: { threshold: (v) => v > 0 && v < 1 },
  topKCategoricalAccuracy: { k: (v) => Number.isInteger(v) && v >= 1 },
  precision: { thresholds: (v) => v >= 0 && v <= 1 },
  recall: { thresholds: (v) => v >= 0 && v <= 1 },
  auc: { numThresholds: (v) => Number.isInteger(v) && v > 1 && v <= 10_000 },
};

/** Names users write for each metric, and the history's name Keras gives it. */
export const aliases: Record<string, { metric: MetricName; key: string }> = {
  binaryAccuracy: { metric: 'binaryAccuracy', key: 'binary_accuracy' },
  binary_accuracy: { metric: 'binaryAccuracy', key: 'binary_accuracy' },
  categoricalAccuracy: { metric: 'categoricalAccuracy', key: 'categorical_accuracy' },
  categorical_accuracy: { metric: 'categoricalAccuracy', key: 'categorical_accuracy' },
  sparseCategoricalAccuracy: { metric: 'sparseCategoricalAccuracy', key: 'sparse_categorical_accuracy' },
  sparse_categorical_accuracy: { metric: 'sparseCategoricalAccuracy', key: 'sparse_categorical_accuracy' },
  topKCategoricalAccuracy: { metric: 'topKCategoricalAccuracy', key: 'top_k_categorical_accuracy' },
  top_k_categorical_accuracy: { metric: 'topKCategoricalAccuracy', key: 'top_k_categorical_accuracy' },
  mse: { metric: 'meanSquaredError', key: 'mse' },
  meanSquaredError: { metric: 'meanSquaredError', key: 'mean_squared_error' },
  mean_squared_error: { metric: 'meanSquaredError', key: 'mean_squared_error' },
  mae: { metric: 'meanAbsoluteError', key: 'mae' },
  meanAbsoluteError: { metric: 'meanAbsoluteError', key: 'mean_absolute_error' },
  mean_absolute_error: { metric: 'meanAbsoluteError', key: 'mean_absolute_error' },
  precision: { metric: 'precision', key: 'precision' },
  recall: { metric: 'recall', key: 'recall' },
  auc: { metric: 'auc', key: 'auc' },
};

/**
 * The accuracy that 'accuracy' means, as Keras picks it: sparse categorical for integer class labels, binary for a
 * single output unit or binary cross-entropy, categorical otherwise.
 */
export function accuracyFor(loss: string, classIndices: boolean, units: number): MetricName {
  if (classIndices) return 'sparseCategoricalAccuracy';
  if (units === 1 || loss === 'binaryCrossentropy') return 'binaryAccuracy';
  return 'categoricalAccuracy';
}
