// A group on the CPU reference: each member its own reference network, trained one after another, epoch by epoch,
// so that the group reports every member's epoch together as the WebGPU group does.
import type { EpochLogs, GroupBackend, GroupFitRequest, GroupScored, Scores, StreamRequest } from '../backend';
import type { Matrix } from '../matrix';
import type { NetworkSpec } from '../spec';
import { CpuBackend } from './cpu-backend';

/** A member's own part of what the members share or have one each of. */
const own = <T>(value: T | T[] | undefined, member: number): T | undefined => (Array.isArray(value) ? value[member] : value);

export class CpuGroup implements GroupBackend {
  readonly name = 'cpu';
  readonly adapterInfo = undefined;
  private readonly members: CpuBackend[];

  constructor(specs: NetworkSpec[], weights: Float32Array[][]) {
    this.members = specs.map((spec, m) => new CpuBackend(spec, weights[m]));
  }

  get size(): number {
    return this.members.length;
  }

  getWeights(member: number): Promise<Float32Array[]> {
    return this.members[member].getWeights();
  }

  setWeights(member: number, weights: Float32Array[]): Promise<void> {
    return this.members[member].setWeights(weights);
  }

  async fit(request: GroupFitRequest<Matrix>): Promise<void> {
    const { x, y, sampleWeight, validation, epochs, batchSize, training, epochBegin, epochEnd, batchEnd } = request;
    const trains = this.members.map((_, m) => training?.[m] ?? true);
    for (let epoch = 0; epoch < epochs; epoch++) {
      await epochBegin?.(epoch);
      const orders = request.nextOrder();
      const logs: (EpochLogs | undefined)[] = this.members.map(() => undefined);
      const batches: (Scores | undefined)[][] = [];
      for (const [m, member] of this.members.entries()) {
        if (!trains[m]) continue;
        const order = Array.isArray(orders) ? orders[m] : orders;
        await member.fit({
          x,
          y,
          sampleWeight: own(sampleWeight, m),
          validation: validation && { ...validation, sampleWeight: own(validation.sampleWeight, m), freq: () => validation.freq(epoch) },
          epochs: 1,
          batchSize,
          nextOrder: () => order,
          epochEnd: async (_, memberLogs) => ((logs[m] = memberLogs), false),
          batchEnd: batchEnd && (async (batch, scores) => void ((batches[batch] ??= this.members.map(() => undefined))[m] = scores)),
        });
      }
      for (const [batch, scores] of batches.entries()) await batchEnd!(batch, scores);
      const stops = await epochEnd(epoch, logs);
      stops.forEach((stop, m) => stop && (trains[m] = false));
      if (!trains.some(Boolean)) return;
    }
  }

  fitStream(member: number, request: StreamRequest<Matrix>): Promise<void> {
    return this.members[member].fitStream(request);
  }

  predict(x: Matrix): Promise<Matrix[]> {
    return Promise.all(this.members.map((member) => member.predict(x)));
  }

  evaluate({ x, y, sampleWeight }: GroupScored<Matrix>): Promise<Scores[]> {
    return Promise.all(this.members.map((member, m) => member.evaluate({ x, y, sampleWeight: own(sampleWeight, m) })));
  }

  describeTrainingStep(): Promise<string> {
    return this.members[0].describeTrainingStep();
  }

  dispose(): void {}
}
