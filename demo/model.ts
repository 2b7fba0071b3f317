// The demo's network, its accuracy measure and the label for where it runs.
import { BinaryCrossentropy, Dense, SGD, Sequential } from '../src/index';

/** 400 pixels → 25 → 15 → P(digit is 1), all sigmoid, as in the lesson. */
export async function createModel(learningRate: number): Promise<Sequential> {
  const model = new Sequential([
    new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }),
    new Dense({ units: 15, activation: 'sigmoid' }),
    new Dense({ units: 1, activation: 'sigmoid' }),
  ]);
  await model.compile({ loss: new BinaryCrossentropy(), optimizer: new SGD({ learningRate }), backend: 'auto', seed: 42 });
  return model;
}

/** The fraction of rows whose probability, thresholded at 0.5, equals the label. */
export function accuracy(probabilities: Float32Array, labels: Uint8Array): number {
  let correct = 0;
  labels.forEach((label, i) => {
    if (Number(probabilities[i] >= 0.5) === label) correct++;
  });
  return correct / labels.length;
}

export function backendLabel(model: Sequential): string {
  return model.backendName === 'webgpu' ? `WebGPU · ${model.adapterInfo ?? 'unknown adapter'}` : 'CPU reference: WebGPU unavailable';
}
