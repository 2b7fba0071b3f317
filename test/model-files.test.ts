// Model files: what save() writes is a TF.js layers model, TF.js's own files load, and untrusted files are
// rejected with an error naming the field, before anything of the size they declare is allocated.
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Activation, BatchNormalization, Dense, Dropout, type ModelArtifacts, type ModelJSON, Sequential, downloadModel, initializers, readModelFiles, regularizers } from '../src/index';
import type { ActivationName } from '../src/index';
import { halvesDataset, randomMatrix } from './support/data';
import { nodeDevice } from './support/node-gpu';
import { rejection } from './support/rejection';

await tf.setBackend('cpu');

const save = async (model: tf.LayersModel) => {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
  return saved!;
};

/** model.json as TF.js's file handlers write it for saved artifacts. */
const modelJsonOf = (a: tf.io.ModelArtifacts) => ({
  modelTopology: a.modelTopology,
  format: a.format,
  generatedBy: a.generatedBy,
  convertedBy: a.convertedBy,
  weightsManifest: [{ paths: ['weights.bin'], weights: a.weightSpecs }],
});

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
};

const theirPrediction = (model: tf.LayersModel, x: { shape: [number, number]; data: Float32Array }) =>
  tf.tidy(() => (model.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync() as Float32Array);

/** Ours, trained a little on the CPU reference: 6 inputs → 5 → 4 → 3, one activation of each kind per layer. */
async function trainedModel(activations: ActivationName[] = ['relu', 'tanh', 'sigmoid']): Promise<Sequential> {
  const model = new Sequential(activations.map((activation, l) => new Dense({ units: 5 - l, activation, ...(l === 0 ? { inputDim: 6 } : {}) })));
  const loss = activations.at(-1) === 'softmax' ? 'categoricalCrossentropy' : 'meanSquaredError';
  await model.compile({ loss, optimizer: 'sgd', backend: 'cpu', seed: 7 });
  const x = randomMatrix(20, 6, 1);
  const y = randomMatrix(20, 3, 2, 0, 1);
  await model.fit(x, loss === 'categoricalCrossentropy' ? { shape: y.shape, data: y.data.map((_, i) => (i % 3 === 0 ? 1 : 0)) } : y, { epochs: 3, batchSize: 8 });
  return model;
}

describe('save', () => {
  it('writes the topology TF.js writes for the same layers, and TF.js loads it and predicts the same numbers', async () => {
    const ours = await trainedModel();
    const { modelJson, weightData } = await ours.save();

    const same = tf.sequential({
      name: 'sequential',
      layers: [
        tf.layers.dense({ units: 5, activation: 'relu', inputShape: [6], kernelInitializer: 'glorotUniform', name: 'dense_1' }),
        tf.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: 'glorotUniform', name: 'dense_2' }),
        tf.layers.dense({ units: 3, activation: 'sigmoid', kernelInitializer: 'glorotUniform', name: 'dense_3' }),
      ],
    });
    const theirs = await save(same);
    expect(modelJson.modelTopology).toEqual(theirs.modelTopology);
    expect(modelJson.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: theirs.weightSpecs }]);
    expect(Object.keys(modelJson)).toEqual(['modelTopology', 'format', 'generatedBy', 'convertedBy', 'weightsManifest']);
    expect(modelJson).toMatchObject({ format: 'layers-model', generatedBy: 'webgpu-nn', convertedBy: null });
    same.dispose();

    // TF.js reads model.json as its file loaders do, weights through the manifest.
    const artifacts = await tf.io.getModelArtifactsForJSON(modelJson as unknown as tf.io.ModelJSON, async (manifest) => [manifest[0].weights, weightData]);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = randomMatrix(30, 6, 3);
    expect(maxDifference((await ours.predict(x)).data, theirPrediction(loaded, x))).toBeLessThanOrEqual(1e-6);
    const ourWeights = await ours.getWeights();
    loaded.getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(ourWeights[i]));
    loaded.dispose();
    ours.dispose();
  });

  it('saves weights as little-endian float32 in manifest order: kernel [inputs, units], then bias, per layer', async () => {
    const model = new Sequential([new Dense({ units: 2, inputDim: 3 }), new Dense({ units: 1 })]);
    await model.compile({ loss: 'meanSquaredError', backend: 'cpu' });
    const weights = [[1, 2, 3, 4, 5, 6], [7, 8], [9, 10], [11]];
    await model.setWeights(weights);
    const { modelJson, weightData } = await model.save();
    expect(modelJson.weightsManifest[0].weights.map(({ name, shape }) => [name, shape])).toEqual([
      ['dense_1/kernel', [3, 2]],
      ['dense_1/bias', [2]],
      ['dense_2/kernel', [2, 1]],
      ['dense_2/bias', [1]],
    ]);
    const view = new DataView(weightData);
    expect(Array.from({ length: 11 }, (_, i) => view.getFloat32(4 * i, true))).toEqual(weights.flat());
    model.dispose();
  });

  it('round-trips: save → load → save gives the same JSON and the same bytes', async () => {
    for (const activations of [['relu', 'tanh', 'sigmoid'], ['sigmoid', 'linear', 'softmax']] as ActivationName[][]) {
      const model = await trainedModel(activations);
      const first = await model.save();
      const loaded = await Sequential.load(first, { backend: 'cpu' });
      const second = await loaded.save();
      expect(JSON.stringify(second.modelJson)).toBe(JSON.stringify(first.modelJson));
      expect(new Uint8Array(second.weightData)).toEqual(new Uint8Array(first.weightData));
      model.dispose();
      loaded.dispose();
    }
  });

  it('needs a built model, and layer names that tell the weights apart', async () => {
    const unbuilt = new Sequential([new Dense({ units: 1 })]);
    await expectError(() => unbuilt.save(), 'NOT_COMPILED', /^save: expected a compiled model/);
    const twins = new Sequential([new Dense({ units: 2, inputDim: 2, name: 'a' }), new Dense({ units: 1, name: 'a' })]);
    await twins.compile({ loss: 'meanSquaredError', backend: 'cpu' });
    await expectError(() => twins.save(), 'INVALID_ARGUMENT', 'save(): model.layers[1].name: expected a name no other layer has', 'got "a"');
  });
});

