// Model files as tensorflowjs_converter writes them from Keras 2 and Keras 3 (Sequential, Functional chains, InputLayer
// with batch_input_shape or batch_shape, dtype policies, module/registered_name/build_config, weights named with the
// model's prefix or by variable index, manifests out of layer order, quantized weights, several shards), generated
// from the formats those tools document. Each loads, and predicts what TF.js 4.22 predicts from the same weights.
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { type BatchNormalization, type Dense, type Dropout, Sequential, initializers } from '../src/index';
import {
  type DenseFixture,
  type KerasFlavour,
  type Quantization,
  converted,
  dtypeOf,
  entry,
  functionalTopology,
  kerasInitializer,
  kerasObject,
  sequentialOf,
  sequentialTopology,
  shardBuffers,
  storedWeight,
  weightNames,
} from './support/converter';
import { randomMatrix } from './support/data';
import { rejection } from './support/rejection';

await tf.setBackend('cpu');

/** Dense layers of random weights: inputs → units[0] → units[1] → …, Keras's default names dense, dense_1, …. */
function fixtures(inputs: number, units: number[], activations: string[], seed = 1): DenseFixture[] {
  return units.map((n, l) => {
    const fanIn = l === 0 ? inputs : units[l - 1];
    return {
      name: l === 0 ? 'dense' : `dense_${l}`,
      units: n,
      activation: activations[l % activations.length],
      kernel: randomMatrix(fanIn, n, seed + 2 * l).data,
      bias: randomMatrix(1, n, seed + 2 * l + 1, -0.5, 0.5).data,
    };
  });
}

/** TF.js's predictions for x from a Sequential of the same Dense layers with `weights` ([kernel, bias] per layer). */
function theirPrediction(inputs: number, layers: DenseFixture[], weights: Float32Array[], x: { shape: [number, number]; data: Float32Array }): Float32Array {
  const model = tf.sequential({
    layers: layers.map((layer, l) => tf.layers.dense({ units: layer.units, activation: layer.activation as 'linear', ...(l === 0 ? { inputShape: [inputs] } : {}) })),
  });
  model.setWeights(weights.map((w, i) => (i % 2 === 0 ? tf.tensor2d(w, [w.length / layers[i >> 1].units, layers[i >> 1].units]) : tf.tensor1d(w))));
  const prediction = tf.tidy(() => (model.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync() as Float32Array);
  model.dispose();
  return prediction;
}

const maxDifference = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
};

const exactWeights = (layers: DenseFixture[]) => layers.flatMap((layer) => [layer.kernel, layer.bias]);

const expectError = async (call: () => Promise<unknown>, code: string, ...fragments: string[]): Promise<void> => void (await rejection(call, fragments, code));

