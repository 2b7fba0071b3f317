// One model's part in a fit: its callbacks (fit's options' and the callbacks given, then the progress line), its
// history, and what it does with each epoch's logs. A Sequential's fit has one; a ModelGroup's, one per member.
import type { EpochLogs, Scores } from '../backend';
import { CallbackList } from '../callbacks/callback';
import { FunctionCallback } from '../callbacks/function-callback';
import { ProgressLogger } from '../callbacks/progress-logger';
import { WebGPUNNError } from '../errors';
import type { CompiledMetric } from '../metrics/registry';
import { metricDefinition } from '../metrics/registry';
import { type History, type ParsedFitOptions, record } from './fit-options';
import type { Sequential } from './sequential';

/** What a session does when an epoch's loss is not finite and no callback stopped training. */
export type OnDivergence = 'throw' | 'stop';

export class TrainingSession {
  readonly history: History = { epoch: [], loss: [] };
  /** The epoch whose loss was not finite, where the session stopped for it. */
  diverged: number | undefined;
  private readonly callbacks: CallbackList;
  private last: EpochLogs | undefined;

  constructor(
    private readonly model: Sequential,
    private readonly o: ParsedFitOptions<unknown>,
    metrics: CompiledMetric[],
    rows: number,
    private readonly onDivergence: OnDivergence,
  ) {
    this.callbacks = new CallbackList([
      ...(o.onEpochEnd || o.onBatchEnd ? [new FunctionCallback(o.onEpochEnd, o.onBatchEnd)] : []),
      ...o.callbacks,
      ...(o.verbose > 0 ? [new ProgressLogger(o.verbose as 1 | 2)] : []),
    ]);
    const directions = Object.fromEntries(metrics.map((m) => [m.key, metricDefinition(m).direction]));
    for (const c of this.callbacks.callbacks) {
      c.setModel(model);
      c.setParams({ epochs: o.epochs, steps: Math.ceil(rows / o.batchSize), samples: rows, verbose: o.verbose, metrics: directions });
    }
  }

  /** Whether a callback acts at the beginning of epochs (the backend then waits for each), or on batch logs. */
  has(method: 'onEpochBegin' | 'onBatchEnd'): boolean {
    return this.callbacks.has(method);
  }

  begin(): Promise<void> {
    this.model.stopTraining = false;
    return this.callbacks.trainBegin();
  }

  epochBegin(index: number): Promise<void> {
    return this.callbacks.epochBegin(this.o.initialEpoch + index);
  }

  /** An epoch's logs: the callbacks see them first (ReduceLROnPlateau adds learning_rate), then the history records them. Resolves true to stop. */
  async epochEnd(index: number, logs: EpochLogs): Promise<boolean> {
    const epoch = this.o.initialEpoch + index;
    await this.callbacks.epochEnd(epoch, logs);
    record(this.history, epoch, logs);
    this.last = logs;
    if (!Number.isFinite(logs.loss) && !this.model.stopTraining) {
      if (this.onDivergence === 'throw') throw new WebGPUNNError('DIVERGED', `fit: the loss of epoch ${epoch} is ${logs.loss}; training stopped (lower the learning rate)`);
      this.diverged = epoch;
      return true;
    }
    return this.model.stopTraining;
  }

  batchEnd(batch: number, scores: Scores): Promise<void> {
    return this.callbacks.batchEnd(batch, scores);
  }

  /** Training is over: the callbacks may set weights now (EarlyStopping's best). */
  end(): Promise<void> {
    return this.callbacks.trainEnd(this.last);
  }
}
