// The messages between the page (trainer.ts) and the training worker (worker.ts).
//
// The page posts requests, each with a fresh `id`. The worker serves them one at a time in the order they came,
// except `stop`, which it applies at once, and answers each with exactly one `result` (or `error`) for its id.
// While it serves a `train`, it first posts a `started` event and then one `epoch` event per epoch for that id.
// `epoch` carries fit's logs object as it is, so that a new metric or log reaches the page without a protocol change.
import type { EpochLogs, History, Matrix } from '../src/index';
import type { ModeName } from './modes';
import type { NetworkSettings } from './network';

export type Request =
  /** Loads a mode's digits and drops any model; picks `gridDigits` test digits for the page's grid. */
  | { type: 'load'; mode: ModeName; gridDigits: number }
  /**
   * Trains for `epochs` more epochs; builds the network from `network` first when there is no model yet. `control`:
   * stop once the test loss stops improving (keeping the best epoch's weights), halve the rate on a plateau of it.
   * `sweep`: train the network at several learning rates side by side (a ModelGroup) instead of one.
   */
  | { type: 'train'; network: NetworkSettings; epochs: number; batchSize: number; control: TrainingControl; sweep: boolean }
  /** Ends the running training after its current epoch. */
  | { type: 'stop' }
  /** The model's outputs for rows of 400 pixels. */
  | { type: 'predict'; x: Matrix }
  /** Drops the model. */
  | { type: 'reset' };

export interface TrainingControl {
  earlyStopping: boolean;
  reduceOnPlateau: boolean;
}

export type RequestType = Request['type'];

/** What each request's `result` carries. */
export interface Results {
  load: { trainRows: number; grid: { x: Matrix; labels: Uint8Array } };
  train: History;
  stop: undefined;
  /** Undefined while there is no model. */
  predict: Matrix | undefined;
  reset: undefined;
}

/** The events of a `train` request, before its result. */
export type TrainEvent =
  | { type: 'started'; backend: string; initialEpoch: number; epochs: number }
  | {
      type: 'epoch';
      /** The epoch's index since the model was built, from 0. */
      epoch: number;
      logs: EpochLogs;
      /** The learning rate the epoch trained with. */
      learningRate: number;
      /**
       * In a sweep, every member's rate and losses (undefined for a member that has stopped); `logs`, the grid and
       * the first layer are then those of the member with the lowest test loss, `best`.
       */
      sweep?: { rates: number[]; losses: (number | undefined)[]; valLosses: (number | undefined)[]; best: number };
      /** Wall time since the previous epoch's end (or the start), the validation and what this event carries included. */
      seconds: number;
      /** The first layer's kernel, [400 × units]: column j is hidden unit j's weight vector. */
      firstLayer: Matrix;
      /** The model's outputs for the grid's digits. */
      grid: Matrix;
    };

export type Reply = { id: number } & ({ type: 'result'; value: Results[RequestType] } | { type: 'error'; message: string } | TrainEvent);
