// webgpu-nn in a dedicated worker, as an app imports it: one network trained from the same seed on WebGPU (through
// the worker's navigator.gpu, with backend 'auto') and on the CPU reference, its results posted to the page.
import { Adam, Dense, Sequential } from '../../src/index';
import { halvesDataset } from '../support/data';

interface Run {
  backend: string | undefined;
  warnings: string[];
  loss: number[];
  valLoss: number[];
  accuracy: number[];
  weights: number[][];
  prediction: number[];
  evaluated: number;
}

export interface WorkerReport {
  /** What the worker's global scope offers: no document or window, and WorkerNavigator's gpu. */
  scope: { document: boolean; window: boolean; gpu: boolean };
  gpu?: Run;
  cpu?: Run;
  error?: string;
}

const train = halvesDataset(96, 12, 3);
const test = halvesDataset(40, 12, 4);

async function run(backend: 'auto' | 'cpu'): Promise<Run> {
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.join(' '));
  try {
    const model = new Sequential([
      new Dense({ units: 8, activation: 'tanh', inputDim: 12 }),
      new Dense({ units: 5, activation: 'relu' }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ]);
    await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.02 }), metrics: ['accuracy'], backend, seed: 11 });
    const history = await model.fit(train.x, train.y, { epochs: 12, batchSize: 16, validationData: [test.x, test.y] });
    const result: Run = {
      backend: model.backendName,
      warnings,
      loss: history.loss,
      valLoss: history.val_loss,
      accuracy: history.accuracy,
      weights: (await model.getWeights()).map((w) => Array.from(w)),
      prediction: Array.from((await model.predict(test.x)).data),
      evaluated: (await model.evaluate(test.x, test.y)).loss,
    };
    model.dispose();
    return result;
  } finally {
    console.warn = warn;
  }
}

async function report(): Promise<WorkerReport> {
  const scope = { document: typeof document !== 'undefined', window: typeof window !== 'undefined', gpu: 'gpu' in navigator };
  try {
    return { scope, gpu: await run('auto'), cpu: await run('cpu') };
  } catch (error) {
    return { scope, error: String((error as Error)?.stack ?? error) };
  }
}

postMessage(await report());
