// TerminateOnNaN, Keras's: stop training once a batch's loss is NaN or infinite. On WebGPU the batch logs arrive
// with the epoch's readback, so training stops at the end of that epoch, with its history, instead of failing with
// DIVERGED.
import type { Scores } from '../backend';
import { Callback } from './callback';

export class TerminateOnNaN extends Callback {
  override onBatchEnd(batch: number, logs: Scores): void {
    if (!Number.isFinite(logs.loss) && !this.model.stopTraining) {
      console.warn(`webgpu-nn: batch ${batch}: invalid loss ${logs.loss}, terminating training`);
      this.model.stopTraining = true;
    }
  }
}