describe('load', () => {
  it("loads a model that TF.js trained and saved, and predicts TF.js's numbers", async () => {
    for (const [activations, loss] of [
      [['relu', 'tanh', 'sigmoid'], 'binaryCrossentropy'],
      [['sigmoid', 'relu', 'softmax'], 'categoricalCrossentropy'],
    ] as const) {
      const theirs = tf.sequential({
        layers: activations.map((activation, l) => tf.layers.dense({ units: [8, 6, 3][l], activation, ...(l === 0 ? { inputShape: [5] } : {}) })),
      });
      theirs.compile({ loss, optimizer: tf.train.adam(0.05) });
      const x = randomMatrix(40, 5, 4);
      const y = tf.oneHot(tf.tensor1d(Array.from({ length: 40 }, (_, i) => i % 3), 'int32'), 3).toFloat();
      await theirs.fit(tf.tensor2d(x.data, x.shape), y, { epochs: 5, verbose: 0 });
      const saved = await save(theirs);
      const weightData = tf.io.CompositeArrayBuffer.join(saved.weightData);

      const ours = await Sequential.load({ modelJson: modelJsonOf(saved) as unknown as ModelJSON, weightData }, { backend: 'cpu' });
      expect((ours.layers as Dense[]).map((layer) => [layer.name, layer.units, layer.activation])).toEqual(theirs.layers.map((layer, l) => [layer.name, [8, 6, 3][l], activations[l]]));
      expect(ours.layers[0].name).toMatch(/^dense_Dense\d+$/);
      expect(maxDifference((await ours.predict(x)).data, theirPrediction(theirs, x))).toBeLessThanOrEqual(1e-6);
      ours.dispose();
      theirs.dispose();
      y.dispose();
    }
  });

  it('accepts model.json as text and the weights as a Node Buffer', async () => {
    const model = await trainedModel();
    const { modelJson, weightData } = await model.save();
    const x = randomMatrix(5, 6, 5);
    const loaded = await Sequential.load({ modelJson: JSON.stringify(modelJson), weightData: Buffer.from(weightData) }, { backend: 'cpu' });
    expect((await loaded.predict(x)).data).toEqual((await model.predict(x)).data);
    model.dispose();
    loaded.dispose();
  });

  it('reads a Keras topology as tensorflowjs_converter writes it: model_config, an InputLayer, weights named layer/kernel', async () => {
    const model = await trainedModel();
    const { modelJson, weightData } = await model.save();
    const layers = modelJson.modelTopology.config.layers.map(({ class_name, config: { batch_input_shape: _, dtype: __, ...config } }) => ({ class_name, config }));
    const keras = {
      format: 'layers-model',
      generatedBy: 'keras v2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        keras_version: '2.15.0',
        backend: 'tensorflow',
        model_config: {
          class_name: 'Sequential',
          config: { name: 'sequential', layers: [{ class_name: 'InputLayer', config: { batch_input_shape: [null, 6], dtype: 'float32', name: 'dense_input' } }, ...layers] },
        },
        training_config: { loss: 'mse' },
      },
      weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: modelJson.weightsManifest[0].weights.slice().reverse() }],
    };
    const reversed = new Float32Array((await model.getWeights()).reverse().flatMap((w) => Array.from(w)));
    const loaded = await Sequential.load({ modelJson: JSON.stringify(keras), weightData: reversed.buffer }, { backend: 'cpu' });
    const x = randomMatrix(5, 6, 6);
    expect((await loaded.predict(x)).data).toEqual((await model.predict(x)).data);
    expect(new Uint8Array((await loaded.save()).weightData)).toEqual(new Uint8Array(weightData));
    model.dispose();
    loaded.dispose();
  });

  it('loads onto WebGPU (Dawn) with the given device, and predicts what the CPU reference predicts', async () => {
    const device = await nodeDevice();
    const model = await trainedModel();
    const onGpu = await Sequential.load(await model.save(), { backend: 'webgpu', device });
    expect(onGpu.backendName).toBe('webgpu');
    const x = randomMatrix(30, 6, 9);
    expect(maxDifference((await onGpu.predict(x)).data, (await model.predict(x)).data)).toBeLessThanOrEqual(1e-5);
    onGpu.dispose();
    model.dispose();
    device.destroy();
  });

  it('returns a model that compile keeps the weights of and fit trains', async () => {
    const model = await trainedModel(['relu', 'tanh', 'sigmoid']);
    const loaded = await Sequential.load(await model.save(), { backend: 'cpu' });
    const before = await loaded.getWeights();
    await loaded.compile({ loss: 'binaryCrossentropy', optimizer: 'sgd', backend: 'cpu' });
    expect(await loaded.getWeights()).toEqual(before);
    const { x } = halvesDataset(10, 6);
    await loaded.fit(x, randomMatrix(10, 3, 8, 0, 1), { epochs: 1 });
    expect(await loaded.getWeights()).not.toEqual(before);
    model.dispose();
    loaded.dispose();
  });
});

