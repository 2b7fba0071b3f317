import type { Backend, EpochLogs, FitRequest, Scored, Scores } from '../backend';
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

  async fit({ x, y, sampleWeight, validation, epochs, batchSize, nextOrder, epochBegin, epochEnd, batchEnd }: FitRequest<Matrix>): Promise<void> {
    const [rows, inputs] = x.shape;
    const labels = y.shape[1];
    for (let epoch = 0; epoch < epochs; epoch++) {
      await epochBegin?.(epoch);
      const order = nextOrder();
      let epochTotals: Totals | undefined;
      for (let start = 0, batch = 0; start < rows; start += batchSize, batch++) {
        const m = Math.min(batchSize, rows - start);
        const xb = gatherRows(x.data, inputs, order, start, m);
        const yb = gatherRows(y.data, labels, order, start, m);
        const wb = sampleWeight && gatherRows(sampleWeight.data, 1, order, start, m);
        const step = trainStep(this.spec, this.weights, this.state, xb, yb, m, wb);
        // The epoch's loss is the row-weighted mean of its batches' (each taken before its update, with the penalty
        // at that step's weights), its metrics those of its sums over every batch.
        const totals = this.totals(step.cost, step.output, yb, m, wb);
        epochTotals = epochTotals ? add(epochTotals, totals) : totals;
        await batchEnd?.(batch, this.scores(totals));
      }
      const logs: EpochLogs = this.scores(epochTotals!);
      if (validation?.freq(epoch)) {
        const v = await this.evaluate(validation);
        for (const [key, value] of Object.entries(v)) logs[`val_${key}`] = value;
      }
      if (await epochEnd(epoch, logs)) return;
    }
  }

  async predict(x: Matrix): Promise<Matrix> {
    const { activations } = forward(this.spec.layers, this.weights, x.data, x.shape[0]);
    const output = activations[activations.length - 1];
    return { shape: [x.shape[0], output.length / x.shape[0]], data: output };
  }

  async evaluate({ x, y, sampleWeight }: Scored<Matrix>): Promise<Scores> {
    const m = x.shape[0];
    const { layers } = this.spec;
    const pass = forward(layers, this.weights, x.data, m);
    const J = cost(layers, losses[this.spec.loss], pass, y.data, m, sampleWeight?.data) + networkPenalty(layers, this.weights);
    return this.scores(this.totals(J, pass.activations[layers.length - 1], y.data, m, sampleWeight?.data));
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
