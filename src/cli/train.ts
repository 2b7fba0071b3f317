// `webgpu-nn train`: builds a network from --layers (or loads one with --from), trains it on a data file showing
// the progress of the epochs, prints its scores on the data (and on the rows --validation-split held out), and
// saves it as TF.js files with --out.
import { Adam, AdamW, type BackendName, type CompileOptions, type Optimizer, RMSprop, SGD, Sequential } from 'webgpu-nn';
import { readDataset, targets } from './data';
import { type LayerItem, buildLayers } from './layers';
import { loadModelDir, outputWidth, runsOn, saveModelDir } from './model-dir';
import { backendOptions } from './node-webgpu';
import { epochProgress, scoresText } from './progress';

export const optimizers = { sgd: SGD, adam: Adam, adamw: AdamW, rmsprop: RMSprop };

export interface TrainOptions {
  data: string;
  /** The new network's layers; or `from`. */
  layers?: LayerItem[];
  /** A model directory to continue training. */
  from?: string;
  epochs: number;
  batchSize: number;
  optimizer: keyof typeof optimizers;
  /** Default: the optimizer's. */
  learningRate?: number;
  /** Of the Dense layers that name none, the last excepted. */
  activation: string;
  /** Of the last layer, where it is Dense and names none. */
  outputActivation: string;
  /** Default: sparseCategoricalCrossentropy after a softmax, else binaryCrossentropy. */
  loss?: Exclude<CompileOptions['loss'], object>;
  /** Default: accuracy for sigmoid and softmax outputs. */
  metrics?: string[];
  validationSplit: number;
  backend: BackendName;
  seed?: number;
  /** Where to write model.json and model.weights.bin. */
  out?: string;
}

export async function train(options: TrainOptions): Promise<void> {
  const { x, labels } = await readDataset(options.data);
  const rows = x.shape[0];
  const backend = await backendOptions(options.backend);
  const model = options.from !== undefined ? await loadModelDir(options.from, backend) : new Sequential(buildLayers(options.layers!, x.shape[1], options));
  try {
    const output = model.layers[model.layers.length - 1].activation ?? 'linear';
    const loss = options.loss ?? (output === 'softmax' ? 'sparseCategoricalCrossentropy' : 'binaryCrossentropy');
    const y = targets(labels, loss, outputWidth(model.layers), `--data ${options.data}`);
    const optimizer: Optimizer = new optimizers[options.optimizer](options.learningRate === undefined ? undefined : { learningRate: options.learningRate });
    // The metric names go to compile as they are: its checks name what it accepts.
    const metrics = (options.metrics ?? (output === 'sigmoid' || output === 'softmax' ? ['accuracy'] : [])) as CompileOptions['metrics'];
    await model.compile({ loss, optimizer, metrics, seed: options.seed, ...backend });
    console.log(`${rows} rows of ${x.shape[1]} features from ${options.data}, on ${runsOn(model)}`);
    if (options.from !== undefined) console.log(`${scoresText(await model.evaluate(x, y), ', ')} on the ${rows} rows, as loaded from ${options.from}`);

    const progress = epochProgress(options.epochs);
    const history = await model
      .fit(x, y, {
        epochs: options.epochs,
        batchSize: options.batchSize,
        validationSplit: options.validationSplit,
        onEpochEnd: (epoch, logs) => progress.epochEnd(epoch, logs),
      })
      .finally(() => progress.stop());
    console.log(`${scoresText(await model.evaluate(x, y), ', ')} on the ${rows} rows`);
    if (options.validationSplit > 0) {
      const last = history.epoch.length - 1;
      const validation = Object.fromEntries(Object.keys(history).filter((key) => key.startsWith('val_')).map((key) => [key, history[key][last]]));
      console.log(`${scoresText(validation, ', ')} on the last ${options.validationSplit} of the rows, held out`);
    }
    if (options.out !== undefined) console.log(`saved ${(await saveModelDir(model, options.out)).join(' and ')}`);
  } finally {
    model.dispose();
  }
}