describe('untrusted files', () => {
  let artifacts: ModelArtifacts;
  let weights: Float32Array[];

  const fresh = async () => {
    const model = await trainedModel();
    artifacts = await model.save();
    weights = await model.getWeights();
    model.dispose();
  };

  /** The saved model.json after `edit`, with weight bytes of `bytes` (default: the saved ones). */
  const edited = (edit: (json: any) => void, bytes: ArrayBuffer = artifacts.weightData) => {
    const json = structuredClone(artifacts.modelJson);
    edit(json);
    return { modelJson: json, weightData: bytes };
  };
  const layer = (json: any, l: number) => json.modelTopology.config.layers[l].config;
  const spec = (json: any, k: number) => json.weightsManifest[0].weights[k];
  const at = (l: number) => `load(artifacts).modelJson.modelTopology.config.layers[${l}]`;
  const manifestAt = (k: number) => `load(artifacts).modelJson.weightsManifest[0].weights[${k}]`;

  const cases: [string, () => unknown, string, ...(string | RegExp)[]][] = [
    ['a weight file shorter than the manifest', () => edited(() => {}, artifacts.weightData.slice(4)), 'INVALID_MODEL_FILE', 'load(artifacts).weightData: expected 296 bytes', 'got 292'],
    ['a weight file longer than the manifest', () => edited(() => {}, new ArrayBuffer(300)), 'INVALID_MODEL_FILE', 'expected 296 bytes', 'got 300'],
    ['units above 2^24', () => edited((j) => (layer(j, 1).units = 2 ** 24 + 1)), 'INVALID_MODEL_FILE', `${at(1)}.config.units: expected an integer in [1, 2^24], got 16777217`],
    ['an input width above 2^24', () => edited((j) => (layer(j, 0).batch_input_shape = [null, 2 ** 30])), 'INVALID_MODEL_FILE', `${at(0)}.config.batch_input_shape[1]: expected an integer in [1, 2^24]`],
    // Widths that pass alone, and weights no machine could allocate: the check comes first.
    ['more than 2^28 parameters', () => edited((j) => ((layer(j, 0).batch_input_shape = [null, 2 ** 24]), (layer(j, 0).units = 2 ** 24))), 'INVALID_MODEL_FILE', 'config.layers: expected at most 2^28 parameters in all, got 281475060596755'],
    ['units that are not an integer', () => edited((j) => (layer(j, 2).units = 2.5)), 'INVALID_MODEL_FILE', `${at(2)}.config.units`, 'got 2.5'],
    ['NaN in the weights', () => edited(() => {}, nanAt(9)), 'NON_FINITE', "load(artifacts).weightData['dense_1/kernel'][9]: expected a finite number, got NaN"],
    ['Infinity in a bias', () => edited(() => {}, nanAt(31, Infinity)), 'NON_FINITE', "weightData['dense_1/bias'][1]", 'got Infinity'],
    ['an unknown layer class', () => edited((j) => (j.modelTopology.config.layers[1].class_name = 'Conv2D')), 'INVALID_MODEL_FILE', `${at(1)}.class_name: expected one of 'Dense', 'Dropout', 'BatchNormalization', 'Activation'`, 'got "Conv2D"'],
    ['an unknown activation', () => edited((j) => (layer(j, 0).activation = 'elu')), 'INVALID_MODEL_FILE', `${at(0)}.config.activation: expected one of 'sigmoid'`, 'got "elu"'],
    ['a functional model without its input and output', () => edited((j) => (j.modelTopology.class_name = 'Model')), 'INVALID_MODEL_FILE', 'load(artifacts).modelJson.modelTopology.config.input_layers: expected [[layer name, 0, 0]]', 'got undefined'],
    ['a topology of another class', () => edited((j) => (j.modelTopology.class_name = 'Graph')), 'INVALID_MODEL_FILE', "load(artifacts).modelJson.modelTopology.class_name: expected 'Sequential', or 'Functional' whose layers form a chain, got \"Graph\""],
    ['a graph model', () => edited((j) => (j.format = 'graph-model')), 'INVALID_MODEL_FILE', "load(artifacts).modelJson.format: expected 'layers-model', got \"graph-model\""],
    ['a missing topology', () => edited((j) => delete j.modelTopology), 'INVALID_MODEL_FILE', 'load(artifacts).modelJson.modelTopology: expected a Keras topology', 'got undefined'],
    ['a missing manifest', () => edited((j) => delete j.weightsManifest), 'INVALID_MODEL_FILE', 'load(artifacts).modelJson.weightsManifest: expected an array of { paths, weights } groups, got undefined'],
    ['missing units', () => edited((j) => delete layer(j, 1).units), 'INVALID_MODEL_FILE', `${at(1)}.config.units`, 'got undefined'],
    ['a missing layer name', () => edited((j) => delete layer(j, 2).name), 'INVALID_MODEL_FILE', `${at(2)}.config.name`, 'got undefined'],
    ['a missing input shape', () => edited((j) => delete layer(j, 0).batch_input_shape), 'INVALID_MODEL_FILE', `${at(0)}.config.batch_input_shape: expected [null, inputs] on the first layer`],
    ['an image input shape', () => edited((j) => (layer(j, 0).batch_input_shape = [null, 2, 3])), 'INVALID_MODEL_FILE', 'batch_input_shape', 'got an array of length 3'],
    ['missing layers', () => edited((j) => (j.modelTopology.config.layers = [])), 'INVALID_MODEL_FILE', 'config.layers: expected at least one Dense layer'],
    ['use_bias that is not true or false', () => edited((j) => (layer(j, 1).use_bias = 'no')), 'INVALID_MODEL_FILE', `${at(1)}.config.use_bias: expected true or false`, 'got "no"'],
    ['a layer of float16', () => edited((j) => (layer(j, 0).dtype = 'float16')), 'INVALID_MODEL_FILE', `${at(0)}.config.dtype: expected 'float32', got "float16"`],
    ['weights of int32', () => edited((j) => (spec(j, 2).dtype = 'int32')), 'INVALID_MODEL_FILE', `${manifestAt(2)}.dtype: expected 'float32', got "int32"`],
    ['weights quantized to a dtype TF.js lacks', () => edited((j) => (spec(j, 0).quantization = { dtype: 'int4', scale: 1, min: 0 })), 'INVALID_MODEL_FILE', `${manifestAt(0)}.quantization.dtype: expected 'float16', 'uint8' or 'uint16', got "int4"`],
    ['uint8 weights with the bytes of float32 ones', () => edited((j) => (spec(j, 0).quantization = { dtype: 'uint8', scale: 1, min: 0 })), 'INVALID_MODEL_FILE', 'load(artifacts).weightData: expected 206 bytes', 'got 296'],
    ['a manifest shape that disagrees with the topology', () => edited((j) => (spec(j, 0).shape = [6, 4])), 'INVALID_MODEL_FILE', `${manifestAt(0)}.shape: expected [6, 5], the shape the topology gives 'dense_1/kernel', got [6, 4]`],
    ['a manifest with a weight the topology lacks', () => edited((j) => (spec(j, 3).name = 'dense_9/bias')), 'INVALID_MODEL_FILE', `${manifestAt(3)}.name: expected the kernel or bias of a layer of the topology`, 'got "dense_9/bias"'],
    ['a manifest without a weight the topology has', () => edited((j) => j.weightsManifest[0].weights.pop()), 'INVALID_MODEL_FILE', "weightsManifest: expected a weight named 'dense_3/bias'", 'got none'],
    ['a manifest that lists a weight twice', () => edited((j) => (spec(j, 1).name = 'dense_1/kernel')), 'INVALID_MODEL_FILE', `${manifestAt(1)}.name: expected each weight listed once`],
    ['two layers of one name', () => edited((j) => (layer(j, 1).name = 'dense_1')), 'INVALID_MODEL_FILE', `${at(1)}.config.name: expected a name no other layer has, got "dense_1"`],
    ['text that is not JSON', () => ({ modelJson: '{"format": "layers-model",', weightData: artifacts.weightData }), 'INVALID_MODEL_FILE', /^load\(artifacts\)\.modelJson: expected the JSON of a model\.json, got text that does not parse/],
    ['weights that are not bytes', () => ({ modelJson: artifacts.modelJson, weightData: Array.from(weights[0]) }), 'INVALID_ARGUMENT', 'load(artifacts).weightData: expected an ArrayBuffer or a Uint8Array', 'got an array of length 30'],
    ['no artifacts', () => undefined, 'INVALID_ARGUMENT', "load(artifacts): expected a URL 'indexeddb://name', 'localstorage://name', 'file://dir' or 'https://…/model.json', an IOHandler { load() } or artifacts { modelJson, weightData }", 'got undefined'],
    ['an object that is neither artifacts nor a handler', () => ({ model: 'x' }), 'INVALID_ARGUMENT', 'load(artifacts): expected a URL', 'got an object with keys {model}'],
  ];

  const nanAt = (index: number, value = NaN) => {
    const data = new Float32Array(artifacts.weightData.slice(0));
    data[index] = value;
    return data.buffer;
  };

  for (const [what, files, code, ...fragments] of cases) {
    it(`rejects ${what}`, async () => {
      await fresh();
      await expectError(() => Sequential.load(files() as ModelArtifacts, { backend: 'cpu' }), code, ...fragments);
    });
  }
});

