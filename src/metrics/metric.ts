// What a metric is: a score of the outputs against the labels, reported per batch, per epoch and per evaluation
// beside the loss. A metric adds up values over a pass: for each output element (element-wise metrics) or each row
// (metrics that need a whole row), each value times its row's weight (1 without sample weights); and turns those
// sums into its result (a weighted mean, a ratio). Each metric gives its values once in TypeScript (the CPU
// reference) and once in WGSL (the output's kernels write them at each epoch position), side by side. The area
// under the ROC curve instead keeps each element's prediction and weighted labels, which a curve kernel bins.

/** One value a metric adds up over a pass. WGSL bodies: element fn(a: vec4f, y: vec4f) -> vec4f; row fn(row: u32, source: u32) -> f32. */
export interface MetricSum {
  /** The value of one element, or of one row (its outputs and its labels as a distribution). */
  value(a: number | ArrayLike<number>, y: number | ArrayLike<number>): number;
  wgsl: string;
}

export interface MetricDefinition {
  /** 'element': one value per output element; 'row': one per row, with the row kernel's `argmax_output(row)`, `output_at(row, j)`, `label(source, j)` and `argmax_label(source)` at hand. */
  shape: 'element' | 'row';
  /** What it adds up. */
  sums: MetricSum[];
  /** The result from the sums over a pass, the pass's total row weight, and the output's units. */
  result(sums: number[], weight: number, units: number): number;
  /** Whether larger is better: what EarlyStopping's mode 'auto' follows. */
  direction: 'up' | 'down';
  /** For the area under the curve: the thresholds its kernel bins the predictions by (in float32). */
  curve?: number[];
}

/** A weighted mean over the elements (or rows) of the one value a metric adds up. */
export const weightedMean =
  (shape: 'element' | 'row') =>
  ([sum]: number[], weight: number, units: number): number =>
    sum / (weight * (shape === 'element' ? units : 1));

/** a ÷ b, 0 where b is 0 (Keras's divide_no_nan). */
export const ratio = ([a, b]: number[]) => (b > 0 ? a / b : 0);

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < values.length; j++) if (values[j] > values[best]) best = j;
  return best;
}
