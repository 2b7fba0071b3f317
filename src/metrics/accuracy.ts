import { type MetricDefinition, argmax, weightedMean } from './metric';

/** Binary accuracy: whether the output, above `threshold` (0.5), equals the label (0 or 1). */
export const binaryAccuracy = ({ threshold = 0.5 }: { threshold?: number } = {}): MetricDefinition => ({
  shape: 'element',
  sums: [
    {
      value: (a, y) => Number(((a as number) > threshold ? 1 : 0) === y),
      wgsl: `return select(vec4f(), vec4f(1.0), select(vec4f(), vec4f(1.0), a > vec4f(${threshold})) == y);`,
    },
  ],
  result: weightedMean('element'),
  direction: 'up',
});

/** Categorical accuracy: whether the largest output is the label's class (the largest label, or the class index). */
export const categoricalAccuracy = (): MetricDefinition => ({
  shape: 'row',
  sums: [
    {
      value: (a, y) => Number(argmax(a as ArrayLike<number>) === argmax(y as ArrayLike<number>)),
      wgsl: 'return select(0.0, 1.0, argmax_output(row) == argmax_label(source));',
    },
  ],
  result: weightedMean('row'),
  direction: 'up',
});

/**
 * Top-k categorical accuracy: whether the label's class is among the k largest outputs (k = 5), an output equal to
 * the k-th largest counting as among them, as TensorFlow's in_top_k does.
 */
export const topKCategoricalAccuracy = ({ k = 5 }: { k?: number } = {}): MetricDefinition => ({
  shape: 'row',
  sums: [
    {
      value(a, y) {
        const row = a as ArrayLike<number>;
        const target = row[argmax(y as ArrayLike<number>)];
        let above = 0;
        for (let j = 0; j < row.length; j++) if (row[j] > target) above++;
        return Number(above < k);
      },
      wgsl: `let labelled = output_at(row, argmax_label(source));
  var above = 0u;
  for (var j = 0u; j < UNITS; j++) { if (output_at(row, j) > labelled) { above++; } }
  return select(0.0, 1.0, above < ${k}u);`,
    },
  ],
  result: weightedMean('row'),
  direction: 'up',
});
