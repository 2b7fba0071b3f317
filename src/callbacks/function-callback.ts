// fit's onEpochEnd and onBatchEnd options, as a callback.
import type { EpochLogs, Scores } from '../backend';
import { Callback } from './callback';

export class FunctionCallback extends Callback {
  constructor(
    private readonly epochEnd?: (epoch: number, logs: EpochLogs) => void | Promise<void>,
    batchEnd?: (batch: number, logs: Scores) => void | Promise<void>,
  ) {
    super();
    // Only a callback that has batch work asks fit for batch logs.
    if (batchEnd) this.onBatchEnd = (batch, logs) => batchEnd(batch, logs);
  }

  override async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    await this.epochEnd?.(epoch, logs);
  }
}
