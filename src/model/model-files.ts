// TF.js LayersModel files for a Sequential model: model.json (the topology and a manifest of the weights) and a
// weights file (the float32 weights, one after another in manifest order). encodeModel writes them as TF.js 4.22
// does; decodeModel reads them back, whether webgpu-nn or TF.js wrote them, and checks every size an untrusted file
// declares before it allocates anything for it. Each layer kind's config is its own (layers/*/format.ts).
import { WebGPUNNError, describe, invalid } from '../errors';
import { type LayerFormat, badFile, width } from '../layers/format';
import { formats } from '../layers/formats';
import { layerDefinition } from '../layers/registry';
import type { LayerSpec } from '../layers/registry';
import { assertFinite } from '../matrix';
import type { Layer } from './layer';
import type { CompileOptions } from './sequential';

/** One weight in the manifest: `layer/kernel` [inputs, units] or `layer/bias` [units]. */
export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
}

/** Weights stored in the files `paths` (concatenated), in the order of `weights`. */
export interface WeightsGroup {
  paths: string[];
  weights: WeightSpec[];
}

/** A layer in the topology: its Keras class name and config (the first also with its input shape and dtype). */
export interface LayerJSON {
  class_name: string;
  config: Record<string, unknown> & { name: string; batch_input_shape?: [null, number]; dtype?: 'float32' };
}

/** The content of a TF.js model.json for a Sequential model. */
export interface ModelJSON {
  modelTopology: {
    class_name: 'Sequential';
    config: { name: string; layers: LayerJSON[] };
    keras_version: string;
    backend: string;
  };
  format: 'layers-model';
  generatedBy: string;
  convertedBy: null;
  weightsManifest: WeightsGroup[];
}

/** A saved model, as save() returns it: model.json's content and the bytes of the weights file it names. */
export interface ModelArtifacts {
  modelJson: ModelJSON;
  weightData: ArrayBuffer;
}

/** What Sequential.load reads: ModelArtifacts, or model.json as text and the weights as any bytes (a Node Buffer). */
export interface ModelArtifactsLike {
  modelJson: ModelJSON | string;
  weightData: ArrayBuffer | ArrayBufferView;
}

/** Where a loaded model runs, as in compile. */
export type LoadOptions = Pick<CompileOptions, 'backend' | 'device' | 'gpu'>;

/** The most parameters a model file may declare. */
const MAX_PARAMETERS = 2 ** 28;

const ARGUMENT = 'load(artifacts)';
const MODEL_JSON = `${ARGUMENT}.modelJson`;

/** The files of a model of `layers` (as plain data, `specs`), with its weights in Keras order. */
export function encodeModel(layers: readonly Layer[], specs: LayerSpec[], weights: Float32Array[]): ModelArtifacts {
  specs.forEach(({ name }, l) => {
    if (specs.findIndex((other) => other.name === name) !== l) {
      throw invalid(`save(): model.layers[${l}].name`, 'a name no other layer has (it names the weights in the files)', name);
    }
  });
  const data = new Float32Array(weights.reduce((length, w) => length + w.length, 0));
  weights.reduce((offset, w) => (data.set(w, offset), offset + w.length), 0);
  const configs = layers.map((layer, l) => ({
    class_name: layer.className,
    config: {
      ...formats[layer.className].toConfig(layer, specs[l]),
      ...(l === 0 ? { batch_input_shape: [null, specs[0].inputs] as [null, number], dtype: 'float32' as const } : {}),
    } as LayerJSON['config'],
  }));
  return {
    modelJson: {
      modelTopology: {
        class_name: 'Sequential',
        config: { name: 'sequential', layers: configs },
        keras_version: 'tfjs-layers 4.22.0', // the TF.js layers format these files follow
        backend: 'tensor_flow.js',
      },
      format: 'layers-model',
      generatedBy: 'webgpu-nn',
      convertedBy: null,
      weightsManifest: [{ paths: ['weights.bin'], weights: expectedWeights(specs).map(({ name, shape }) => ({ name, shape, dtype: 'float32' })) }],
    },
    weightData: data.buffer,
  };
}

/**
 * The layers (the first with its inputDim) and the weights, in Keras order, of model files. Throws
 * INVALID_MODEL_FILE naming the field that is missing, too large or inconsistent, and NON_FINITE for NaN or Infinity
 * in the weights.
 */