const layer = (json: any, l: number) => json.modelTopology.config.layers[l].config;
const at = (l: number) => `load(artifacts).modelJson.modelTopology.config.layers[${l}]`;

/** Ours: Dense(he normal, penalties) → BatchNormalization → Activation → Dropout → Dense(no bias), trained a little on the CPU. */
async function toolkitModel(): Promise<Sequential> {
  const model = new Sequential([
    new Dense({ units: 8, inputShape: [5], kernelInitializer: initializers.heNormal({ seed: 3 }), kernelRegularizer: regularizers.l1l2({ l1: 0.001, l2: 0.02 }), biasRegularizer: 'l2' }),
    new BatchNormalization({ momentum: 0.9, epsilon: 0.01 }),
    new Activation({ activation: 'relu' }),
    new Dropout({ rate: 0.3, seed: 5 }),
    new BatchNormalization({ center: false }),
    new Dense({ units: 3, activation: 'softmax', useBias: false, kernelInitializer: initializers.randomUniform({ minval: -0.1, maxval: 0.2 }) }),
  ]);
  await model.compile({ loss: 'categoricalCrossentropy', optimizer: 'adam', backend: 'cpu', seed: 7 });
  const x = randomMatrix(30, 5, 1);
  await model.fit(x, { shape: [30, 3], data: Float32Array.from({ length: 90 }, (_, i) => Number(i % 3 === Math.floor(i / 3) % 3)) }, { epochs: 3, batchSize: 8 });
  return model;
}

