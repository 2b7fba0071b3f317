// One member of a group backend (runtime/gpu-backend.ts, reference/cpu-group.ts) behind a single model's interface:
// how a ModelGroup's members are Sequentials of their own (their weights, predict, evaluate, and a fit of their own,
// which trains that member alone while the others stay as they are), and how a Sequential runs on WebGPU, as the
// one member of a group it owns.
import type { Backend, Data, FitRequest, GroupBackend, Scored, Scores, StreamRequest } from '../backend';
import { invalid } from '../errors';
import type { GPUMatrix, Matrix } from '../matrix';
import type { NetworkSpec } from '../spec';
import { GpuBackend, type GpuOptions } from './gpu-backend';
import type { TuningTable } from './tuning-table';

export class MemberView implements Backend {
  /** A Sequential's WebGPU backend: the one member of a group of its own. */
  static async single(spec: NetworkSpec, weights: Float32Array[], options: GpuOptions): Promise<MemberView> {
    return new MemberView(await GpuBackend.create([spec], [weights], options), 0, true);
  }

  /** `owns`: whether disposing this view disposes the group (a Sequential's own), or leaves it to its ModelGroup. */
  constructor(
    readonly group: GroupBackend,
    readonly member: number,
    private readonly owns: boolean,
  ) {}

  get name(): 'cpu' | 'webgpu' {
    return this.group.name;
  }

  get adapterInfo(): string | undefined {
    return this.group.adapterInfo;
  }

  getWeights(): Promise<Float32Array[]> {
    return this.group.getWeights(this.member);
  }

  setWeights(weights: Float32Array[]): Promise<void> {
    return this.group.setWeights(this.member, weights);
  }

  /** Trains this member; the group's others stay as they are. */
  fit({ epochEnd, batchEnd, ...request }: FitRequest): Promise<void> {
    const { member, group } = this;
    const alone = Array.from({ length: group.size }, (_, m) => m === member);
    return group.fit({
      ...request,
      ownOrders: false,
      training: alone,
      epochEnd: async (epoch, logs) => {
        const stop = await epochEnd(epoch, logs[member]!);
        return alone.map((own) => !own || stop);
      },
      batchEnd: batchEnd && ((batch, scores) => batchEnd(batch, scores[member]!)),
    });
  }

  /** Trains this member on fitDataset's batches; the group's others stay as they are. */
  fitStream(request: StreamRequest): Promise<void> {
    return this.group.fitStream(this.member, request);
  }

  async predict(x: Data, batchSize?: number): Promise<Matrix> {
    return (await this.group.predict(x, batchSize))[this.member];
  }

  predictInto(x: Data, into: GPUBuffer, batchSize?: number): Promise<GPUMatrix> {
    if (!(this.group instanceof GpuBackend) || this.group.size > 1) throw invalid('predict({ into })', 'a model of its own (not a ModelGroup\'s member) for predictions into a GPUBuffer', `member ${this.member} of ${this.group.size}`);
    return this.group.predictInto(x, into, batchSize);
  }

  async evaluate(data: Scored, batchSize?: number): Promise<Scores> {
    return (await this.group.evaluate(data, batchSize))[this.member];
  }

  describeTrainingStep(batchSize: number): Promise<string> {
    return this.group.describeTrainingStep(batchSize);
  }

  /** The group's tuning: its members share their kernels. */
  tuning(): TuningTable | undefined {
    return this.group.tuning?.();
  }

  dispose(): void {
    if (this.owns) this.group.dispose();
  }
}
