// The demo's training worker: it holds a mode's digits and the model and does all of webgpu-nn's work (building,
// fitting, predicting), so that the page's main thread only draws. protocol.ts describes the messages.
import { EarlyStopping, ReduceLROnPlateau, type Sequential } from '../src/index';
import { FEATURES } from '../src/data/digits';
import { backendLabel, createModel } from './model';
import { MODES, type Mode } from './modes';
import type { Reply, Request, RequestType, Results, TrainEvent } from './protocol';
import { type ModeData, loadModeData } from './training-data';

type Handler<T extends RequestType> = (request: Extract<Request, { type: T }>, emit: (event: TrainEvent) => void) => Promise<Results[T]>;

let data: (ModeData & { mode: Mode }) | undefined;
let model: Sequential | undefined;
/** Epochs the model has trained since it was built: the next fit's initialEpoch. */
let epochsRun = 0;
let stopRequested = false;

function discard(): void {
  model?.dispose();
  model = undefined;
  epochsRun = 0;
}

/** Resolves in a later task, so that a stop message waiting in the queue is seen (the CPU reference never waits for one). */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

const handlers: { [T in RequestType]: Handler<T> } = {
  async load({ mode, gridDigits }) {
    discard();
    data = undefined;
    const loaded = await loadModeData(MODES[mode], gridDigits);
    data = { mode: MODES[mode], ...loaded };
    return { trainRows: loaded.train.labels.length, grid: loaded.grid };
  },

  async train({ network, epochs, batchSize, control }, emit) {
    if (!data) throw new Error('no digits are loaded');
    const { mode, train, test, grid } = data;
    stopRequested = false;
    const current = (model ??= await createModel(mode, network));
    const initialEpoch = epochsRun;
    emit({ type: 'started', backend: backendLabel(current), initialEpoch, epochs: initialEpoch + epochs });
    let lastEpochEnd = performance.now();
    // Patience counts from this run: Keras's callbacks start afresh at each fit.
    const callbacks = [
      ...(control.reduceOnPlateau ? [new ReduceLROnPlateau({ monitor: 'val_loss', factor: 0.5, patience: 2 })] : []),
      ...(control.earlyStopping ? [new EarlyStopping({ monitor: 'val_loss', patience: 5, restoreBestWeights: true })] : []),
    ];
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
        const [kernel] = await current.getWeights();
        epochsRun = epoch + 1;
        const now = performance.now();
        const firstLayer = { shape: [FEATURES, kernel.length / FEATURES] as [number, number], data: kernel };
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
    return model && (await model.predict(x));
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
