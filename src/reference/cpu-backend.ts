import type { Backend, EpochLogs, FitRequest, Scores } from '../backend';
import { networkPenalty, splitWeights } from '../layers/weights';
import { losses } from '../losses/registry';
import type { Matrix } from '../matrix';
import { metrics } from '../metrics/registry';
import type { NetworkSpec } from '../spec';
import { type LayerWeights, type OptimizerState, cost, forward, gatherRows, initialState, trainStep } from './network';
import { metricValue } from './scores';

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

  async fit({ x, y, validation, epochs, batchSize, nextOrder, epochEnd, batchEnd }: FitRequest<Matrix>): Promise<void> {
    const [rows, inputs] = x.shape;
    const labels = y.shape[1];
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = nextOrder();
      const totals: Record<string, number> = {};
      for (let start = 0, batch = 0; start < rows; start += batchSize, batch++) {
        const m = Math.min(batchSize, rows - start);
        const xb = gatherRows(x.data, inputs, order, start, m);
        const yb = gatherRows(y.data, labels, order, start, m);
        const step = trainStep(this.spec, this.weights, this.state, xb, yb, m);
        const scores = this.scores(step.cost, step.output, yb, m);
        for (const [key, value] of Object.entries(scores)) totals[key] = (totals[key] ?? 0) + m * value;
        await batchEnd?.(batch, scores);
      }
      // The epoch's scores are the row-weighted means of its batches', each taken before its update.
      const logs = Object.fromEntries(Object.entries(totals).map(([key, total]) => [key, total / rows])) as EpochLogs;
      if (validation) {
        const v = await this.evaluate(validation.x, validation.y);
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

  async evaluate(x: Matrix, y: Matrix): Promise<Scores> {
    const m = x.shape[0];
    const { layers } = this.spec;
    const pass = forward(layers, this.weights, x.data, m);
    const J = cost(layers, losses[this.spec.loss], pass, y.data, m) + networkPenalty(layers, this.weights);
    return this.scores(J, pass.activations[layers.length - 1], y.data, m);
  }

  async describeTrainingStep(): Promise<string> {
    return 'cpu reference: forward, backward and the update run as TypeScript loops';
  }

  dispose(): void {}

  /** A loss with the metrics the compile asked for, computed from the outputs. */
  private scores(loss: number, output: Float32Array, y: Float32Array, m: number): Scores {
    const scores: Scores = { loss };
    for (const { key, metric } of this.spec.metrics) scores[key] = metricValue(metrics[metric], losses[this.spec.loss], output, y, m);
    return scores;
  }
}

