import type { Backend, EpochLogs, FitRequest, Scored, Scores, StreamRequest } from '../backend';
import { networkPenalty, splitWeights } from '../layers/weights';
import { labelDistribution } from '../losses/loss';
import { losses } from '../losses/registry';
import type { Matrix } from '../matrix';
import { metricDefinition } from '../metrics/registry';
import { type MetricSums, addSums, metricResults, metricSums } from '../metrics/sums';
import type { NetworkSpec } from '../spec';
import { type LayerWeights, type OptimizerState, cost, forward, gatherRows, initialState, trainStep } from './network';

/** What a pass adds up: Σ over its batches of rows × their loss, each metric's sums, its rows and their total weight. */
interface Totals {
  loss: number;
  sums: MetricSums[];
  rows: number;
  weight: number;
}

/** The 'cpu' backend: the reference network, trained batch by batch on the main thread. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly adapterInfo = undefined;
  private readonly weights: LayerWeights[];
  private readonly state: OptimizerState;

  constructor(
    private readonly spec: NetworkSpec,
    weights: Float32Array[],
  ) {
    this.weights = splitWeights(spec.layers, weights.map((w) => w.slice()));
    this.state = initialState(this.weights, spec.optimizer);
  }

  async getWeights(): Promise<Float32Array[]> {
    return this.weights.flat().map((w) => w.slice());
  }

  async setWeights(weights: Float32Array[]): Promise<void> {
    this.weights.flat().forEach((w, i) => w.set(weights[i]));
  }

  /** fit's epochs: the rows in each epoch's order, cut into batches, trained as fitDataset trains on batches. */
  async fit({ x, y, sampleWeight, batchSize, nextOrder, ...run }: FitRequest<Matrix>): Promise<void> {
    const [rows, inputs] = x.shape;
    const labels = y.shape[1];
    async function* batches(): AsyncGenerator<Scored<Matrix>> {
      const order = nextOrder();
      for (let start = 0; start < rows; start += batchSize) {
        const m = Math.min(batchSize, rows - start);
        yield {
          x: { shape: [m, inputs], data: gatherRows(x.data, inputs, order, start, m) },
          y: { shape: [m, labels], data: gatherRows(y.data, labels, order, start, m) },
          sampleWeight: sampleWeight && { shape: [m, 1], data: gatherRows(sampleWeight.data, 1, order, start, m) },
        };
      }
    }
    await this.fitStream({ ...run, batches });
  }

  /**
   * Batch by batch: each batch's step, its logs, and the epoch's, the row-weighted mean of its batches' losses (each
   * taken before its update, with the penalty at that step's weights) and its metrics from its sums over every
   * batch. An epoch that fails part-way (a bad batch) leaves the weights as it found them.
   */
  async fitStream({ epochs, batches, validation, epochBegin, epochEnd, batchEnd }: StreamRequest<Matrix>): Promise<void> {
    for (let epoch = 0; epoch < epochs; epoch++) {
      await epochBegin?.(epoch);
      const start = this.copy();
      let logs: EpochLogs | undefined;
      try {
        let epochTotals: Totals | undefined;
        let batch = 0;
        for await (const { x, y, sampleWeight } of batches(epoch)) {
          const m = x.shape[0];
          const step = trainStep(this.spec, this.weights, this.state, x.data, y.data, m, sampleWeight?.data);
          const totals = this.totals(step.cost, step.output, y.data, m, sampleWeight?.data);
          epochTotals = epochTotals ? add(epochTotals, totals) : totals;
          await batchEnd?.(batch++, this.scores(totals));
        }
        if (!epochTotals) return;
        logs = this.scores(epochTotals);
        if (validation?.freq(epoch)) {
          const v = 'batches' in validation ? await this.evaluateBatches(validation.batches(epoch)) : this.scores(this.evaluation(validation));
          for (const [key, value] of Object.entries(v)) logs[`val_${key}`] = value;
        }
      } catch (error) {
        this.restore(start);
        throw error;
      }
      if (await epochEnd(epoch, logs)) return;
    }
  }

  async predict(x: Matrix): Promise<Matrix> {
    const { activations } = forward(this.spec.layers, this.weights, x.data, x.shape[0]);
    const output = activations[activations.length - 1];
    return { shape: [x.shape[0], output.length / x.shape[0]], data: output };
  }

  async evaluate(data: Scored<Matrix>): Promise<Scores> {
    return this.scores(this.evaluation(data));
  }

  /** What scoring rows adds up: their loss (with the weights' penalty, as Keras reports it) and metric sums. */
  private evaluation({ x, y, sampleWeight }: Scored<Matrix>): Totals {
    const m = x.shape[0];
    const { layers } = this.spec;
    const pass = forward(layers, this.weights, x.data, m);
    const J = cost(layers, losses[this.spec.loss], pass, y.data, m, sampleWeight?.data) + networkPenalty(layers, this.weights);
    return this.totals(J, pass.activations[layers.length - 1], y.data, m, sampleWeight?.data);
  }

  /** The scores of batches taken together, as of their rows in one pass. */
  private async evaluateBatches(batches: AsyncIterable<Scored<Matrix>>): Promise<Scores> {
    let totals: Totals | undefined;
    for await (const batch of batches) {
      const t = this.evaluation(batch);
      totals = totals ? add(totals, t) : t;
    }
    return this.scores(totals!);
  }

  /** The weights and the optimizer's state, copied. */
  private copy(): { weights: Float32Array[][]; slots: Float32Array[][][]; iterations: number } {
    const { slots, iterations } = this.state;
    return { weights: this.weights.map((layer) => layer.map((w) => w.slice())), slots: slots.map((layer) => layer.map((s) => s.map((v) => v.slice()))), iterations };
  }

  private restore({ weights, slots, iterations }: ReturnType<CpuBackend['copy']>): void {
    this.weights.forEach((layer, l) => layer.forEach((w, k) => w.set(weights[l][k])));
    this.state.slots.forEach((layer, l) => layer.forEach((s, k) => s.forEach((v, j) => v.set(slots[l][k][j]))));
    this.state.iterations = iterations;
  }

  async describeTrainingStep(): Promise<string> {
    return 'cpu reference: forward, backward and the update run as TypeScript loops';
  }

  dispose(): void {}

  /** What a batch of m rows adds up, from its loss, its outputs, its labels and its rows' weights. */
  private totals(loss: number, output: Float32Array, y: Float32Array, m: number, weights?: Float32Array): Totals {
    const definition = losses[this.spec.loss];
    const units = output.length / m;
    const columns = y.length / m;
    // Row metrics see the labels as distributions over the units (one-hot for class indices).
    const labels = (r: number) => {
      const row = y.subarray(r * columns, (r + 1) * columns);
      return definition.shape === 'row' ? labelDistribution(definition, row, units) : row;
    };
    const sums = this.spec.metrics.map((spec) => metricSums(metricDefinition(spec), output, labels, m, spec.weighted ? weights : undefined));
    return { loss: loss * m, sums, rows: m, weight: weights ? weights.reduce((s, w) => s + w, 0) : m };
  }

  private scores(totals: Totals): Scores {
    const units = this.spec.layers[this.spec.layers.length - 1].units;
    return { loss: totals.loss / totals.rows, ...metricResults(this.spec.metrics, totals.sums, totals.rows, totals.weight, units) };
  }
}

const add = (a: Totals, b: Totals): Totals => ({ loss: a.loss + b.loss, sums: a.sums.map((s, k) => addSums(s, b.sums[k])), rows: a.rows + b.rows, weight: a.weight + b.weight });
