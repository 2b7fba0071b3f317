// The digit demo: trains a network on MNIST digits in the browser, 0 or 1 or all ten, then classifies test digits
// and drawings.
import type { Sequential } from '../src/index';
import { coalesce } from './coalesce';
import { DigitGrid, drawDigit } from './digit-grid';
import { type Digits, FEATURES, loadDigits } from '../src/data/digits';
import { DrawPad } from './draw-pad';
import { LossChart } from './loss-chart';
import { backendLabel, classProbabilities, createModel } from './model';
import { MODES, type Mode, type ModeName } from './modes';
import { toInput } from './preprocess';
import { ProbabilityBars } from './probability-bars';

const GRID_DIGITS = 48;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const ui = {
  heading: element('heading'),
  summary: element('summary'),
  mode: element<HTMLSelectElement>('mode'),
  controls: element<HTMLFormElement>('controls'),
  epochs: element<HTMLInputElement>('epochs'),
  learningRate: element<HTMLInputElement>('learning-rate'),
  batchSize: element<HTMLInputElement>('batch-size'),
  train: element<HTMLButtonElement>('train'),
  stop: element<HTMLButtonElement>('stop'),
  reset: element<HTMLButtonElement>('reset'),
  status: element('status'),
  backend: element('backend'),
  progress: element<HTMLProgressElement>('progress'),
  epoch: element('epoch'),
  loss: element('loss'),
  trainAccuracy: element('train-accuracy'),
  testAccuracy: element('test-accuracy'),
  epochTime: element('epoch-time'),
  grid: element('grid'),
  drawHint: element('draw-hint'),
  clear: element<HTMLButtonElement>('clear'),
  oneProbability: element('one-probability'),
  probability: element('draw-probability'),
  probabilities: element('draw-probabilities'),
  input: element<HTMLCanvasElement>('draw-input'),
};

/** A mode with its data loaded and its test digits in the grid. */
interface Loaded {
  mode: Mode;
  train: Digits;
  test: Digits;
  grid: DigitGrid;
}

function main(): void {
  const chart = new LossChart(element<HTMLCanvasElement>('loss-chart'));
  const bars = new ProbabilityBars(ui.probabilities, 10);
  let loaded: Loaded | undefined;
  let model: Sequential | undefined;
  let busy: 'loading' | 'training' | undefined;
  let stopRequested = false;
  let epochsRun = 0;

  // The drawing as the network sees it, and its class probabilities once a model is trained and the page is idle.
  const refreshDrawing = coalesce(
    async () => {
      const input = toInput(pad.image());
      drawDigit(ui.input, input ?? new Float32Array(FEATURES));
      let probabilities: Float32Array | undefined;
      if (input && model && !busy) probabilities = classProbabilities(await model.predict({ shape: [1, FEATURES], data: input }), 0);
      ui.probability.textContent = probabilities?.[1].toFixed(3) ?? '';
      bars.show(probabilities);
    },
    (running) => {
      for (const shown of [ui.probability, ui.probabilities]) shown.toggleAttribute('data-busy', running);
    },
  );
  const pad = new DrawPad(element<HTMLCanvasElement>('draw-canvas'), refreshDrawing);

  function setBusy(state: typeof busy): void {
    busy = state;
    for (const control of [ui.mode, ui.epochs, ui.batchSize]) control.disabled = busy !== undefined;
    for (const control of [ui.train, ui.reset]) control.disabled = busy !== undefined || loaded === undefined;
    ui.stop.disabled = busy !== 'training';
    // The learning rate belongs to the model: Reset to change it.
    ui.learningRate.disabled = busy !== undefined || model !== undefined;
    refreshDrawing();
  }

  /** Runs `work` with the controls locked, showing its error if it fails. */
  function lockedWhile(state: 'loading' | 'training', work: () => Promise<void>): void {
    setBusy(state);
    work()
      .catch((error: Error) => (ui.status.textContent = `error: ${error.message}`))
      .finally(() => setBusy(undefined));
  }

  /** Drops the model and everything shown of its training. */
  function discard(): void {
    model?.dispose();
    model = undefined;
    epochsRun = 0;
    chart.clear();
    loaded?.grid.clear();
    for (const shown of [ui.backend, ui.epoch, ui.loss, ui.trainAccuracy, ui.testAccuracy, ui.epochTime]) shown.textContent = '';
    ui.progress.value = 0;
  }

  async function load(name: ModeName): Promise<void> {
    discard();
    loaded = undefined;
    ui.status.textContent = 'loading data';
    const mode = MODES[name];
    document.title = `webgpu-nn · ${mode.title}`;
    ui.heading.textContent = mode.title;
    ui.summary.textContent = mode.summary;
    ui.drawHint.textContent = mode.drawHint;
    ui.oneProbability.hidden = name !== 'binary';
    ui.probabilities.hidden = name === 'binary';
    ui.epochs.valueAsNumber = mode.defaults.epochs;
    ui.learningRate.valueAsNumber = mode.defaults.learningRate;
    ui.batchSize.valueAsNumber = mode.defaults.batchSize;
    const [train, test] = await Promise.all([loadDigits(mode.trainUrl), loadDigits(mode.testUrl)]);
    ui.batchSize.max = String(train.labels.length);
    loaded = { mode, train, test, grid: new DigitGrid(ui.grid, test, GRID_DIGITS) };
    ui.status.textContent = 'ready';
  }

  async function run({ mode, train, test, grid }: Loaded): Promise<void> {
    stopRequested = false;
    ui.status.textContent = 'training';
    const current = (model ??= await createModel(mode, ui.learningRate.valueAsNumber));
    ui.backend.textContent = backendLabel(current);
    const epochs = ui.epochs.valueAsNumber;
    ui.progress.max = epochs;
    ui.progress.value = 0;
    ui.epoch.textContent = `0 / ${epochs}`;
    // Wall time between epoch ends, the validation and the grid's predictions included.
    let lastEpochEnd = performance.now();
    await current.fit(train.x, train.y, {
      epochs,
      batchSize: ui.batchSize.valueAsNumber,
      shuffle: true,
      validationData: [test.x, test.y],
      onEpochEnd: async (epoch, logs) => {
        const seconds = (performance.now() - lastEpochEnd) / 1000;
        lastEpochEnd = performance.now();
        grid.show(await current.predict(grid.x));
        chart.add(++epochsRun, logs.loss);
        ui.progress.value = epoch + 1;
        ui.epoch.textContent = `${epoch + 1} / ${epochs}`;
        ui.loss.textContent = logs.loss.toFixed(4);
        ui.trainAccuracy.textContent = logs.accuracy?.toFixed(4) ?? '';
        ui.testAccuracy.textContent = logs.val_accuracy?.toFixed(4) ?? '';
        ui.epochTime.textContent = `${seconds.toFixed(2)} s`;
        current.stopTraining = stopRequested;
      },
    });
    ui.status.textContent = 'done';
  }

  ui.mode.addEventListener('change', () => lockedWhile('loading', () => load(ui.mode.value as ModeName)));

  ui.train.addEventListener('click', () => {
    const ready = loaded;
    if (ready && ui.controls.reportValidity()) lockedWhile('training', () => run(ready));
  });

  ui.stop.addEventListener('click', () => {
    stopRequested = true;
    ui.stop.disabled = true;
    ui.status.textContent = 'stopping after this epoch';
  });

  ui.reset.addEventListener('click', () => {
    discard();
    ui.status.textContent = 'ready';
    setBusy(undefined);
  });

  ui.clear.addEventListener('click', () => pad.clear());

  lockedWhile('loading', () => load(ui.mode.value as ModeName));
}

main();
