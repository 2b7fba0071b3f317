import type { Backend, FitRequest, NetworkSpec } from '../backend';
import type { Matrix } from '../matrix';
import { type LayerParams, cost, forward, gatherRows, trainStep } from './network';

/** The 'cpu' backend: the reference network, trained batch by batch on the main thread. */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly adapterInfo = undefined;
  private readonly params: LayerParams[];

  constructor(
    private readonly spec: NetworkSpec,
    weights: Float32Array[],
  ) {
    this.params = spec.layers.map((_, l) => ({ weights: weights[2 * l].slice(), bias: weights[2 * l + 1].slice() }));
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

  async fit({ x, y, epochs, batchSize, nextOrder, epochEnd }: FitRequest<Matrix>): Promise<void> {
    const [rows, inputs] = x.shape;
    const outputs = y.shape[1];
    const { layers, loss, optimizer } = this.spec;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const order = nextOrder();
      let weightedLoss = 0;
      for (let start = 0; start < rows; start += batchSize) {
        const m = Math.min(batchSize, rows - start);
        const xb = gatherRows(x.data, inputs, order, start, m);
        const yb = gatherRows(y.data, outputs, order, start, m);
        weightedLoss += m * trainStep(layers, this.params, loss, optimizer.learningRate, xb, yb, m);
      }
      if (await epochEnd(epoch, weightedLoss / rows)) return;
    }
  }

  async predict(x: Matrix): Promise<Matrix> {
    const activations = forward(this.spec.layers, this.params, x.data, x.shape[0]);
    const output = activations[activations.length - 1];
    return { shape: [x.shape[0], output.length / x.shape[0]], data: output };
  }

  async evaluate(x: Matrix, y: Matrix): Promise<number> {
    return cost(this.spec.loss, (await this.predict(x)).data, y.data);
  }

  dispose(): void {}
}