describe('Keras 2 and Keras 3 through tensorflowjs_converter', () => {
  // Eleven layers, so that the HDF5 file's alphabetical order (dense, dense_1, dense_10, dense_2, …) is not theirs.
  const inputs = 5;
  const layers = fixtures(inputs, [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 3], ['relu', 'tanh', 'sigmoid', 'linear']);
  const x = randomMatrix(12, inputs, 99);

  const cases: [string, KerasFlavour, (flavour: KerasFlavour) => object][] = [
    ['a Keras 2 Sequential: InputLayer with batch_input_shape, weights dense/kernel', 'keras2', (f) => sequentialTopology(inputs, layers, f)],
    ['a Keras 3 Sequential from HDF5: batch_shape, DTypePolicy, module, build_config, weights sequential/dense/kernel', 'keras3-h5', (f) => sequentialTopology(inputs, layers, f)],
    ['a Keras 3 Sequential from a .keras file: weights layers/dense/vars/0', 'keras3-keras', (f) => sequentialTopology(inputs, layers, f)],
    ['a Keras 2 Functional chain: inbound_nodes [[name, 0, 0, {}]]', 'keras2', (f) => functionalTopology(inputs, layers, f)],
    ['a Keras 3 Functional chain: inbound_nodes { args: [__keras_tensor__], kwargs }', 'keras3-h5', (f) => functionalTopology(inputs, layers, f)],
  ];
  for (const [what, flavour, topology] of cases) {
    it(`loads ${what}, the manifest in the converter's order, and predicts TF.js's numbers`, async () => {
      const keras = topology(flavour) as { config: { name: string } };
      const files = converted(keras, weightNames(layers, flavour, keras.config.name), { flavour });
      const names = files.modelJson.weightsManifest[0].weights.map((w: { name: string }) => w.name);
      expect(names[4]).toMatch(flavour === 'keras3-keras' ? /^layers\/dense_10\/vars\/0$/ : /dense_10\/kernel$/); // out of layer order

      const model = await Sequential.load({ modelJson: JSON.stringify(files.modelJson), weightData: shardBuffers(files) }, { backend: 'cpu' });
      expect((model.layers as Dense[]).map((layer) => [layer.name, layer.units, layer.activation])).toEqual(layers.map((l) => [l.name, l.units, l.activation]));
      expect(await model.getWeights()).toEqual(exactWeights(layers));
      expect(maxDifference((await model.predict(x)).data, theirPrediction(inputs, layers, exactWeights(layers), x))).toBeLessThanOrEqual(1e-6);
      model.dispose();
    });
  }

  it('skips the optimizer state that a compiled .keras file carries (optimizer/vars/N, int32 and float32)', async () => {
    const extra = [
      storedWeight('optimizer/vars/0', [], new Float32Array([0]), 'none'),
      storedWeight('optimizer/vars/1', [5, 4], randomMatrix(5, 4, 3).data, 'none'),
    ];
    extra[0].spec.dtype = 'int32'; // iterations: int64 in Keras, written as int32
    const files = converted(sequentialTopology(inputs, layers, 'keras3-keras'), weightNames(layers, 'keras3-keras'), { flavour: 'keras3-keras', extra });
    const model = await Sequential.load({ modelJson: files.modelJson, weightData: shardBuffers(files) }, { backend: 'cpu' });
    expect(await model.getWeights()).toEqual(exactWeights(layers));
    model.dispose();
  });

  it('reads the input width from build_config or build_input_shape when a Keras 3 Sequential has no InputLayer', async () => {
    for (const strip of ['build_input_shape', 'build_config'] as const) {
      const topology = sequentialTopology(inputs, layers, 'keras3-h5') as any;
      topology.config.layers.shift();
      if (strip === 'build_config') delete topology.config.layers[0].build_config;
      else delete topology.config.build_input_shape;
      const files = converted(topology, weightNames(layers, 'keras3-h5'), { flavour: 'keras3-h5' });
      const model = await Sequential.load({ modelJson: files.modelJson, weightData: shardBuffers(files) }, { backend: 'cpu' });
      expect(maxDifference((await model.predict(x)).data, theirPrediction(inputs, layers, exactWeights(layers), x))).toBeLessThanOrEqual(1e-6);
      model.dispose();
    }
  });

  it('reads a Keras 2.2 Sequential, whose config is the list of layers', async () => {
    const topology = sequentialTopology(inputs, layers, 'keras2') as any;
    topology.config = topology.config.layers;
    const files = converted(topology, weightNames(layers, 'keras2'));
    const model = await Sequential.load({ modelJson: files.modelJson, weightData: shardBuffers(files) }, { backend: 'cpu' });
    expect(await model.getWeights()).toEqual(exactWeights(layers));
    model.dispose();
  });

  it('loads a model in 3 shards of the weight bytes, given as one buffer per file', async () => {
    const files = converted(sequentialTopology(inputs, layers, 'keras2'), weightNames(layers, 'keras2'), { shardSize: 300 });
    expect(files.modelJson.weightsManifest[0].paths).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']);
    const model = await Sequential.load({ modelJson: files.modelJson, weightData: shardBuffers(files) }, { backend: 'cpu' });
    expect(await model.getWeights()).toEqual(exactWeights(layers));
    model.dispose();
  });
});

