// The demo's network for a mode, its outputs read as class probabilities, and the label for where it runs.
import { type Matrix, Sequential } from '../src/index';
import type { Mode } from './modes';

/** The mode's network, compiled to report training and validation accuracy. */
export async function createModel(mode: Mode, learningRate: number): Promise<Sequential> {
  const model = new Sequential(mode.layers());
  await model.compile({ loss: mode.loss(), optimizer: mode.optimizer(learningRate), metrics: ['accuracy'], backend: 'auto', seed: 42 });
  return model;
}

/** The probability of each class for one row of outputs: [P(0), P(1)] from a single sigmoid unit, else the row. */
export function classProbabilities(output: Matrix, row: number): Float32Array {
  const units = output.shape[1];
  if (units === 1) return Float32Array.of(1 - output.data[row], output.data[row]);
  return output.data.subarray(row * units, (row + 1) * units);
}

/** The index of the largest value. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function backendLabel(model: Sequential): string {
  return model.backendName === 'webgpu' ? `WebGPU · ${model.adapterInfo ?? 'unknown adapter'}` : 'CPU reference: WebGPU unavailable';
}