export function decodeModel(artifacts: unknown): { layers: Layer[]; weights: Float32Array[] } {
  if (artifacts === null || typeof artifacts !== 'object') throw invalid(ARGUMENT, 'an object { modelJson, weightData }', artifacts);
  const { modelJson, weightData } = artifacts as Record<string, unknown>;
  const json = parseModelJson(modelJson, MODEL_JSON);
  const bytes = toBytes(weightData);
  if (json.format !== 'layers-model') throw badFile(`${MODEL_JSON}.format`, "'layers-model'", json.format);
  const { layers, specs } = readTopology(json.modelTopology);
  const { offsets, byteLength } = readManifest(json.weightsManifest, specs);
  if (bytes.byteLength !== byteLength) {
    throw new WebGPUNNError(
      'INVALID_MODEL_FILE',
      `${ARGUMENT}.weightData: expected ${byteLength} bytes (the float32 weights that weightsManifest lists), got ${bytes.byteLength}`,
    );
  }
  const weights = expectedWeights(specs).map(({ name, size }, k) => {
    // Copied out of the bytes: float32 in the platform's byte order, as TF.js reads them.
    const array = new Float32Array(bytes.slice(offsets[k], offsets[k] + 4 * size).buffer);
    assertFinite(array, `${ARGUMENT}.weightData['${name}']`);
    return array;
  });
  return { layers, weights };
}

/** The file names that model.json's manifest lists, in order: where the weights are. `argument` names modelJson. */
export function weightsPaths(modelJson: unknown, argument: string): string[] {
  return readGroups(parseModelJson(modelJson, argument).weightsManifest, argument).flatMap((group) => group.paths);
}

/**
 * The two files TF.js's `downloads://name` writes: name.json, whose manifest names ./name.weights.bin, and
 * name.weights.bin.
 */
export function modelFiles(artifacts: ModelArtifacts, name = 'model'): { name: string; data: string | ArrayBuffer }[] {
  const weightsName = `${name}.weights.bin`;
  const weights = artifacts.modelJson.weightsManifest.flatMap((group) => group.weights);
  const modelJson: ModelJSON = { ...artifacts.modelJson, weightsManifest: [{ paths: [`./${weightsName}`], weights }] };
  return [
    { name: `${name}.json`, data: JSON.stringify(modelJson) },
    { name: weightsName, data: artifacts.weightData },
  ];
}

/** The weights of the layers in Keras order, named as the files name them: 'dense_1/kernel', 'dense_1/bias', .... */
function expectedWeights(specs: LayerSpec[]): { name: string; shape: number[]; size: number }[] {
  return specs.flatMap((spec) =>
    layerDefinition(spec)
      .weights(spec)
      .map(({ name, shape }) => ({ name: `${spec.name}/${name}`, shape, size: shape.reduce((a, b) => a * b, 1) })),
  );
}

function record(value: unknown, argument: string, expected: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badFile(argument, expected, value);
  return value as Record<string, unknown>;
}

function list(value: unknown, argument: string, expected: string): unknown[] {
  if (!Array.isArray(value)) throw badFile(argument, expected, value);
  return value;
}

