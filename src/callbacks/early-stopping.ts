// EarlyStopping, Keras 3's: stop when the monitored score has not improved for `patience` epochs, optionally
// restoring the weights of the best epoch when training ends (whether it stopped early or ran out of epochs).
import type { EpochLogs } from '../backend';
import { invalid } from '../errors';
import { Callback } from './callback';
import { type MonitorMode, checkMode, improves, monitorDirection, monitored } from './monitor';

export interface EarlyStoppingOptions {
  /** The score to watch. Default 'val_loss'. */
  monitor?: string;
  /** The least change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** 'min', 'max' or 'auto' (default: smaller is better for losses, the metric's own way for metrics). */
  mode?: MonitorMode;
  /** A value to reach: epochs that improve on the best without reaching it still count towards patience. */
  baseline?: number;
  /** At the end of training, set the weights of the best epoch (read from that epoch's logs, no extra readback). Default false. */
  restoreBestWeights?: boolean;
  /** Epochs to train before watching. Default 0. */
  startFromEpoch?: number;
}

export class EarlyStopping extends Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: MonitorMode;
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** The epoch that stopped training (0 if none), the best epoch and its score. */
  stoppedEpoch = 0;
  bestEpoch = 0;
  best = NaN;
  private wait = 0;
  private bestWeights: Float32Array[] | undefined;
  private direction: 'up' | 'down' = 'down';
  private readonly warned = { done: false };

  constructor(options: EarlyStoppingOptions = {}) {
    super();
    const at = (option: string) => `EarlyStopping({ ${option} })`;
    if (options === null || typeof options !== 'object') throw invalid('EarlyStopping(options)', 'an object like { monitor, patience }', options);
    const { monitor = 'val_loss', minDelta = 0, patience = 0, mode = 'auto', baseline, restoreBestWeights = false, startFromEpoch = 0 } = options;
    if (typeof monitor !== 'string' || monitor === '') throw invalid(at('monitor'), "the name of a score in the logs ('val_loss', 'accuracy')", monitor);
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) throw invalid(at('minDelta'), 'a finite number', minDelta);
    if (!Number.isInteger(patience) || patience < 0) throw invalid(at('patience'), 'a non-negative integer', patience);
    if (baseline !== undefined && (typeof baseline !== 'number' || !Number.isFinite(baseline))) throw invalid(at('baseline'), 'a finite number or undefined', baseline);
    if (typeof restoreBestWeights !== 'boolean') throw invalid(at('restoreBestWeights'), 'true or false', restoreBestWeights);
    if (!Number.isInteger(startFromEpoch) || startFromEpoch < 0) throw invalid(at('startFromEpoch'), 'a non-negative integer', startFromEpoch);
    this.monitor = monitor;
    this.minDelta = Math.abs(minDelta);
    this.patience = patience;
    this.mode = checkMode(at('mode'), mode);
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
    this.startFromEpoch = startFromEpoch;
  }

  override onTrainBegin(): void {
    this.direction = monitorDirection('EarlyStopping({ monitor })', this.monitor, this.mode, this.params);
    this.wait = 0;
    this.stoppedEpoch = 0;
    this.bestWeights = undefined;
    this.bestEpoch = 0;
    // As in Keras 3, the best score is kept across fits; it starts at the worst.
    if (Number.isNaN(this.best)) this.best = this.direction === 'up' ? -Infinity : Infinity;
  }

  override async onEpochEnd(epoch: number, logs: EpochLogs): Promise<void> {
    const current = monitored(logs, this.monitor, 'EarlyStopping', this.warned);
    if (current === undefined || epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.bestWeights === undefined) {
      this.bestWeights = await this.model.getWeights();
      this.bestEpoch = epoch;
    }
    this.wait += 1;
    if (improves(current, this.best, this.minDelta, this.direction)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.bestWeights = await this.model.getWeights();
      // An improvement that does not reach the baseline still counts towards patience.
      if (this.baseline === undefined || improves(current, this.baseline, this.minDelta, this.direction)) this.wait = 0;
      return;
    }
    if (this.wait >= this.patience && epoch > 0) {
      this.stoppedEpoch = epoch;
      this.model.stopTraining = true;
    }
  }

  override async onTrainEnd(): Promise<void> {
    if (this.restoreBestWeights && this.bestWeights) await this.model.setWeights(this.bestWeights);
  }
}
