// One model's part in a training run (fit, fitDataset): its callbacks (the options' onEpochEnd and onBatchEnd, the
// callbacks given, then the progress line), its history, and what it does with each epoch's logs. A Sequential's
// run has one; a ModelGroup's fit, one per member.
import type { EpochLogs, Scores, TrainingHooks } from '../backend';
import { type CallbackParams, CallbackList } from '../callbacks/callback';
import { FunctionCallback } from '../callbacks/function-callback';
import { ProgressLogger } from '../callbacks/progress-logger';
import { WebGPUNNError } from '../errors';
import type { CompiledMetric } from '../metrics/registry';
import { metricDefinition } from '../metrics/registry';
import { type History, type TrainingOptions, record } from './fit-options';
import type { Sequential } from './sequential';

/** What a session does when an epoch's loss is not finite and no callback stopped training. */
export type OnDivergence = 'throw' | 'stop';

export class TrainingSession {
  readonly history: History = { epoch: [], loss: [] };
  /** What every callback is told (Keras's params): one object, so that steps and samples set later reach them all. */
  readonly params: CallbackParams;
  /** The epoch whose loss was not finite, where the session stopped for it. */
  diverged: number | undefined;
  private readonly callbacks: CallbackList;
  private last: EpochLogs | undefined;

  /** `call` names the run in errors; `size`: the steps and rows of an epoch, as far as they are known. */
  constructor(
    private readonly model: Sequential,
    private readonly call: string,
    private readonly o: TrainingOptions,
    metrics: CompiledMetric[],
    size: Pick<CallbackParams, 'steps' | 'samples'>,
    private readonly onDivergence: OnDivergence,
  ) {
    this.callbacks = new CallbackList([
      ...(o.onEpochEnd || o.onBatchEnd ? [new FunctionCallback(o.onEpochEnd, o.onBatchEnd)] : []),
      ...o.callbacks,
      ...(o.verbose > 0 ? [new ProgressLogger(o.verbose as 1 | 2)] : []),
    ]);
    const directions = Object.fromEntries(metrics.map((m) => [m.key, metricDefinition(m).direction]));
    this.params = { epochs: o.epochs, ...size, verbose: o.verbose, metrics: directions };
    for (const c of this.callbacks.callbacks) {
      c.setModel(model);
      c.setParams(this.params);
    }
  }

  /** Whether a callback acts at the beginning of epochs (the backend then waits for each), or on batch logs. */
  has(method: 'onEpochBegin' | 'onBatchEnd'): boolean {
    return this.callbacks.has(method);
  }

  /** What a backend calls as a Sequential's run goes: the epochs to train and the session's methods at their points. */
  hooks(): TrainingHooks {
    return {
      epochs: this.o.epochs - this.o.initialEpoch,
      epochBegin: this.has('onEpochBegin') ? (index) => this.epochBegin(index) : undefined,
      epochEnd: (index, logs) => this.epochEnd(index, logs),
      batchEnd: this.has('onBatchEnd') ? (batch, scores) => this.batchEnd(batch, scores) : undefined,
    };
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
      if (this.onDivergence === 'throw') throw new WebGPUNNError('DIVERGED', `${this.call}: the loss of epoch ${epoch} is ${logs.loss}; training stopped (lower the learning rate)`);
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
