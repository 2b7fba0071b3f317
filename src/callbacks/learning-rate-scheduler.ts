// LearningRateScheduler, Keras's: at the beginning of each epoch, the learning rate becomes schedule(epoch, rate).
// Logs the rate of each epoch as learning_rate.
import type { EpochLogs } from '../backend';
import { invalid } from '../errors';
import { Callback, constantRate } from './callback';

export class LearningRateScheduler extends Callback {
  constructor(readonly schedule: (epoch: number, learningRate: number) => number) {
    super();
    if (typeof schedule !== 'function') throw invalid('LearningRateScheduler(schedule)', 'a function (epoch, learningRate) => learningRate', schedule);
  }

  override onTrainBegin(): void {
    constantRate(this.model, 'LearningRateScheduler: model.optimizer');
  }

  override onEpochBegin(epoch: number): void {
    const optimizer = this.model.optimizer!;
    const rate = this.schedule(epoch, Math.fround(optimizer.learningRate));
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) throw invalid(`LearningRateScheduler(schedule)(${epoch}, ${optimizer.learningRate})`, 'a positive finite learning rate', rate);
    optimizer.learningRate = rate;
  }

  override onEpochEnd(_epoch: number, logs: EpochLogs): void {
    logs.learning_rate = Math.fround(this.model.optimizer!.learningRate);
  }
}