/** The same layers in TF.js, by our default names. */
const theirToolkit = () =>
  tf.sequential({
    name: 'sequential',
    layers: [
      tf.layers.dense({ units: 8, inputShape: [5], kernelInitializer: tf.initializers.heNormal({ seed: 3 }), kernelRegularizer: tf.regularizers.l1l2({ l1: 0.001, l2: 0.02 }), biasRegularizer: tf.regularizers.l2(), name: 'dense_1' }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 0.01, name: 'batch_normalization_1' }),
      tf.layers.activation({ activation: 'relu', name: 'activation_1' }),
      tf.layers.dropout({ rate: 0.3, seed: 5, name: 'dropout_1' }),
      tf.layers.batchNormalization({ center: false, name: 'batch_normalization_2' }),
      tf.layers.dense({ units: 3, activation: 'softmax', useBias: false, kernelInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.2 }), name: 'dense_2' }),
    ],
  });

const byName = (specs: { name: string; shape: number[] }[]) => specs.map(({ name, shape }) => [name, shape]).sort();

describe('model files with Dropout, BatchNormalization, Activation, penalties and initializers', () => {
  it("saves the topology TF.js writes for the same layers, BatchNormalization's four weights in Keras order, and TF.js predicts what we predict", async () => {
    const ours = await toolkitModel();
    const { modelJson, weightData } = await ours.save();
    const same = theirToolkit();
    const theirs = await save(same);
    expect(modelJson.modelTopology).toEqual(theirs.modelTopology);
    // TF.js lists every trainable weight first and the moving statistics last; ours go layer by layer (Keras's order).
    const names = modelJson.weightsManifest[0].weights.map((w) => w.name);
    expect(names).toEqual([
      'dense_1/kernel', 'dense_1/bias',
      'batch_normalization_1/gamma', 'batch_normalization_1/beta', 'batch_normalization_1/moving_mean', 'batch_normalization_1/moving_variance',
      'batch_normalization_2/gamma', 'batch_normalization_2/moving_mean', 'batch_normalization_2/moving_variance',
      'dense_2/kernel',
    ]);
    expect(byName(modelJson.weightsManifest[0].weights)).toEqual(byName(theirs.weightSpecs!));
    same.dispose();

    const artifacts = await tf.io.getModelArtifactsForJSON(modelJson as unknown as tf.io.ModelJSON, async (manifest) => [manifest[0].weights, weightData]);
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = randomMatrix(30, 5, 3);
    expect(maxDifference((await ours.predict(x)).data, theirPrediction(loaded, x))).toBeLessThanOrEqual(1e-6);
    const ourWeights = await ours.getWeights();
    for (const w of loaded.weights) expect(w.read().dataSync()).toEqual(ourWeights[names.indexOf(w.originalName)]);
    // The moving statistics trained away from their initial 0 and 1.
    expect(ourWeights[4].some((v) => Math.abs(v) > 0.01) && ourWeights[5].some((v) => Math.abs(v - 1) > 0.01)).toBe(true);
    loaded.dispose();
    ours.dispose();
  });

  it("loads what TF.js trained and saved with these layers: their configs, the moving statistics by name, and TF.js's predictions", async () => {
    const theirs = theirToolkit();
    theirs.compile({ loss: 'categoricalCrossentropy', optimizer: tf.train.adam(0.05) });
    // TF.js cannot train a BatchNormalization without β (tensorflow/tfjs#2868): train the others, then set its statistics.
    const x = randomMatrix(40, 5, 4);
    const y = tf.oneHot(tf.tensor1d(Array.from({ length: 40 }, (_, i) => i % 3), 'int32'), 3).toFloat();
    const bn2 = theirs.getLayer('batch_normalization_2');
    bn2.setWeights([tf.tensor1d(randomMatrix(1, 8, 5, 0.5, 2).data), tf.tensor1d(randomMatrix(1, 8, 6).data), tf.tensor1d(randomMatrix(1, 8, 7, 0.1, 2).data)]);
    const trainable = tf.sequential({ layers: [theirs.getLayer('dense_1'), theirs.getLayer('batch_normalization_1'), theirs.getLayer('activation_1'), theirs.getLayer('dropout_1')] });
    trainable.compile({ loss: 'meanSquaredError', optimizer: tf.train.sgd(0.1) });
    await trainable.fit(tf.tensor2d(x.data, x.shape), tf.randomUniform([40, 8]), { epochs: 3, verbose: 0 });
    const saved = await save(theirs);
    const weightData = tf.io.CompositeArrayBuffer.join(saved.weightData);

    const ours = await Sequential.load({ modelJson: modelJsonOf(saved) as unknown as ModelJSON, weightData }, { backend: 'cpu' });
    const [dense, bn, activation, drop, bnNoShift, output] = ours.layers as [Dense, BatchNormalization, Activation, Dropout, BatchNormalization, Dense];
    expect([dense.kernelInitializer, dense.kernelRegularizer, dense.biasRegularizer]).toEqual([initializers.heNormal({ seed: 3 }), { l1: 0.001, l2: 0.02 }, { l1: 0, l2: 0.01 }]);
    expect([bn.momentum, bn.epsilon, bn.center, bn.scale, bnNoShift.center, bnNoShift.scale]).toEqual([0.9, 0.01, true, true, false, true]);
    expect([activation.activation, drop.rate, drop.seed, output.useBias, output.kernelInitializer]).toEqual(['relu', 0.3, 5, false, initializers.randomUniform({ minval: -0.1, maxval: 0.2 })]);
    const names = (await ours.save()).modelJson.weightsManifest[0].weights.map((w) => w.name);
    const ourWeights = await ours.getWeights();
    for (const w of theirs.weights) expect(ourWeights[names.indexOf(w.originalName)]).toEqual(w.read().dataSync());
    expect(ourWeights[4].some((v) => Math.abs(v) > 0.01)).toBe(true); // TF.js's fit moved the moving mean
    expect(maxDifference((await ours.predict(x)).data, theirPrediction(theirs, x))).toBeLessThanOrEqual(1e-6);
    ours.dispose();
    theirs.dispose();
    y.dispose();
  });

  it('round-trips: save → load → save gives the same JSON and the same bytes, and the loaded model trains as the original', async () => {
    const model = await toolkitModel();
    const first = await model.save();
    const loaded = await Sequential.load(first, { backend: 'cpu' });
    const second = await loaded.save();
    expect(JSON.stringify(second.modelJson)).toBe(JSON.stringify(first.modelJson));
    expect(new Uint8Array(second.weightData)).toEqual(new Uint8Array(first.weightData));
    // Same layers, penalties and seeds: the same training from the same weights.
    const { x } = halvesDataset(24, 5);
    const y = { shape: [24, 3] as [number, number], data: Float32Array.from({ length: 72 }, (_, i) => Number(i % 3 === 0)) };
    await model.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', backend: 'cpu', seed: 2 });
    await loaded.compile({ loss: 'categoricalCrossentropy', optimizer: 'sgd', backend: 'cpu', seed: 2 });
    expect((await loaded.fit(x, y, { epochs: 2, batchSize: 8 })).loss).toEqual((await model.fit(x, y, { epochs: 2, batchSize: 8 })).loss);
    model.dispose();
    loaded.dispose();
  });

  describe('untrusted files', () => {
    const fields: [string, (json: any) => void, string, ...string[]][] = [
      ['a Dropout rate of 1', (j) => (layer(j, 3).rate = 1), `${at(3)}.config.rate: expected a number in [0, 1), got 1`],
      ['a Dropout with a noise_shape', (j) => (layer(j, 3).noise_shape = [null, 1]), `${at(3)}.config.noise_shape: expected null (a mask per element)`],
      ['a Dropout seed that is not an integer', (j) => (layer(j, 3).seed = 0.5), `${at(3)}.config.seed: expected null or an integer in [0, 2^32), got 0.5`],
      ['a BatchNormalization momentum of 1', (j) => (layer(j, 1).momentum = 1), `${at(1)}.config.momentum: expected a number in [0, 1), got 1`],
      ['a BatchNormalization epsilon of 0', (j) => (layer(j, 1).epsilon = 0), `${at(1)}.config.epsilon: expected a positive number, got 0`],
      ['a BatchNormalization over another axis', (j) => (layer(j, 1).axis = 0), `${at(1)}.config.axis: expected -1 (the features of flat rows), got 0`],
      ['a BatchNormalization whose center is not true or false', (j) => (layer(j, 4).center = 'no'), `${at(4)}.config.center: expected true or false, got "no"`],
      ['a negative penalty', (j) => (layer(j, 0).kernel_regularizer.config.l2 = -0.02), `${at(0)}.config.kernel_regularizer.config.l2: expected a non-negative number, got -0.02`],
      ['an unknown regularizer', (j) => (layer(j, 0).bias_regularizer.class_name = 'OrthogonalRegularizer'), `${at(0)}.config.bias_regularizer.class_name: expected 'L1L2', 'L1' or 'L2', got "OrthogonalRegularizer"`],
      ['an unknown initializer', (j) => (layer(j, 5).kernel_initializer.class_name = 'Orthogonal'), `${at(5)}.config.kernel_initializer.class_name: expected one of 'VarianceScaling'`, 'got "Orthogonal"'],
      ['a variance scaling of an unknown mode', (j) => (layer(j, 0).kernel_initializer.config.mode = 'fan_max'), `${at(0)}.config.kernel_initializer.config.mode: expected 'fan_in', 'fan_out' or 'fan_avg', got "fan_max"`],
      ['an activity regularizer', (j) => (layer(j, 0).activity_regularizer = { class_name: 'L1L2', config: { l1: 0.1, l2: 0 } }), `${at(0)}.config.activity_regularizer: expected null (webgpu-nn has none)`],
      ['an Activation of an unknown function', (j) => (layer(j, 2).activation = 'gelu'), `${at(2)}.config.activation: expected one of 'sigmoid'`, 'got "gelu"'],
      ['a BatchNormalization weight missing from the manifest', (j) => j.weightsManifest[0].weights.splice(5, 1), "weightsManifest: expected a weight named 'batch_normalization_1/moving_variance'", 'got none'],
      ['a moving mean of the wrong shape', (j) => (j.weightsManifest[0].weights[4].shape = [7]), "weightsManifest[0].weights[4].shape: expected [8], the shape the topology gives 'batch_normalization_1/moving_mean', got [7]"],
      // Keras and TF.js let a Dropout take the inputs; webgpu-nn runs it inside the layer before, so the file is refused as a file.
      ['a Dropout as the first layer', (j) => j.modelTopology.config.layers.unshift({ class_name: 'Dropout', config: { rate: 0.1, noise_shape: null, seed: null, name: 'dropout_0', trainable: true, batch_input_shape: [null, 5], dtype: 'float32' } }), `${at(0)}.class_name: expected a first layer with weights (Dense, BatchNormalization)`, 'got "Dropout"'],
    ];
    for (const [what, edit, ...fragments] of fields) {
      it(`rejects ${what}`, async () => {
        const model = await toolkitModel();
        const artifacts = await model.save();
        model.dispose();
        const json = structuredClone(artifacts.modelJson);
        edit(json);
        await expectError(() => Sequential.load({ modelJson: json, weightData: artifacts.weightData }, { backend: 'cpu' }), 'INVALID_MODEL_FILE', ...fragments);
      });
    }
  });
});

