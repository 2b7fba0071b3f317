// The metrics a compile may ask for, and which one 'accuracy' means for its loss and output.
import { invalid } from '../errors';
import { type LossName, losses } from '../losses/registry';
import { type MetricName, accuracyFor } from '../metrics/registry';

/** The metrics to report, by their names in the history: ['accuracy'] is the accuracy Keras picks for the loss. */
export function checkMetrics(argument: string, value: unknown, loss: LossName, units: number): { key: string; metric: MetricName }[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((m) => m === 'accuracy' || m === 'acc')) throw invalid(argument, "an array of metric names: ['accuracy']", value);
  const definition = losses[loss];
  const classIndices = definition.shape === 'row' && definition.labels === 'index';
  return value.length > 0 ? [{ key: 'accuracy', metric: accuracyFor(loss, classIndices, units) }] : [];
}
