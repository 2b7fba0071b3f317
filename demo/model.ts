// The demo's networks for a mode and the user's settings: one model, or a sweep of learning rates trained side by
// side as a ModelGroup; and the label for where they run. Used by the worker only.
import { Adam, Dense, ModelGroup, SGD, Sequential } from '../src/index';
import { FEATURES } from '../src/data/digits';
import type { Mode } from './modes';
import type { NetworkSettings } from './network';

/** The learning rates of a sweep around the user's: 1/8 to 8 times it, in factors of 2. */
export const sweepRates = (learningRate: number) => [-3, -2, -1, 0, 1, 2, 3].map((k) => learningRate * 2 ** k);

/** The hidden layers, then the mode's output. */
function network(mode: Mode, { units, activation }: NetworkSettings): Sequential {
  const hidden = units.map((width, i) => new Dense({ units: width, activation, inputDim: i === 0 ? FEATURES : undefined }));
  return new Sequential([...hidden, new Dense({ units: mode.output.units, activation: mode.output.activation })]);
}

const optimizer = (mode: Mode, learningRate: number) => (mode.optimizer === 'sgd' ? new SGD({ learningRate }) : new Adam({ learningRate }));

/** The network, compiled to report training and validation accuracy. */
export async function createModel(mode: Mode, settings: NetworkSettings): Promise<Sequential> {
  const model = network(mode, settings);
  await model.compile({ loss: mode.loss, optimizer: optimizer(mode, settings.learningRate), metrics: ['accuracy'], backend: 'auto', seed: 42 });
  return model;
}

/** The network at each of the sweep's learning rates, from the same initial weights, as one group. */
export async function createSweep(mode: Mode, settings: NetworkSettings): Promise<ModelGroup> {
  const rates = sweepRates(settings.learningRate);
  const group = new ModelGroup(rates.map(() => network(mode, settings)));
  await group.compile({ loss: mode.loss, optimizer: (i) => optimizer(mode, rates[i]), metrics: ['accuracy'], backend: 'auto', seed: 42 });
  return group;
}

export function backendLabel(model: Sequential): string {
  return model.backendName === 'webgpu' ? `WebGPU · ${model.adapterInfo ?? 'unknown adapter'}` : 'CPU reference: WebGPU unavailable';
}
