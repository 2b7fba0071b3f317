// The demo's network for a mode and the user's settings, and the label for where it runs. Used by the worker only.
import { Adam, Dense, SGD, Sequential } from '../src/index';
import { FEATURES } from '../src/data/digits';
import type { Mode } from './modes';
import type { NetworkSettings } from './network';

/** The hidden layers, then the mode's output, compiled to report training and validation accuracy. */
export async function createModel(mode: Mode, { units, activation, learningRate }: NetworkSettings): Promise<Sequential> {
  const hidden = units.map((width, i) => new Dense({ units: width, activation, inputDim: i === 0 ? FEATURES : undefined }));
  const model = new Sequential([...hidden, new Dense({ units: mode.output.units, activation: mode.output.activation })]);
  const optimizer = mode.optimizer === 'sgd' ? new SGD({ learningRate }) : new Adam({ learningRate });
  await model.compile({ loss: mode.loss, optimizer, metrics: ['accuracy'], backend: 'auto', seed: 42 });
  return model;
}

export function backendLabel(model: Sequential): string {
  return model.backendName === 'webgpu' ? `WebGPU · ${model.adapterInfo ?? 'unknown adapter'}` : 'CPU reference: WebGPU unavailable';
}
