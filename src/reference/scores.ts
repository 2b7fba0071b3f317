// The metrics of a batch of outputs against their labels, in the CPU reference: each metric's mean over the
// elements (element metrics) or the rows (row metrics), the rows' labels taken as distributions over the units.
import { type LossMath, labelDistribution } from '../losses/loss';
import type { MetricDefinition } from '../metrics/metric';

export function metricValue(metric: MetricDefinition, loss: LossMath, output: Float32Array, y: Float32Array, m: number): number {
  const units = output.length / m;
  const labels = y.length / m;
  let sum = 0;
  for (let r = 0; r < m; r++) {
    const a = output.subarray(r * units, (r + 1) * units);
    const yr = y.subarray(r * labels, (r + 1) * labels);
    if (metric.element) {
      for (let j = 0; j < units; j++) sum += metric.element.value(a[j], yr[j]) / units;
    } else {
      sum += metric.row!.value(a, loss.shape === 'row' ? labelDistribution(loss, yr, units) : yr);
    }
  }
  return sum / m;
}
