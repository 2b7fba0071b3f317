import type { Backend, EpochLogs, FitRequest, NetworkSpec, Scores } from '../backend';
import type { Matrix } from '../matrix';
import { accuracy } from '../model/metrics';
import { type LayerParams, type OptimizerState, cost, forward, gatherRows, initialState, trainStep } from './network';

/** The 'cpu' backend: the reference network, trained batch by batch on the main thread. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly adapterInfo = undefined;
  private readonly params: LayerParams[];
  private readonly state: OptimizerState;

  constructor(
    private readonly spec: NetworkSpec,
    weights: Float32Array[],
  ) {
    this.params = spec.layers.map((_, l) => ({ weights: weights[2 * l].slice(), bias: weights[2 * l + 1].slice() }));
    this.state = initialState(this.params, spec.optimizer);
  }

  async getWeights(): Promise<Float32Array[]> {
    return this.params.flatMap((p) => [p.weights.slice(), p.bias.slice()]);
  }

  async setWeights(weights: Float32Array[]): Promise<void> {
    this.params.forEach((p, l) => {
      p.weights.set(weights[2 * l]);
      p.bias.set(weights[2 * l + 1]);
    });
  }

  async fit({ x, y, validation, epochs, batchSize, nextOrder, epochEnd, batchEnd }: FitRequest<Matrix>): Promise<void> {
    const [rows, inputs] = x.shape;
    const labels = y.shape[1];
    const { layers, loss, optimizer } = this.spec;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = nextOrder();
      const totals = { loss: 0, accuracy: 0 };
      for (let start = 0, batch = 0; start < rows; start += batchSize, batch++) {
        const m = Math.min(batchSize, rows - start);
        const xb = gatherRows(x.data, inputs, order, start, m);
        const yb = gatherRows(y.data, labels, order, start, m);
        const step = trainStep(layers, this.params, loss, optimizer, this.state, xb, yb, m);
        const scores = this.scores(step.cost, step.output, yb, m);
        totals.loss += m * scores.loss;
        totals.accuracy += m * (scores.accuracy ?? 0);
        await batchEnd?.(batch, scores);
      }
      // The epoch's scores are the row-weighted means of its batches', each taken before its update.
      const logs: EpochLogs = this.scores(totals.loss / rows, undefined, undefined, rows, totals.accuracy / rows);
      if (validation) {
        const v = await this.evaluate(validation.x, validation.y);
        logs.val_loss = v.loss;
        if (v.accuracy !== undefined) logs.val_accuracy = v.accuracy;
      }
      if (await epochEnd(epoch, logs)) return;
    }
  }

  async predict(x: Matrix): Promise<Matrix> {
    const { activations } = forward(this.spec.layers, this.params, x.data, x.shape[0]);
    const output = activations[activations.length - 1];
    return { shape: [x.shape[0], output.length / x.shape[0]], data: output };
  }

  async evaluate(x: Matrix, y: Matrix): Promise<Scores> {
    const m = x.shape[0];
    const { layers, loss } = this.spec;
    const pass = forward(layers, this.params, x.data, m);
    const output = pass.activations[layers.length - 1];
    return this.scores(cost(loss, layers[layers.length - 1], pass, y.data, m), output, y.data, m);
  }

  dispose(): void {}

  /** A loss with the accuracy the compile asked for, computed from `output` or given. */
  private scores(loss: number, output: Float32Array | undefined, y: Float32Array | undefined, m: number, given?: number): Scores {
    const kind = this.spec.accuracy;
    if (!kind) return { loss };
    return { loss, accuracy: given ?? accuracy(kind, output!, y!, m) };
  }
}
