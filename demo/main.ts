// The digit demo: trains the 0-or-1 network on MNIST digits in the browser, then classifies test digits and drawings.
import type { Sequential } from '../src/index';
import { coalesce } from './coalesce';
import testUrl from './data/binary-test.u8?url';
import trainUrl from './data/binary-train.u8?url';
import { DigitGrid, drawDigit } from './digit-grid';
import { FEATURES, loadDigits } from './digits';
import { DrawPad } from './draw-pad';
import { LossChart } from './loss-chart';
import { accuracy, backendLabel, createModel } from './model';
import { toInput } from './preprocess';

const GRID_DIGITS = 48;

function element<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found as T;
}

const ui = {
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
  clear: element<HTMLButtonElement>('clear'),
  probability: element('draw-probability'),
  input: element<HTMLCanvasElement>('draw-input'),
};

async function main(): Promise<void> {
  const [train, test] = await Promise.all([loadDigits(trainUrl), loadDigits(testUrl)]);
  const chart = new LossChart(element<HTMLCanvasElement>('loss-chart'));
  const grid = new DigitGrid(element('grid'), test, GRID_DIGITS);
  let model: Sequential | undefined;
  let training = false;
  let stopRequested = false;
  let epochsRun = 0;

  // The drawing as the network sees it, and its P(1) once a model is trained and not training.
  const refreshDrawing = coalesce(
    async () => {
      const input = toInput(pad.image());
      drawDigit(ui.input, input ?? new Float32Array(FEATURES));
      let probability = '';
      if (input && model && !training) probability = (await model.predict({ shape: [1, FEATURES], data: input })).data[0].toFixed(3);
      ui.probability.textContent = probability;
    },
    (busy) => ui.probability.toggleAttribute('data-busy', busy),
  );
  const pad = new DrawPad(element<HTMLCanvasElement>('draw-canvas'), refreshDrawing);

  function setTraining(on: boolean): void {
    training = on;
    ui.train.disabled = ui.reset.disabled = ui.epochs.disabled = ui.batchSize.disabled = on;
    ui.stop.disabled = !on;
    // The learning rate belongs to the model: Reset to change it.
    ui.learningRate.disabled = on || model !== undefined;
    refreshDrawing();
  }

  async function run(): Promise<void> {
    stopRequested = false;
    setTraining(true);
    ui.status.textContent = 'training';
    const current = (model ??= await createModel(ui.learningRate.valueAsNumber));
    ui.backend.textContent = backendLabel(current);
    const epochs = ui.epochs.valueAsNumber;
    ui.progress.max = epochs;
    ui.progress.value = 0;
    ui.epoch.textContent = `0 / ${epochs}`;
    // Wall time between epoch ends, the accuracy evaluation included.
    let lastEpochEnd = performance.now();
    await current.fit(train.x, train.y, {
      epochs,
      batchSize: ui.batchSize.valueAsNumber,
      shuffle: true,
      onEpochEnd: async (epoch, { loss }) => {
        const seconds = (performance.now() - lastEpochEnd) / 1000;
        lastEpochEnd = performance.now();
        const trainP = (await current.predict(train.x)).data;
        const testP = (await current.predict(test.x)).data;
        chart.add(++epochsRun, loss);
        grid.show(testP);
        ui.progress.value = epoch + 1;
        ui.epoch.textContent = `${epoch + 1} / ${epochs}`;
        ui.loss.textContent = loss.toFixed(4);
        ui.trainAccuracy.textContent = accuracy(trainP, train.labels).toFixed(4);
        ui.testAccuracy.textContent = accuracy(testP, test.labels).toFixed(4);
        ui.epochTime.textContent = `${seconds.toFixed(2)} s`;
        current.stopTraining = stopRequested;
      },
    });
    ui.status.textContent = 'done';
  }

  ui.train.addEventListener('click', () => {
    if (!ui.controls.reportValidity()) return;
    run()
      .catch((error: Error) => (ui.status.textContent = `error: ${error.message}`))
      .finally(() => setTraining(false));
  });

  ui.stop.addEventListener('click', () => {
    stopRequested = true;
    ui.stop.disabled = true;
    ui.status.textContent = 'stopping after this epoch';
  });

  ui.reset.addEventListener('click', () => {
    model?.dispose();
    model = undefined;
    epochsRun = 0;
    chart.clear();
    grid.clear();
    for (const shown of [ui.backend, ui.epoch, ui.loss, ui.trainAccuracy, ui.testAccuracy, ui.epochTime]) shown.textContent = '';
    ui.progress.value = 0;
    ui.status.textContent = 'ready';
    setTraining(false);
  });

  ui.clear.addEventListener('click', () => pad.clear());

  setTraining(false);
  ui.status.textContent = 'ready';
}

main().catch((error: Error) => (ui.status.textContent = `error: ${error.message}`));