describe('quantized weights', () => {
  const inputs = 6;
  const layers = fixtures(inputs, [16, 8, 3], ['relu', 'tanh', 'softmax'], 7);
  const x = randomMatrix(10, inputs, 5);

  for (const [quantization, tolerance] of [['float16', 2 ** -11], ['uint16', 2e-5], ['uint8', 5e-3]] as [Quantization, number][]) {
    it(`dequantizes ${quantization} weights (--quantize_${quantization}) as TF.js does, to the same bits`, async () => {
      const files = converted(sequentialTopology(inputs, layers, 'keras2'), weightNames(layers, 'keras2'), { quantization });
      const [bytes] = shardBuffers(files);
      // TF.js's own decoding of the same bytes and manifest is the oracle.
      const specs = files.modelJson.weightsManifest[0].weights;
      const theirs = tf.io.decodeWeights(bytes.slice().buffer, specs);
      const theirWeights = layers.flatMap((layer) => ['kernel', 'bias'].map((w) => theirs[`${layer.name}/${w}`].dataSync() as Float32Array));

      const model = await Sequential.load({ modelJson: files.modelJson, weightData: bytes }, { backend: 'cpu' });
      const ours = await model.getWeights();
      expect(ours).toEqual(theirWeights);
      // The stored values are the originals to within the format's precision.
      ours.forEach((w, i) => expect(maxDifference(w, exactWeights(layers)[i])).toBeLessThanOrEqual(tolerance * 2));
      expect(maxDifference((await model.predict(x)).data, theirPrediction(inputs, layers, theirWeights, x))).toBeLessThanOrEqual(1e-6);
      model.dispose();
      Object.values(theirs).forEach((t) => t.dispose());
    });
  }

  it('reads a manifest whose weights are quantized differently, each by its own entry', async () => {
    const named = weightNames(layers, 'keras2');
    const stored = named.map((w, i) => storedWeight(w.name, w.shape, w.values, (['none', 'float16', 'uint8', 'uint16'] as Quantization[])[i % 4]));
    const bytes = new Uint8Array(stored.reduce((n, s) => n + s.bytes.byteLength, 0));
    stored.reduce((offset, s) => (bytes.set(s.bytes, offset), offset + s.bytes.byteLength), 0);
    const modelJson = { ...converted(sequentialTopology(inputs, layers, 'keras2'), named).modelJson, weightsManifest: [{ paths: ['w.bin'], weights: stored.map((s) => s.spec) }] };
    const theirs = tf.io.decodeWeights(bytes.slice().buffer, stored.map((s) => s.spec) as tf.io.WeightsManifestEntry[]);
    const model = await Sequential.load({ modelJson, weightData: bytes }, { backend: 'cpu' });
    expect(await model.getWeights()).toEqual(named.map((w) => theirs[w.name].dataSync()));
    model.dispose();
    Object.values(theirs).forEach((t) => t.dispose());
  });
});

describe('TF.js models saved with more than their weights', () => {
  it('loads a TF.js Functional chain (tf.model) and predicts its numbers', async () => {
    const input = tf.input({ shape: [4] });
    const hidden = tf.layers.dense({ units: 6, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 2, activation: 'sigmoid' }).apply(hidden) as tf.SymbolicTensor;
    const theirs = tf.model({ inputs: input, outputs: output });
    let saved: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    expect((saved!.modelTopology as { class_name: string }).class_name).toBe('Model');
    const ours = await Sequential.load(saved!, { backend: 'cpu' });
    const x = randomMatrix(8, 4, 11);
    const expected = tf.tidy(() => (theirs.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync());
    expect(maxDifference((await ours.predict(x)).data, expected)).toBeLessThanOrEqual(1e-6);
    ours.dispose();
    theirs.dispose();
  });

  it("skips the optimizer state of a model saved with includeOptimizer (TF.js's group: 'optimizer')", async () => {
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 3, activation: 'tanh', inputShape: [4] }), tf.layers.dense({ units: 1 })] });
    theirs.compile({ loss: 'meanSquaredError', optimizer: tf.train.adam(0.01) });
    await theirs.fit(tf.randomUniform([16, 4]), tf.randomUniform([16, 1]), { epochs: 2, verbose: 0 });
    let saved: tf.io.ModelArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (a) => ((saved = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })), { includeOptimizer: true });
    expect(saved!.weightSpecs!.some((spec) => spec.group === 'optimizer')).toBe(true);
    const ours = await Sequential.load(saved!, { backend: 'cpu' });
    expect(await ours.getWeights()).toEqual(theirs.getWeights().map((w) => w.dataSync()));
    ours.dispose();
    theirs.dispose();
  });
});

