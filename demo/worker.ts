// The demo's training worker: it holds a mode's digits and the model and does all of webgpu-nn's work (building,
// fitting, predicting), so that the page's main thread only draws. protocol.ts describes the messages.
import { Callback, EarlyStopping, type EpochLogs, type ModelGroup, ReduceLROnPlateau, type Sequential } from '../src/index';
import { FEATURES } from '../src/data/digits';
import { backendLabel, createModel, createSweep } from './model';
import { MODES, type Mode } from './modes';
import type { Reply, Request, RequestType, Results, TrainEvent } from './protocol';
import { type ModeData, loadModeData } from './training-data';

type Handler<T extends RequestType> = (request: Extract<Request, { type: T }>, emit: (event: TrainEvent) => void) => Promise<Results[T]>;

let data: (ModeData & { mode: Mode }) | undefined;
let model: Sequential | undefined;
/** A sweep's group, and its member with the lowest test loss, which the grid and the drawings use. */
let sweep: ModelGroup | undefined;
let best = 0;
/** Epochs the model has trained since it was built: the next fit's initialEpoch. */
let epochsRun = 0;
let stopRequested = false;

function discard(): void {
  model?.dispose();
  sweep?.dispose();
  model = sweep = undefined;
  best = 0;
  epochsRun = 0;
}

/** The model that predicts: the one trained, or a sweep's best. */
const predictor = () => (sweep ? sweep.members[best] : model);

/** Ends a member's training after this epoch when the page asked to stop. */
class StopWhenAsked extends Callback {
  override onEpochEnd(): void {
    if (stopRequested) this.model.stopTraining = true;
  }
}

/** The first layer's kernel, [400 × units]: column j is hidden unit j's weight vector. */
async function firstLayerOf(current: Sequential) {
  const [kernel] = await current.getWeights();
  return { shape: [FEATURES, kernel.length / FEATURES] as [number, number], data: kernel };
}

/** Resolves in a later task, so that a stop message waiting in the queue is seen (the CPU reference never waits for one). */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The callbacks the page's checkboxes ask for; patience counts from each run, as Keras's callbacks start afresh at each fit. */
function controlCallbacks(control: { earlyStopping: boolean; reduceOnPlateau: boolean }): Callback[] {
  return [
    ...(control.reduceOnPlateau ? [new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2 })] : []),
    ...(control.earlyStopping ? [new EarlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })] : []),
  ];
}

const handlers: { [T in RequestType]: Handler<T> } = {
  async load({ mode, gridDigits }) {
    discard();
    data = undefined;
    const loaded = await loadModeData(MODES[mode], gridDigits);
    data = { mode: MODES[mode], ...loaded };
    return { trainRows: loaded.train.labels.length, grid: loaded.grid };
  },

  async train({ network, epochs, batchSize, control, sweep: sweeping }, emit) {
    if (!data) throw new Error('no digits are loaded');
    const { mode, train, test, grid } = data;
    stopRequested = false;
    if (sweeping || sweep) {
      const group = (sweep ??= await createSweep(mode, network));
      const initialEpoch = epochsRun;
      emit({ type: 'started', backend: backendLabel(group.members[0]), initialEpoch, epochs: initialEpoch + epochs });
      let lastEpochEnd = performance.now();
      const histories = await group.fit(train.x, train.y, {
        initialEpoch,
        epochs: initialEpoch + epochs,
        batchSize,
        validationData: [test.x, test.y],
        callbacks: () => [...controlCallbacks(control), new StopWhenAsked()],
        onEpochEnd: async (epoch, logs) => {
          const losses = logs.map((l) => l?.val_loss ?? Infinity);
          best = losses.indexOf(Math.min(...losses));
          const member = group.members[best];
          const now = performance.now();
          epochsRun = epoch + 1;
          emit({
            type: 'epoch',
            epoch,
            logs: logs[best] as EpochLogs,
            learningRate: member.optimizer!.learningRate,
            seconds: (now - lastEpochEnd) / 1000,
            firstLayer: await firstLayerOf(member),
            grid: await member.predict(grid.x),
            sweep: { rates: group.members.map((m) => m.optimizer!.learningRate), losses: logs.map((l) => l?.loss), valLosses: logs.map((l) => l?.val_loss), best },
          });
          lastEpochEnd = now;
          await nextTask();
        },
      });
      return histories[best];
    }
    const current = (model ??= await createModel(mode, network));
    const initialEpoch = epochsRun;
    emit({ type: 'started', backend: backendLabel(current), initialEpoch, epochs: initialEpoch + epochs });
    let lastEpochEnd = performance.now();
    const callbacks = controlCallbacks(control);
    return current.fit(train.x, train.y, {
      initialEpoch,
      epochs: initialEpoch + epochs,
      batchSize,
      shuffle: true,
      validationData: [test.x, test.y],
      callbacks,
      onEpochEnd: async (epoch, logs) => {
        // Before the callbacks that follow this one, the optimizer still has the rate the epoch trained with.
        const learningRate = current.optimizer!.learningRate;
        const output = await current.predict(grid.x);
        const firstLayer = await firstLayerOf(current);
        epochsRun = epoch + 1;
        const now = performance.now();
        emit({ type: 'epoch', epoch, logs, learningRate, seconds: (now - lastEpochEnd) / 1000, firstLayer, grid: output });
        lastEpochEnd = now;
        await nextTask();
        current.stopTraining = stopRequested;
      },
    });
  },

  async stop() {
    stopRequested = true;
    return undefined;
  },

  async predict({ x }) {
    return predictor()?.predict(x);
  },

  async reset() {
    discard();
    return undefined;
  },
};

const post = (reply: Reply) => postMessage(reply);

async function serve(request: Request & { id: number }): Promise<void> {
  const { id } = request;
  try {
    const handler = handlers[request.type] as Handler<RequestType>;
    const value = await handler(request as never, (event) => post({ id, ...event }));
    post({ id, type: 'result', value });
  } catch (error) {
    post({ id, type: 'error', message: error instanceof Error ? error.message : String(error) });
  }
}

// One request at a time, in order; a stop takes effect at once, during the training it ends.
let queue = Promise.resolve();
addEventListener('message', ({ data: request }: MessageEvent<Request & { id: number }>) => {
  if (request.type === 'stop') void serve(request);
  else queue = queue.then(() => serve(request));
});
