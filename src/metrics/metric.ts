// What a metric is: a score of the outputs against the labels, averaged over the elements (element-wise outputs)
// or over the rows, and reported per batch, per epoch and per evaluation beside the loss. Each metric gives its
// formula once in TypeScript (the CPU reference) and once in WGSL (the kernels that score a pass), side by side.

export interface MetricDefinition {
  /** The metric of one output element against its label; WGSL: the body of fn(a: vec4f, y: vec4f) -> vec4f. */
  element?: { value(a: number, y: number): number; wgsl: string };
  /**
   * The metric of one row of outputs against its labels as a distribution over the units. WGSL: the body of
   * fn(row: u32, source: u32) -> f32, with the row kernel's `argmax_output(row)` and `argmax_label(source)` at hand.
   */
  row?: { value(a: ArrayLike<number>, y: ArrayLike<number>): number; wgsl: string };
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let j = 1; j < values.length; j++) if (values[j] > values[best]) best = j;
  return best;
}
