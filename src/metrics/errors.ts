import { type MetricDefinition, weightedMean } from './metric';

/** Mean squared error: (a − y)², the mean over each row's outputs, then over the rows. */
export const meanSquaredError = (): MetricDefinition => ({
  shape: 'element',
  sums: [{ value: (a, y) => ((a as number) - (y as number)) ** 2, wgsl: 'return (a - y) * (a - y);' }],
  result: weightedMean('element'),
  direction: 'down',
});

/** Mean absolute error: |a − y|, the mean over each row's outputs, then over the rows. */
export const meanAbsoluteError = (): MetricDefinition => ({
  shape: 'element',
  sums: [{ value: (a, y) => Math.abs((a as number) - (y as number)), wgsl: 'return abs(a - y);' }],
  result: weightedMean('element'),
  direction: 'down',
});
