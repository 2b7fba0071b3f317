// `webgpu-nn train`: trains a Sequential of Dense layers on a data file, showing the progress of the epochs, prints
// the loss (and accuracy for sigmoid outputs) on the data, and saves the model as TF.js files.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ActivationName, type BackendName, Dense, SGD, Sequential, modelFiles } from 'webgpu-nn';
import { readDataset, targets } from './data';
import { backendOptions } from './node-webgpu';
import { epochProgress } from './progress';

export interface TrainOptions {
  data: string;
  /** Units of each Dense layer, the last the output. */
  layers: number[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  /** Of the hidden layers. */
  activation: ActivationName;
  outputActivation: ActivationName;
  loss: 'binaryCrossentropy' | 'meanSquaredError';
  backend: BackendName;
  seed?: number;
  /** Where to write model.json and model.weights.bin. */
  out?: string;
}

export async function train(options: TrainOptions): Promise<void> {
  const { x, labels } = await readDataset(options.data);
  const last = options.layers.length - 1;
  const y = targets(labels, options.layers[last], `--data ${options.data}`);
  const classifier = options.outputActivation === 'sigmoid';
  const model = new Sequential(
    options.layers.map(
      (units, l) => new Dense({ units, activation: l === last ? options.outputActivation : options.activation, ...(l === 0 ? { inputDim: x.shape[1] } : {}) }),
    ),
  );
  try {
    await model.compile({
      loss: options.loss,
      optimizer: new SGD({ learningRate: options.learningRate }),
      metrics: classifier ? ['accuracy'] : undefined,
      seed: options.seed,
      ...(await backendOptions(options.backend)),
    });
    console.log(`${x.shape[0]} rows of ${x.shape[1]} features from ${options.data}, on ${model.backendName}${model.adapterInfo ? ` (${model.adapterInfo})` : ''}`);
    const progress = epochProgress(options.epochs, classifier);
    await model
      .fit(x, y, { epochs: options.epochs, batchSize: options.batchSize, onEpochEnd: (epoch, logs) => progress.epochEnd(epoch, logs) })
      .finally(() => progress.stop());
    const { loss, accuracy } = await model.evaluate(x, y);
    console.log(`loss ${loss.toFixed(4)}${accuracy === undefined ? '' : `, accuracy ${accuracy.toFixed(4)}`} on the ${x.shape[0]} rows`);
    if (options.out !== undefined) {
      await mkdir(options.out, { recursive: true });
      const files = modelFiles(await model.save());
      for (const { name, data } of files) await writeFile(join(options.out, name), typeof data === 'string' ? data : new Uint8Array(data));
      console.log(`saved ${files.map(({ name }) => join(options.out!, name)).join(' and ')}`);
    }
  } finally {
    model.dispose();
  }
}
