// Callbacks: code that runs at the points of a fit, Keras's and TF.js's way. A callback sees the model (to stop it,
// to read or set its weights, to change its optimizer's learning rate) and each epoch's and batch's logs.
//
// On WebGPU an epoch's batch logs arrive together with its one readback, after the epoch has run; so do the
// epoch's logs, while the next epoch is already queued (unless a callback acts at the beginning of epochs, which
// then waits for it). A learning rate changed in a callback takes effect at the next epoch.
import type { EpochLogs, Scores } from '../backend';
import { invalid } from '../errors';
import type { Sequential } from '../model/sequential';

/** What a fit tells its callbacks before it starts (Keras's params). */
export interface CallbackParams {
  epochs: number;
  /** Steps (batches) per epoch. */
  steps: number;
  /** Rows trained on per epoch. */
  samples: number;
  verbose: number;
  /** The history's names of the compiled metrics with whether larger is better, for monitors in mode 'auto'. */
  metrics: Record<string, 'up' | 'down'>;
}

/** The base of every callback: override the methods you need; each may return a promise, which fit awaits. */
export class Callback {
  model!: Sequential;
  params!: CallbackParams;

  setModel(model: Sequential): void {
    this.model = model;
  }

  setParams(params: CallbackParams): void {
    this.params = params;
  }

  onTrainBegin(_logs?: EpochLogs): void | Promise<void> {}
  onTrainEnd(_logs?: EpochLogs): void | Promise<void> {}
  onEpochBegin(_epoch: number, _logs?: EpochLogs): void | Promise<void> {}
  onEpochEnd(_epoch: number, _logs: EpochLogs): void | Promise<void> {}
  onBatchEnd(_batch: number, _logs: Scores): void | Promise<void> {}
}

/** Whether a callback overrides one of the base's methods (fit asks for batch logs, or waits at epoch begins, only then). */
export function overrides(callback: Callback, method: 'onEpochBegin' | 'onBatchEnd'): boolean {
  return callback[method] !== Callback.prototype[method];
}

/** Throws unless the model's optimizer has a constant learning rate, which `who` sets. */
export function constantRate(model: Sequential, who: string): void {
  const { schedule } = model.optimizer!.spec;
  if (schedule) throw invalid(who, 'an optimizer with a constant learning rate to set (this one follows a LearningRateSchedule)', schedule.name);
}

/** The callbacks of one fit, called in order. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  async trainBegin(): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin({} as EpochLogs);
  }

  async trainEnd(logs: EpochLogs | undefined): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd(logs);
  }

  async epochBegin(epoch: number): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin(epoch, {} as EpochLogs);
  }

  async epochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd(epoch, logs);
  }

  async batchEnd(batch: number, logs: Scores): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd(batch, logs);
  }

  has(method: 'onEpochBegin' | 'onBatchEnd'): boolean {
    return this.callbacks.some((c) => overrides(c, method));
  }
}