describe('files that are not a chain of known layers', () => {
  const inputs = 3;
  const layers = fixtures(inputs, [4, 2], ['relu', 'linear']);
  const load = (topology: object, flavour: KerasFlavour = 'keras3-h5') => {
    const files = converted(topology, weightNames(layers, flavour, (topology as any).config.name), { flavour });
    return Sequential.load({ modelJson: files.modelJson, weightData: shardBuffers(files) }, { backend: 'cpu' });
  };
  const functional = (edit: (config: any) => void, flavour: KerasFlavour = 'keras3-h5') => {
    const topology = functionalTopology(inputs, layers, flavour) as any;
    edit(topology.config);
    return topology;
  };
  const where = 'load(artifacts).modelJson.modelTopology.model_config.config';

  it('rejects a layer that feeds two others (a branch)', async () => {
    const topology = functional((c) => (c.layers[2].inbound_nodes[0].args[0].config.keras_history = ['input_layer', 0, 0]));
    await expectError(() => load(topology), 'INVALID_MODEL_FILE', `${where}.layers[2].inbound_nodes: expected a chain: 'input_layer' feeds another layer already`);
  });

  it('rejects a layer called on two tensors (Add, Concatenate)', async () => {
    const topology = functional((c) => c.layers[2].inbound_nodes[0].args.push(c.layers[2].inbound_nodes[0].args[0]), 'keras3-h5');
    await expectError(() => load(topology), 'INVALID_MODEL_FILE', `${where}.layers[2].inbound_nodes[0]: expected one call on one tensor of the layer before it (a chain)`);
    const keras2 = functional((c) => c.layers[2].inbound_nodes[0].push(['input_1', 0, 0, {}]), 'keras2');
    await expectError(() => load(keras2, 'keras2'), 'INVALID_MODEL_FILE', `${where}.layers[2].inbound_nodes[0]: expected one call on one tensor`);
  });

  it('rejects a layer called twice (a shared layer)', async () => {
    const topology = functional((c) => c.layers[1].inbound_nodes.push(c.layers[1].inbound_nodes[0]));
    await expectError(() => load(topology), 'INVALID_MODEL_FILE', `${where}.layers[1].inbound_nodes: expected one call on one tensor`, 'got an array of length 2');
  });

  it('rejects two inputs or two outputs', async () => {
    await expectError(() => load(functional((c) => c.input_layers.push(['dense', 0, 0]))), 'INVALID_MODEL_FILE', `${where}.input_layers: expected [[layer name, 0, 0]] (a model of one input and one output)`);
    await expectError(() => load(functional((c) => c.output_layers.push(['dense', 0, 0]))), 'INVALID_MODEL_FILE', `${where}.output_layers: expected [[layer name, 0, 0]]`);
  });

  it('rejects an output that is not the end of the chain, and layers off the chain', async () => {
    await expectError(() => load(functional((c) => (c.output_layers = [['dense', 0, 0]]))), 'INVALID_MODEL_FILE', `${where}.output_layers: expected the last layer of the chain, 'dense_1', got "dense"`);
    const cycle = functional((c) => {
      c.layers[1].inbound_nodes[0].args[0].config.keras_history = ['dense_1', 0, 0];
    });
    await expectError(() => load(cycle), 'INVALID_MODEL_FILE', `${where}.layers: expected layers that form one chain from the input 'input_layer', got 2 of 3 layers off that chain`);
  });

  it('rejects a mixed-precision dtype policy and a build_config that disagrees with the layers before', async () => {
    const mixed = sequentialTopology(inputs, layers, 'keras3-h5') as any;
    mixed.config.layers[1].config.dtype = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_float16' }, registered_name: null };
    await expectError(() => load(mixed), 'INVALID_MODEL_FILE', `${where}.layers[1].config.dtype.config.name: expected 'float32', got "mixed_float16"`);
    const built = sequentialTopology(inputs, layers, 'keras3-h5') as any;
    built.config.layers[2].build_config.input_shape = [null, 7];
    await expectError(() => load(built), 'INVALID_MODEL_FILE', `${where}.layers[2].build_config.input_shape: expected [null, 4] (the width the layers before it give), got [null, 7]`);
  });

  it('rejects quantization metadata TF.js could not decode', async () => {
    const files = converted(sequentialTopology(inputs, layers, 'keras2'), weightNames(layers, 'keras2'), { quantization: 'uint8' });
    const entry = files.modelJson.weightsManifest[0].weights[1];
    const at = 'load(artifacts).modelJson.weightsManifest[0].weights[1].quantization';
    for (const [edit, message] of [
      [() => (entry.quantization.dtype = 'int4'), `${at}.dtype: expected 'float16', 'uint8' or 'uint16', got "int4"`],
      [() => ((entry.quantization.dtype = 'uint8'), delete entry.quantization.scale), `${at}.scale: expected a finite number (uint8 values are q · scale + min), got undefined`],
      [() => ((entry.quantization.scale = 0.1), (entry.quantization.original_dtype = 'int32')), `${at}.original_dtype: expected 'float32', got "int32"`],
    ] as [() => void, string][]) {
      edit();
      await expectError(() => Sequential.load({ modelJson: files.modelJson, weightData: shardBuffers(files) }, { backend: 'cpu' }), 'INVALID_MODEL_FILE', message);
    }
  });
});

