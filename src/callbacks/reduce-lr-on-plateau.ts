// ReduceLROnPlateau, Keras 3's: multiply the learning rate by `factor` when the monitored score has not improved for
// `patience` epochs, then wait `cooldown` epochs; never below `minLr`. Logs the rate of each epoch as learning_rate.
import type { EpochLogs } from '../backend';
import { invalid } from '../errors';
import { Callback, constantRate } from './callback';
import { type MonitorMode, checkMode, improves, monitored } from './monitor';

export interface ReduceLROnPlateauOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** The rate's multiplier, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before a reduction. Default 10. */
  patience?: number;
  /** 'min', 'max' or 'auto' (default: larger is better where the monitor's name has 'acc' in it). */
  mode?: MonitorMode;
  /** The least change that counts as an improvement. Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction before watching again. Default 0. */
  cooldown?: number;
  /** The least learning rate. Default 0. */
  minLr?: number;
}

export class ReduceLROnPlateau extends Callback {
  readonly monitor: string;
  readonly factor: number;
  readonly patience: number;
  readonly mode: MonitorMode;
  readonly minDelta: number;
  readonly cooldown: number;
  readonly minLr: number;
  private wait = 0;
  private cooldownCounter = 0;
  private best = Infinity;
  private direction: 'up' | 'down' = 'down';
  private readonly warned = { done: false };

  constructor(options: ReduceLROnPlateauOptions = {}) {
    super();
    const at = (option: string) => `ReduceLROnPlateau({ ${option} })`;
    if (options === null || typeof options !== 'object') throw invalid('ReduceLROnPlateau(options)', 'an object like { monitor, factor, patience }', options);
    const { monitor = 'val_loss', factor = 0.1, patience = 10, mode = 'auto', minDelta = 1e-4, cooldown = 0, minLr = 0 } = options;
    if (typeof monitor !== 'string' || monitor === '') throw invalid(at('monitor'), "the name of a score in the logs ('val_loss', 'accuracy')", monitor);
    if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) throw invalid(at('factor'), 'a number in (0, 1)', factor);
    if (!Number.isInteger(patience) || patience < 0) throw invalid(at('patience'), 'a non-negative integer', patience);
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta)) throw invalid(at('minDelta'), 'a finite number', minDelta);
    if (!Number.isInteger(cooldown) || cooldown < 0) throw invalid(at('cooldown'), 'a non-negative integer', cooldown);
    if (typeof minLr !== 'number' || !(minLr >= 0) || !Number.isFinite(minLr)) throw invalid(at('minLr'), 'a non-negative finite number', minLr);
    this.monitor = monitor;
    this.factor = factor;
    this.patience = patience;
    this.mode = checkMode(at('mode'), mode);
    this.minDelta = minDelta;
    this.cooldown = cooldown;
    this.minLr = minLr;
  }

  override onTrainBegin(): void {
    this.direction = this.mode === 'max' || (this.mode === 'auto' && this.monitor.includes('acc')) ? 'up' : 'down';
    this.best = this.direction === 'up' ? -Infinity : Infinity;
    this.wait = 0;
    this.cooldownCounter = 0;
    constantRate(this.model, 'ReduceLROnPlateau: model.optimizer');
  }

  override onEpochEnd(_epoch: number, logs: EpochLogs): void {
    const optimizer = this.model.optimizer!;
    logs.learning_rate = Math.fround(optimizer.learningRate);
    const current = monitored(logs, this.monitor, 'ReduceLROnPlateau', this.warned);
    if (current === undefined) return;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter -= 1;
      this.wait = 0;
    }
    if (improves(current, this.best, this.minDelta, this.direction)) {
      this.best = current;
      this.wait = 0;
    } else if (this.cooldownCounter === 0) {
      this.wait += 1;
      if (this.wait >= this.patience) {
        const old = Math.fround(optimizer.learningRate);
        if (old > Math.fround(this.minLr)) {
          optimizer.learningRate = Math.max(old * this.factor, this.minLr);
          this.cooldownCounter = this.cooldown;
          this.wait = 0;
        }
      }
    }
  }
}