describe('browser helpers', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("downloads model.json, whose manifest names ./model.weights.bin, and model.weights.bin, as TF.js's downloads:// does", async () => {
    const model = await trainedModel();
    const artifacts = await model.save();
    const clicked: { download: string; blob: Blob }[] = [];
    const blobs = new Map<string, Blob>();
    vi.stubGlobal('document', {
      createElement: () => {
        const anchor = { download: '', href: '', click: () => clicked.push({ download: anchor.download, blob: blobs.get(anchor.href)! }) };
        return anchor;
      },
    });
    vi.spyOn(URL, 'createObjectURL').mockImplementation((blob) => (blobs.set(`blob:${blobs.size}`, blob as Blob), `blob:${blobs.size - 1}`));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    await downloadModel(artifacts, 'digits');
    expect(clicked.map((c) => c.download)).toEqual(['digits.json', 'digits.weights.bin']);
    const json = JSON.parse(await clicked[0].blob.text());
    expect(json.weightsManifest).toEqual([{ paths: ['./digits.weights.bin'], weights: artifacts.modelJson.weightsManifest[0].weights }]);
    expect(json.modelTopology).toEqual(artifacts.modelJson.modelTopology);
    expect(new Uint8Array(await clicked[1].blob.arrayBuffer())).toEqual(new Uint8Array(artifacts.weightData));
    vi.restoreAllMocks();

    // The downloaded files, picked again in any order, load back.
    const files = [new File([clicked[1].blob], 'digits.weights.bin'), new File([clicked[0].blob], 'digits.json')];
    const loaded = await Sequential.load(await readModelFiles(files), { backend: 'cpu' });
    expect(await loaded.getWeights()).toEqual(await model.getWeights());
    model.dispose();
    loaded.dispose();
  });

  it('reads the weight files in manifest order, and names a missing one', async () => {
    const json = { weightsManifest: [{ paths: ['./a.bin', 'b.bin'], weights: [] }] };
    const files = [new File([new Uint8Array([3, 4])], 'b.bin'), new File([JSON.stringify(json)], 'model.json'), new File([new Uint8Array([1, 2])], 'a.bin')];
    const read = await readModelFiles(files);
    expect(new Uint8Array(read.weightData as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3, 4]));
    expect(read.modelJson).toBe(JSON.stringify(json));
    await expectError(() => readModelFiles(files.slice(0, 2)), 'INVALID_ARGUMENT', "readModelFiles(files): expected a file named 'a.bin' (model.json lists it), got 'b.bin', 'model.json'");
    await expectError(() => readModelFiles(files.filter((f) => f.name.endsWith('.bin'))), 'INVALID_ARGUMENT', 'expected exactly one .json file (the model.json), got 0 among', "'a.bin'");
    await expectError(
      () => readModelFiles([new File(['{"weightsManifest": {}}'], 'model.json')]),
      'INVALID_MODEL_FILE',
      'readModelFiles(files): model.json.weightsManifest: expected an array of { paths, weights } groups',
    );
  });
});

const expectError = async (call: () => Promise<unknown>, code: string, ...fragments: (string | RegExp)[]): Promise<void> => void (await rejection(call, fragments, code));

