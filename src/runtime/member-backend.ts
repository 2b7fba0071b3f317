// A Sequential on WebGPU: the group backend (gpu-backend.ts) with one member, behind the single model's interface.
import type { Backend, Data, FitRequest, Scored, Scores } from '../backend';
import type { Matrix } from '../matrix';
import type { NetworkSpec } from '../spec';
import { GpuBackend } from './gpu-backend';

export class MemberBackend implements Backend {
  readonly name = 'webgpu';

  static async create(spec: NetworkSpec, weights: Float32Array[], options: { device?: GPUDevice; gpu?: GPU }): Promise<MemberBackend> {
    return new MemberBackend(await GpuBackend.create([spec], [weights], options));
  }

  private constructor(private readonly group: GpuBackend) {}

  get adapterInfo(): string {
    return this.group.adapterInfo;
  }

  get device(): GPUDevice {
    return this.group.device;
  }

  getWeights(): Promise<Float32Array[]> {
    return this.group.getWeights(0);
  }

  setWeights(weights: Float32Array[]): Promise<void> {
    return this.group.setWeights(0, weights);
  }

  fit({ epochEnd, batchEnd, ...request }: FitRequest): Promise<void> {
    return this.group.fit({
      ...request,
      ownOrders: false,
      epochEnd: async (epoch, [logs]) => [await epochEnd(epoch, logs!)],
      batchEnd: batchEnd && ((batch, [scores]) => batchEnd(batch, scores!)),
    });
  }

  async predict(x: Data, batchSize?: number): Promise<Matrix> {
    return (await this.group.predict(x, batchSize))[0];
  }

  predictInto(x: Data, into: GPUBuffer, batchSize?: number) {
    return this.group.predictInto(x, into, batchSize);
  }

  async evaluate(data: Scored, batchSize?: number): Promise<Scores> {
    return (await this.group.evaluate(data, batchSize))[0];
  }

  describeTrainingStep(batchSize: number): Promise<string> {
    return this.group.describeTrainingStep(batchSize);
  }

  dispose(): void {
    this.group.dispose();
  }
}
