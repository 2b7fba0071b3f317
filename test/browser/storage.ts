// The browser host of the model-storage suite: webgpu-nn and TF.js 4.22 in one page, saving to and loading from the
// same IndexedDB and localStorage. test/storage.browser.test.ts drives it through puppeteer.
import * as tf from '@tensorflow/tfjs';
import { Dense, Sequential, WebGPUNNError, listModels, removeModel } from '../../src/index';
import { randomMatrix } from '../support/data';

type Scheme = 'indexeddb' | 'localstorage';

const x = randomMatrix(9, 6, 21);

async function ourModel(): Promise<Sequential> {
  const model = new Sequential([new Dense({ units: 5, activation: 'tanh', inputDim: 6 }), new Dense({ units: 3, activation: 'softmax' })]);
  await model.compile({ loss: 'categoricalCrossentropy', backend: 'cpu', seed: 9 });
  return model;
}

function theirModel(): tf.Sequential {
  return tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'relu', inputShape: [6] }), tf.layers.dense({ units: 2, activation: 'sigmoid' })] });
}

const theirPrediction = (model: tf.LayersModel) => Array.from(tf.tidy(() => (model.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync()));

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => (a.length !== b.length ? Infinity : Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]))));

async function caught(call: () => Promise<unknown>): Promise<{ code?: string; message: string } | undefined> {
  try {
    await call();
    return undefined;
  } catch (error) {
    return { code: error instanceof WebGPUNNError ? error.code : undefined, message: String((error as Error).message) };
  }
}

const api = {
  /** webgpu-nn saves to `scheme://name`; TF.js loads it there. Their predictions' largest difference. */
  async oursToTheirs(scheme: Scheme, name: string) {
    const ours = await ourModel();
    const result = await ours.save(`${scheme}://${name}`);
    const theirs = await tf.loadLayersModel(`${scheme}://${name}`);
    const difference = maxDifference((await ours.predict(x)).data, theirPrediction(theirs));
    ours.dispose();
    theirs.dispose();
    return { difference, weightDataBytes: result.modelArtifactsInfo.weightDataBytes };
  },

  /** TF.js saves to `scheme://name`; webgpu-nn loads it there. Their predictions' largest difference. */
  async theirsToOurs(scheme: Scheme, name: string) {
    const theirs = theirModel();
    await theirs.save(`${scheme}://${name}`);
    const ours = await Sequential.load(`${scheme}://${name}`, { backend: 'cpu' });
    const difference = maxDifference((await ours.predict(x)).data, theirPrediction(theirs));
    ours.dispose();
    theirs.dispose();
    return { difference };
  },

  /** What listModels and tf.io.listModels list, and what each sees after the other removes a model. */
  async management() {
    const listed = { ours: Object.keys(await listModels()).sort(), theirs: Object.keys(await tf.io.listModels()).sort() };
    const removedByUs = await removeModel('indexeddb://theirs-idb');
    await tf.io.removeModel('localstorage://ours-ls');
    const after = { ours: Object.keys(await listModels()).sort(), theirs: Object.keys(await tf.io.listModels()).sort() };
    const missing = await caught(() => Sequential.load('indexeddb://theirs-idb'));
    const removeMissing = await caught(() => removeModel('localstorage://ours-ls'));
    return { listed, after, removedBytes: removedByUs.weightDataBytes, missing, removeMissing };
  },

  /** A model too large for localStorage's quota: the error, and the keys left behind. */
  async quota() {
    const big = new Sequential([new Dense({ units: 1500, inputDim: 1500 })]);
    await big.compile({ loss: 'meanSquaredError', backend: 'cpu', seed: 1 });
    const error = await caught(() => big.save('localstorage://too-big'));
    big.dispose();
    return { error, left: Object.keys(localStorage).filter((key) => key.includes('too-big')) };
  },

  /** Loads model.json and its shards from `url` (another origin), and returns the weights. */
  async http(url: string) {
    const model = await Sequential.load(url, { backend: 'cpu' });
    const weights = (await model.getWeights()).map((w) => Array.from(w));
    model.dispose();
    return weights;
  },

  /** Saves to downloads://name, and returns the model's weights and what the save reported. */
  async download(name: string) {
    const model = await ourModel();
    const result = await model.save(`downloads://${name}`);
    const weights = (await model.getWeights()).map((w) => Array.from(w));
    model.dispose();
    return { weights, weightDataBytes: result.modelArtifactsInfo.weightDataBytes };
  },
};

(window as unknown as { storage: typeof api }).storage = api;
document.title = 'ready';
