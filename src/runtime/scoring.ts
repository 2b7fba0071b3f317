// Where a pass's scores lie. The scores buffer holds, for every epoch position, each value the output's kernels add
// up: the loss (times the row's sample weight), the row's weight where a weighted metric needs Σ w, each metric's
// values. The reductions turn them into sums, and the curve kernel bins the curves' (AUC). From those, `scores`
// computes the loss and the metrics as the CPU reference does (metrics/sums.ts), for a pass or, from the positions'
// values, for each batch.
import type { Scores } from '../backend';
import { aucBins } from '../metrics/confusion';
import type { MetricDefinition } from '../metrics/metric';
import { type CompiledMetric, metricDefinition } from '../metrics/registry';
import { metricResults } from '../metrics/sums';

/** A value the output's kernels write at each epoch position: per output element or per row. */
export interface Stat {
  /** For people: 'loss', 'weight', a metric's name (and which of its sums). */
  name: string;
  offset: number;
  per: 'element' | 'row';
  /** Whether it is written times the row's sample weight. */
  weighted: boolean;
  /**
   * Its WGSL: an element's, the body of fn(a: vec4f, y: vec4f) -> vec4f; a row's, of fn(row: u32, source: u32) -> f32.
   * The loss's is the head's own (empty here).
   */
  wgsl: string;
}

interface ScoredMetric {
  spec: CompiledMetric;
  definition: MetricDefinition;
  /** Its sums' values, or its curve's: the prediction and the labels, y and 1 − y (times the weight if weighted). */
  stats: Stat[];
}

export class Scoring {
  /** The loss of each element (element-wise losses) or row (row losses). */
  readonly loss: Stat;
  /** Each row's sample weight, where a weighted metric divides by Σ w. */
  readonly weight: Stat | undefined;
  readonly metrics: ScoredMetric[];
  /** Floats of the scores buffer. */
  readonly floats: number;
  /** What the reductions write, in order: each summed stat's sum, then each curve's bins. */
  readonly resultFloats: number;

  /** `sampleWeighted`: whether the pass's rows carry sample weights. */
  constructor(
    specs: CompiledMetric[],
    readonly positions: number,
    readonly units: number,
    lossPer: 'element' | 'row',
    sampleWeighted: boolean,
  ) {
    let offset = 0;
    const stat = (name: string, per: 'element' | 'row', weighted: boolean, wgsl: string): Stat => {
      const s = { name, offset, per, weighted, wgsl };
      offset += positions * (per === 'element' ? units : 1);
      return s;
    };
    this.loss = stat('loss', lossPer, sampleWeighted, '');
    this.weight = sampleWeighted && specs.some((spec) => spec.weighted) ? stat('weight', 'row', true, 'return 1.0;') : undefined;
    this.metrics = specs.map((spec) => {
      const definition = metricDefinition(spec);
      const weighted = sampleWeighted && spec.weighted;
      const stats = definition.curve
        ? [stat(`${spec.key} predictions`, 'element', false, 'return a;'), stat(`${spec.key} positives`, 'element', weighted, 'return y;'), stat(`${spec.key} negatives`, 'element', weighted, 'return 1.0 - y;')]
        : definition.sums.map((sum, k) => stat(definition.sums.length > 1 ? `${spec.key} ${k}` : spec.key, definition.shape, weighted, sum.wgsl));
      return { spec, definition, stats };
    });
    this.floats = offset;
    this.resultFloats = this.summed().length + this.curves().reduce((sum, c) => sum + 2 * c.thresholds.length, 0);
  }

  /** Every stat the kernels write. */
  all(): Stat[] {
    return [this.loss, ...(this.weight ? [this.weight] : []), ...this.metrics.flatMap((m) => m.stats)];
  }

  /** The stats the reductions sum, in the order of their sums in the results. */
  summed(): Stat[] {
    return [this.loss, ...(this.weight ? [this.weight] : []), ...this.metrics.flatMap((m) => (m.definition.curve ? [] : m.stats))];
  }

  /** Each curve: its thresholds, its three stats, and where its bins go in the results. */
  curves(): { thresholds: number[]; stats: Stat[]; result: number }[] {
    let result = this.summed().length;
    return this.metrics.flatMap(({ definition, stats }) => {
      if (!definition.curve) return [];
      const curve = { thresholds: definition.curve, stats, result };
      result += 2 * definition.curve.length;
      return [curve];
    });
  }

  /** Values in the scores buffer of a stat over the pass. */
  count(stat: Stat): number {
    return this.positions * (stat.per === 'element' ? this.units : 1);
  }

  /** A pass's scores from the reductions' results, over `rows` rows. */
  scores(results: ArrayLike<number>, rows: number): Scores {
    let next = this.weight ? 2 : 1;
    const curves = this.curves();
    const sums = this.metrics.map(({ definition }) => {
      if (!definition.curve) return definition.sums.map(() => results[next++]);
      const { result, thresholds } = curves.shift()!;
      return Array.from({ length: 2 * thresholds.length }, (_, k) => results[result + k]);
    });
    return this.finish(results[0], this.weight ? results[1] : rows, sums, rows);
  }

  /** One batch's scores from every position's values, the batch being `rows` rows from epoch position `rowStart`. */
  batch(values: Float32Array, rowStart: number, rows: number): Scores {
    const range = (stat: Stat) => {
      const per = stat.per === 'element' ? this.units : 1;
      return values.subarray(stat.offset + rowStart * per, stat.offset + (rowStart + rows) * per);
    };
    const sum = (stat: Stat) => range(stat).reduce((s, v) => s + v, 0);
    const sums = this.metrics.map(({ definition, stats }) => {
      if (!definition.curve) return stats.map(sum);
      const [p, positives, negatives] = stats.map(range);
      return aucBins(definition.curve, p, positives, negatives);
    });
    return this.finish(sum(this.loss), this.weight ? sum(this.weight) : rows, sums, rows);
  }

  /** The loss (Keras's Σ w · L ÷ rows, L the mean over a row's outputs) and the metrics. */
  private finish(loss: number, weight: number, sums: number[][], rows: number): Scores {
    const perRow = this.loss.per === 'element' ? this.units : 1;
    return { loss: loss / (rows * perRow), ...metricResults(this.metrics.map((m) => m.spec), sums, rows, weight, this.units) };
  }
}
