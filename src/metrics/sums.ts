// A pass's metrics from what it added up, the same for the GPU (whose kernels add up each epoch position's values)
// and the CPU reference (which adds them up batch by batch): each metric's sums (or, for a curve, its bins), and
// the total weight of the pass's rows.
import { aucBins } from './confusion';
import type { MetricDefinition } from './metric';
import { type CompiledMetric, metricDefinition } from './registry';

/** What a pass adds up for one metric: its sums, or its curve's bins. */
export type MetricSums = number[];

/**
 * The metrics by their history names, from their sums over a pass of `rows` rows whose sample weights add up to
 * `weight`: a weighted metric is Σ w · v ÷ Σ w, any other Σ v ÷ rows.
 */
export function metricResults(specs: CompiledMetric[], sums: MetricSums[], rows: number, weight: number, units: number): Record<string, number> {
  return Object.fromEntries(specs.map((spec, k) => [spec.key, metricDefinition(spec).result(sums[k], spec.weighted ? weight : rows, units)]));
}

/**
 * One metric's sums over m rows of outputs [m × units] against their labels (as distributions over the units, for
 * row metrics), each row's values times its weight where `weights` are given.
 */
export function metricSums(definition: MetricDefinition, output: Float32Array, labels: (r: number) => ArrayLike<number>, m: number, weights?: Float32Array): MetricSums {
  const units = output.length / m;
  const row = (r: number) => output.subarray(r * units, (r + 1) * units);
  const weight = (r: number) => (weights ? weights[r] : 1);
  if (definition.curve) {
    const p: number[] = [];
    const [positives, negatives]: number[][] = [[], []];
    for (let r = 0; r < m; r++) {
      const [a, y, w] = [row(r), labels(r), weight(r)];
      for (let j = 0; j < units; j++) {
        p.push(a[j]);
        positives.push(w * y[j]);
        negatives.push(w * (1 - y[j]));
      }
    }
    return aucBins(definition.curve, p, positives, negatives);
  }
  return definition.sums.map((sum) => {
    let total = 0;
    for (let r = 0; r < m; r++) {
      const [a, y, w] = [row(r), labels(r), weight(r)];
      if (definition.shape === 'row') total += w * sum.value(a, y);
      else for (let j = 0; j < units; j++) total += w * sum.value(a[j], y[j]);
    }
    return total;
  });
}

/** Two passes' sums together. */
export const addSums = (a: MetricSums, b: MetricSums): MetricSums => a.map((v, i) => v + b[i]);
