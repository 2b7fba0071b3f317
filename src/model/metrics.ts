// The metrics a compile may ask for: names (TF.js's, Keras's, 'accuracy', 'mse', ...) or { name, ...options }.
import { invalid } from '../errors';
import { type LossName, losses } from '../losses/registry';
import { type CompiledMetric, type MetricName, accuracyFor, aliases, metricOptions } from '../metrics/registry';

/** A metric as users give it: its name, or an object with its name and options (k, thresholds, numThresholds). */
export type MetricLike = string | ({ name: string } & Record<string, number | string>);

/**
 * The metrics to report, with their names in the history; 'accuracy' is the accuracy Keras picks for the loss.
 * `weighted`: compile's weightedMetrics, which the rows' sample weights weigh.
 */
export function checkMetrics(argument: string, value: unknown, loss: LossName, units: number, weighted = false): CompiledMetric[] {
  if (value === undefined) return [];
  const known = ['accuracy', ...Object.keys(aliases)].map((n) => `'${n}'`).join(', ');
  if (!Array.isArray(value)) throw invalid(argument, `an array of metric names (${known})`, value);
  const definition = losses[loss];
  const classIndices = definition.shape === 'row' && definition.labels === 'index';
  const specs = value.map((entry, i) => {
    const at = `${argument}[${i}]`;
    const name = typeof entry === 'object' && entry !== null ? (entry as { name?: unknown }).name : entry;
    if (name === 'accuracy' || name === 'acc') return { key: name, metric: accuracyFor(loss, classIndices, units), config: {}, weighted };
    if (typeof name !== 'string' || !Object.hasOwn(aliases, name)) throw invalid(at, `a metric name: ${known}`, entry);
    const { metric, key } = aliases[name];
    if (metric === 'sparseCategoricalAccuracy' && !classIndices) throw invalid(at, 'class indices for labels (sparseCategoricalCrossentropy) for sparse_categorical_accuracy', name);
    const options = metricOptions[metric as MetricName] ?? {};
    const config: Record<string, number> = {};
    for (const [option, v] of Object.entries(typeof entry === 'object' ? entry : {})) {
      if (option === 'name') continue;
      const check = options[option];
      if (!check) throw invalid(`${at}.${option}`, `one of the options of ${name}: ${Object.keys(options).join(', ') || 'none'}`, option);
      if (typeof v !== 'number' || !check(v)) throw invalid(`${at}.${option}`, `a valid ${option} for ${name}`, v);
      config[option] = v;
    }
    return { key, metric, config, weighted };
  });
  specs.forEach(({ key }, i) => {
    if (specs.findIndex((s) => s.key === key) !== i) throw invalid(`${argument}[${i}]`, 'metrics with different names in the history', key);
  });
  return specs;
}

/** compile's metrics and weightedMetrics together; a weighted metric named as an unweighted one is 'weighted_' + its name. */
export function compiledMetrics(metrics: unknown, weightedMetrics: unknown, loss: LossName, units: number): CompiledMetric[] {
  const plain = checkMetrics('compile({ metrics })', metrics, loss, units);
  const weighted = checkMetrics('compile({ weightedMetrics })', weightedMetrics, loss, units, true).map((m) => (plain.some((p) => p.key === m.key) ? { ...m, key: `weighted_${m.key}` } : m));
  return [...plain, ...weighted];
}