describe('Dropout, BatchNormalization, Activation, penalties and initializers from Keras 2 and Keras 3', () => {
  // dense (he_normal, L1L2 on the kernel, L2 on the bias) → batch_normalization → activation (relu) → dropout →
  // batch_normalization_1 (center=False: γ, moving mean and variance) → dense_1 (softmax, glorot_normal)
  const inputs = 5;
  const random = (n: number, seed: number, lo = -1, hi = 1) => randomMatrix(1, n, seed, lo, hi).data;
  const values: Record<string, Float32Array> = {
    'dense/kernel': randomMatrix(inputs, 6, 71).data,
    'dense/bias': random(6, 72),
    'batch_normalization/gamma': random(6, 73, 0.5, 2),
    'batch_normalization/beta': random(6, 74),
    'batch_normalization/moving_mean': random(6, 75),
    'batch_normalization/moving_variance': random(6, 76, 0.1, 2),
    'batch_normalization_1/gamma': random(6, 77, 0.5, 2),
    'batch_normalization_1/moving_mean': random(6, 78),
    'batch_normalization_1/moving_variance': random(6, 79, 0.1, 2),
    'dense_1/kernel': randomMatrix(6, 3, 80).data,
    'dense_1/bias': random(3, 81),
  };
  const shapes: Record<string, number[]> = { 'dense/kernel': [inputs, 6], 'dense_1/kernel': [6, 3] };
  /** Each weight's position among its layer's variables (a .keras file's vars/N): trainable first, in Keras order. */
  const order = Object.keys(values);
  const vars = (name: string) => order.filter((n) => n.split('/')[0] === name.split('/')[0]).indexOf(name);

  function topology(flavour: KerasFlavour) {
    const base = (name: string) => ({ name, trainable: true, dtype: dtypeOf(flavour) });
    const keras3 = flavour !== 'keras2';
    const bn = (name: string, center: boolean) => ({
      ...base(name),
      // Keras 2 writes the axis it built, [1]; Keras 3 the one it was given, -1.
      axis: keras3 ? -1 : [1],
      momentum: 0.9,
      epsilon: 0.001,
      center,
      scale: true,
      beta_initializer: kerasInitializer('Zeros'),
      gamma_initializer: kerasInitializer('Ones'),
      moving_mean_initializer: kerasInitializer('Zeros'),
      moving_variance_initializer: kerasInitializer('Ones'),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
      ...(keras3 ? { synchronized: false } : {}),
    });
    const dense = (name: string, units: number, activation: string, extra: object) => ({
      ...base(name),
      units,
      activation,
      use_bias: true,
      bias_initializer: kerasInitializer('Zeros'),
      kernel_constraint: null,
      bias_constraint: null,
      ...(keras3 ? { lora_rank: null } : { activity_regularizer: null }),
      ...extra,
    });
    return sequentialOf(inputs, [
      entry('Dense', dense('dense', 6, 'linear', {
        kernel_initializer: kerasInitializer('HeNormal'),
        kernel_regularizer: kerasObject('regularizers', 'L1L2', { l1: 0.001, l2: 0.01 }),
        bias_regularizer: kerasObject('regularizers', 'L2', { l2: 0.02 }),
      }), flavour, inputs),
      entry('BatchNormalization', bn('batch_normalization', true), flavour, 6),
      entry('Activation', { ...base('activation'), activation: 'relu' }, flavour, 6),
      entry('Dropout', { ...base('dropout'), rate: 0.25, seed: null, noise_shape: null }, flavour, 6),
      entry('BatchNormalization', bn('batch_normalization_1', false), flavour, 6),
      entry('Dense', dense('dense_1', 3, 'softmax', { kernel_initializer: kerasInitializer('GlorotNormal'), kernel_regularizer: null, bias_regularizer: null }), flavour, 6),
    ], flavour);
  }

  /** The weights as each flavour names them, the HDF5 file's layers in alphabetical order. */
  const named = (flavour: KerasFlavour) =>
    [...order].sort((a, b) => (a.split('/')[0] < b.split('/')[0] ? -1 : a.split('/')[0] > b.split('/')[0] ? 1 : 0)).map((name) => ({
      name: flavour === 'keras2' ? name : flavour === 'keras3-h5' ? `sequential/${name}` : `layers/${name.split('/')[0]}/vars/${vars(name)}`,
      shape: shapes[name] ?? [values[name].length],
      values: values[name],
    }));

  /** TF.js's prediction from the same layers and weights. */
  function theirs(x: { shape: [number, number]; data: Float32Array }): Float32Array {
    const model = tf.sequential({
      layers: [
        tf.layers.dense({ units: 6, inputShape: [inputs], name: 'dense' }),
        tf.layers.batchNormalization({ momentum: 0.9, name: 'batch_normalization' }),
        tf.layers.activation({ activation: 'relu', name: 'activation' }),
        tf.layers.dropout({ rate: 0.25, name: 'dropout' }),
        tf.layers.batchNormalization({ center: false, name: 'batch_normalization_1' }),
        tf.layers.dense({ units: 3, activation: 'softmax', name: 'dense_1' }),
      ],
    });
    model.setWeights(model.weights.map((w) => tf.tensor(values[w.originalName], w.shape as number[])));
    const prediction = tf.tidy(() => (model.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync() as Float32Array);
    model.dispose();
    return prediction;
  }

  const x = randomMatrix(15, inputs, 82, -2, 2);
  for (const [what, flavour] of [
    ['Keras 2 (axis [1], weights dense/kernel, batch_normalization/moving_mean)', 'keras2'],
    ['Keras 3 through HDF5 (synchronized, weights sequential/batch_normalization/gamma)', 'keras3-h5'],
    ["a Keras 3 .keras file (weights by position: batch_normalization_1's vars/0..2 are γ, moving mean, moving variance)", 'keras3-keras'],
  ] as [string, KerasFlavour][]) {
    it(`loads ${what}: the layers' configs, the weights by name, and TF.js's predictions`, async () => {
      const keras = topology(flavour);
      const files = converted(keras, named(flavour), { flavour });
      const model = await Sequential.load({ modelJson: JSON.stringify(files.modelJson), weightData: shardBuffers(files) }, { backend: 'cpu' });
      expect(model.layers.map((layer) => [layer.className, layer.name])).toEqual([
        ['Dense', 'dense'], ['BatchNormalization', 'batch_normalization'], ['Activation', 'activation'], ['Dropout', 'dropout'], ['BatchNormalization', 'batch_normalization_1'], ['Dense', 'dense_1'],
      ]);
      const [dense, bn, , dropout, bnNoShift, output] = model.layers as [Dense, BatchNormalization, unknown, Dropout, BatchNormalization, Dense];
      expect([dense.kernelInitializer, dense.kernelRegularizer, dense.biasRegularizer, output.kernelInitializer]).toEqual([initializers.heNormal(), { l1: 0.001, l2: 0.01 }, { l1: 0, l2: 0.02 }, initializers.glorotNormal()]);
      expect([bn.momentum, bn.epsilon, bn.center, bnNoShift.center, bnNoShift.scale, dropout.rate]).toEqual([0.9, 0.001, true, false, true, 0.25]);
      expect(await model.getWeights()).toEqual(order.map((name) => values[name]));
      expect(maxDifference((await model.predict(x)).data, theirs(x))).toBeLessThanOrEqual(1e-6);
      model.dispose();
    });
  }
});