function parseModelJson(value: unknown, argument: string): Record<string, unknown> {
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch (error) {
      throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected the JSON of a model.json, got text that does not parse (${(error as Error).message})`);
    }
  }
  return record(json, argument, 'a TF.js model.json { modelTopology, format, weightsManifest } or its text');
}

function toBytes(value: unknown): Uint8Array {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw invalid(`${ARGUMENT}.weightData`, 'an ArrayBuffer or a Uint8Array with the bytes of the weights file', value);
}

/** The layers of a Sequential topology, as TF.js writes it or as tensorflowjs_converter converts Keras's. */
function readTopology(value: unknown): { layers: Layer[]; specs: LayerSpec[] } {
  let where = `${MODEL_JSON}.modelTopology`;
  let topology = record(value, where, "a Keras topology { class_name: 'Sequential', config }");
  if (topology.model_config !== undefined) {
    where += '.model_config';
    topology = record(topology.model_config, where, "a Keras topology { class_name: 'Sequential', config }");
  }
  if (topology.class_name !== 'Sequential') throw badFile(`${where}.class_name`, "'Sequential'", topology.class_name);
  const entries = list(record(topology.config, `${where}.config`, '{ name, layers }').layers, `${where}.config.layers`, 'an array of layers');

  const layers: Layer[] = [];
  const specs: LayerSpec[] = [];
  const names = new Set<string>();
  const known = Object.keys(formats).map((name) => `'${name}'`);
  let inputs: number | undefined;
  entries.forEach((entry, i) => {
    const at = `${where}.config.layers[${i}]`;
    const { class_name: className, config: c } = record(entry, at, '{ class_name, config }');
    const config = record(c, `${at}.config`, "the layer's config");
    if (config.dtype !== undefined && config.dtype !== 'float32') throw badFile(`${at}.config.dtype`, "'float32'", config.dtype);
    const firstShape = () => {
      const shape = config.batch_input_shape;
      if (!Array.isArray(shape) || shape.length !== 2 || shape[0] !== null) {
        throw badFile(`${at}.config.batch_input_shape`, '[null, inputs] on the first layer (a batch of flat rows)', shape);
      }
      return width(shape[1], `${at}.config.batch_input_shape[1]`);
    };
    if (i === 0 && className === 'InputLayer') {
      inputs = firstShape();
      return;
    }
    const format: LayerFormat | undefined = typeof className === 'string' && Object.hasOwn(formats, className) ? formats[className] : undefined;
    if (!format) throw badFile(`${at}.class_name`, `one of ${known.join(', ')} (the layers webgpu-nn has)`, className);
    inputs ??= firstShape();
    const layer = format.fromConfig(config, `${at}.config`, layers.length === 0 ? inputs : undefined);
    const name = config.name;
    if (typeof name !== 'string' || name === '') throw badFile(`${at}.config.name`, 'the layer name that names its weights', name);
    if (names.has(name)) throw badFile(`${at}.config.name`, 'a name no other layer has', name);
    names.add(name);
    layers.push(layer);
    specs.push(layer.spec(inputs, { name, seed: 0 }));
    inputs = layer.outputWidth(inputs);
  });

  if (layers.length === 0) throw badFile(`${where}.config.layers`, 'at least one Dense layer', entries);
  const parameters = expectedWeights(specs).reduce((sum, weight) => sum + weight.size, 0);
  if (parameters > MAX_PARAMETERS) throw badFile(`${where}.config.layers`, 'at most 2^28 parameters in all', parameters);
  return { layers, specs };
}

function readGroups(value: unknown, argument: string): { paths: string[]; weights: unknown[]; at: string }[] {
  const at = `${argument}.weightsManifest`;
  return list(value, at, 'an array of { paths, weights } groups').map((entry, i) => {
    const group = record(entry, `${at}[${i}]`, '{ paths, weights }');
    const paths = list(group.paths, `${at}[${i}].paths`, 'an array of file names');
    paths.forEach((path, p) => {
      if (typeof path !== 'string') throw badFile(`${at}[${i}].paths[${p}]`, 'a file name', path);
    });
    return { paths: paths as string[], weights: list(group.weights, `${at}[${i}].weights`, 'an array of { name, shape, dtype }'), at: `${at}[${i}]` };
  });
}

/** Where each of the layers' weights starts in the weight bytes, from a manifest that must list exactly them. */
function readManifest(value: unknown, specs: LayerSpec[]): { offsets: number[]; byteLength: number } {
  const expected = expectedWeights(specs);
  const index = new Map(expected.map((weight, k) => [weight.name, k]));
  const offsets: number[] = [];
  let byteLength = 0;
  for (const group of readGroups(value, MODEL_JSON)) {
    group.weights.forEach((entry, j) => {
      const at = `${group.at}.weights[${j}]`;
      const spec = record(entry, at, '{ name, shape, dtype }');
      const k = typeof spec.name === 'string' ? index.get(spec.name) : undefined;
      if (k === undefined) throw badFile(`${at}.name`, `the kernel or bias of a layer of the topology, like '${expected[0].name}'`, spec.name);
      if (offsets[k] !== undefined) throw badFile(`${at}.name`, 'each weight listed once', spec.name);
      if (spec.dtype !== 'float32') throw badFile(`${at}.dtype`, "'float32'", spec.dtype);
      if (spec.quantization !== undefined) throw badFile(`${at}.quantization`, 'none (float32 weights)', spec.quantization);
      const { shape, size } = expected[k];
      if (!Array.isArray(spec.shape) || spec.shape.length !== shape.length || spec.shape.some((n, d) => n !== shape[d])) {
        const got = Array.isArray(spec.shape) && spec.shape.length <= 4 ? `[${spec.shape.map(describe).join(', ')}]` : describe(spec.shape);
        throw new WebGPUNNError('INVALID_MODEL_FILE', `${at}.shape: expected [${shape.join(', ')}], the shape the topology gives '${spec.name}', got ${got}`);
      }
      offsets[k] = byteLength;
      byteLength += 4 * size;
    });
  }
  const missing = expected.find((_, k) => offsets[k] === undefined);
  if (missing) {
    throw new WebGPUNNError('INVALID_MODEL_FILE', `${MODEL_JSON}.weightsManifest: expected a weight named '${missing.name}' (a layer of the topology has it), got none`);
  }
  return { offsets, byteLength };
}
