// The digit demo: trains a network on MNIST digits, 0 or 1 or all ten, then classifies test digits and drawings.
// The training runs in a worker (worker.ts, through trainer.ts); this page only shows what it reports.
import { coalesce } from './coalesce';
import { DigitGrid, drawDigit } from './digit-grid';
import { DrawPad } from './draw-pad';
import { LossChart } from './loss-chart';
import { MODES, type Mode, type ModeName } from './modes';
import { type HiddenActivation, type NetworkSettings, describeNetwork, parseUnits } from './network';
import { SIDE, toInput } from './preprocess';
import { classProbabilities } from './probabilities';
import { ProbabilityBars } from './probability-bars';
import type { TrainEvent } from './protocol';
import { Trainer } from './trainer';
import { WeightImages } from './weight-images';

const GRID_DIGITS = 48;
/** The most first-layer images shown. */
const WEIGHT_IMAGES = 64;

const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const ui = {
  heading: element('heading'),
  network: element('network'),
  summary: element('summary'),
  mode: element<HTMLSelectElement>('mode'),
  controls: element<HTMLFormElement>('controls'),
  epochs: element<HTMLInputElement>('epochs'),
  learningRate: element<HTMLInputElement>('learning-rate'),
  batchSize: element<HTMLInputElement>('batch-size'),
  units: element<HTMLInputElement>('hidden-units'),
  activation: element<HTMLSelectElement>('activation'),
  earlyStopping: element<HTMLInputElement>('early-stopping'),
  sweep: element<HTMLInputElement>('sweep'),
  reduceOnPlateau: element<HTMLInputElement>('reduce-on-plateau'),
  train: element<HTMLButtonElement>('train'),
  stop: element<HTMLButtonElement>('stop'),
  reset: element<HTMLButtonElement>('reset'),
  status: element('status'),
  backend: element('backend'),
  progress: element<HTMLProgressElement>('progress'),
  epoch: element('epoch'),
  epochRate: element('epoch-rate'),
  loss: element('loss'),
  valLoss: element('val-loss'),
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

/** A mode with its data loaded in the worker and its test digits in the grid. */
interface Loaded {
  mode: Mode;
  grid: DigitGrid;
}

function main(): void {
  const trainer = new Trainer();
  const chart = new LossChart(element<HTMLCanvasElement>('loss-chart'));
  const weights = new WeightImages(element<HTMLCanvasElement>('weights'), element('weights-note'), WEIGHT_IMAGES);
  const bars = new ProbabilityBars(ui.probabilities, 10);
  let loaded: Loaded | undefined;
  /** Whether the worker holds a model: it has started training since the last load or reset. */
  let trained = false;
  let busy: 'loading' | 'training' | undefined;

  // The drawing as the network sees it, and its class probabilities once a model is trained and the page is idle.
  const refreshDrawing = coalesce(
    async () => {
      const input = toInput(pad.image());
      drawDigit(ui.input, input ?? new Float32Array(SIDE * SIDE));
      const output = input && trained && !busy ? await trainer.predict({ shape: [1, SIDE * SIDE], data: input }) : undefined;
      const probabilities = output && classProbabilities(output, 0);
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
    for (const control of [ui.mode, ui.epochs, ui.batchSize, ui.earlyStopping, ui.reduceOnPlateau]) control.disabled = busy !== undefined;
    for (const control of [ui.train, ui.reset]) control.disabled = busy !== undefined || loaded === undefined;
    ui.stop.disabled = busy !== 'training';
    // The network's settings belong to the model: Reset to change them.
    for (const control of [ui.learningRate, ui.units, ui.activation, ui.sweep]) control.disabled = busy !== undefined || trained;
    refreshDrawing();
  }

  /** Runs `work` with the controls locked, showing its error if it fails. */
  function lockedWhile(state: 'loading' | 'training', work: () => Promise<void>): void {
    setBusy(state);
    work()
      .catch((error: Error) => (ui.status.textContent = `error: ${error.message}`))
      .finally(() => setBusy(undefined));
  }

  /** The hidden layers the controls describe, checked; the header names the network they make. */
  function networkSettings(): NetworkSettings | undefined {
    const units = parseUnits(ui.units.value);
    ui.units.setCustomValidity('problem' in units ? units.problem : '');
    if ('problem' in units) return undefined;
    const activation = ui.activation.value as HiddenActivation;
    if (loaded) ui.network.textContent = describeNetwork(loaded.mode, { units, activation });
    return { units, activation, learningRate: ui.learningRate.valueAsNumber };
  }

  /** Drops everything shown of the model's training (the worker drops the model). */
  function clearTraining(): void {
    trained = false;
    chart.clear();
    weights.clear();
    loaded?.grid.clear();
    for (const shown of [ui.backend, ui.epoch, ui.loss, ui.valLoss, ui.trainAccuracy, ui.testAccuracy, ui.epochTime]) shown.textContent = '';
    ui.progress.value = 0;
  }

  async function load(name: ModeName): Promise<void> {
    clearTraining();
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
    ui.units.value = mode.defaults.units.join(', ');
    ui.activation.value = mode.defaults.activation;
    const { trainRows, grid } = await trainer.load(name, GRID_DIGITS);
    ui.batchSize.max = String(trainRows);
    loaded = { mode, grid: new DigitGrid(ui.grid, grid) };
    networkSettings();
    ui.status.textContent = 'ready';
  }

  // The panels drawn for each epoch, each in a task of its own and in order, so that no epoch's drawing makes one
  // long task of the page's main thread. `drawn` settles when all that is queued is drawn.
  let drawn = Promise.resolve();
  const drawLater = (step: () => void) => (drawn = drawn.then(nextTask).then(step));

  /** The epoch the progress bar counts from: the model's epochs before this run. */
  let progressFrom = 0;

  function show(event: TrainEvent, grid: DigitGrid): void {
    if (event.type === 'started') {
      trained = true;
      ui.backend.textContent = event.backend;
      ui.progress.max = event.epochs - event.initialEpoch;
      ui.progress.value = 0;
      ui.epoch.textContent = `0 / ${ui.progress.max}`;
      progressFrom = event.initialEpoch;
      return;
    }
    const { epoch, logs, learningRate, seconds, firstLayer } = event;
    drawLater(() => grid.show(event.grid));
    drawLater(() => weights.show(firstLayer));
    const { sweep } = event;
    drawLater(() => (sweep ? chart.addSweep(epoch + 1, sweep.rates, sweep.losses) : chart.add(epoch + 1, logs.loss, logs.val_loss)));
    ui.progress.value = epoch + 1 - progressFrom;
    ui.epoch.textContent = `${ui.progress.value} / ${ui.progress.max}`;
    ui.epochRate.textContent = `${Math.fround(learningRate)}${sweep ? ` (the best of ${sweep.rates.length})` : ''}`;
    ui.loss.textContent = logs.loss.toFixed(4);
    ui.valLoss.textContent = logs.val_loss?.toFixed(4) ?? '';
    ui.trainAccuracy.textContent = logs.accuracy?.toFixed(4) ?? '';
    ui.testAccuracy.textContent = logs.val_accuracy?.toFixed(4) ?? '';
    ui.epochTime.textContent = `${seconds.toFixed(2)} s`;
  }

  async function run({ grid }: Loaded, network: NetworkSettings): Promise<void> {
    ui.status.textContent = 'training';
    const control = { earlyStopping: ui.earlyStopping.checked, reduceOnPlateau: ui.reduceOnPlateau.checked };
    const settings = { network, epochs: ui.epochs.valueAsNumber, batchSize: ui.batchSize.valueAsNumber, control, sweep: ui.sweep.checked };
    await trainer.train(settings, (event) => show(event, grid));
    await drawn;
    ui.status.textContent = 'done';
  }

  ui.mode.addEventListener('change', () => lockedWhile('loading', () => load(ui.mode.value as ModeName)));

  for (const control of [ui.units, ui.activation]) control.addEventListener('input', () => networkSettings());

  ui.train.addEventListener('click', () => {
    const ready = loaded;
    const network = networkSettings(); // first: it marks a bad units field invalid
    if (ui.controls.reportValidity() && ready && network) lockedWhile('training', () => run(ready, network));
  });

  ui.stop.addEventListener('click', () => {
    void trainer.stop();
    ui.stop.disabled = true;
    ui.status.textContent = 'stopping after this epoch';
  });

  ui.reset.addEventListener('click', () => {
    void trainer.reset();
    clearTraining();
    ui.status.textContent = 'ready';
    setBusy(undefined);
  });

  ui.clear.addEventListener('click', () => pad.clear());

  lockedWhile('loading', () => load(ui.mode.value as ModeName));
}

main();
