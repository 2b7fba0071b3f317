// TF.js LayersModel files for a Sequential model: model.json (the topology and a manifest of the weights) and
// weight files (the float32 weights, one after another in manifest order). encodeModel writes them as TF.js 4.22
// does; decodeModel reads them back, whether webgpu-nn, TF.js, or tensorflowjs_converter from Keras 2 or Keras 3 wrote
// them (the topology: keras-topology.ts; the manifest, its names and quantized weights: weights-manifest.ts), and
// checks every size an untrusted file declares before it allocates anything for it. Each layer kind's config is its
// own (layers/*/format.ts).
import { WebGPUNNError, invalid } from '../errors';
import { type LayerFormat, badFile, fileRecord } from '../layers/format';
import { formats } from '../layers/formats';
import { layerDefinition } from '../layers/registry';
import type { LayerSpec } from '../layers/registry';
import { assertFinite } from '../matrix';
import { concatenate } from './bytes';
import type { Layer } from './layer';
import { checkBuildShape, readTopology } from './keras-topology';
import type { CompileOptions } from './sequential';
import type { FetchLike } from './storage/http';
import { decodeValues } from './weight-values';
import { type ExpectedWeight, type PlacedWeight, manifestPaths, readManifest } from './weights-manifest';

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

/**
 * What Sequential.load reads: ModelArtifacts, or any model.json (its content or its text) and the weights as any
 * bytes (a Node Buffer), or as the bytes of each of its weight files in manifest order (its shards).
 */
export interface ModelArtifactsLike {
  modelJson: ModelJSON | object | string;
  weightData: ArrayBuffer | ArrayBufferView | (ArrayBuffer | ArrayBufferView)[];
}

/** Where a loaded model runs, as in compile, and (for http(s) URLs) the fetch that reads its files. */
export type LoadOptions = Pick<CompileOptions, 'backend' | 'device' | 'gpu'> & { fetch?: FetchLike };

/** The most parameters a model file may declare. */
const MAX_PARAMETERS = 2 ** 28;

const ARGUMENT = 'load(artifacts)';

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

/** What a model.json says, checked: the layers, and where each of their weights lies in the weight files' bytes. */
export interface ModelPlan {
  layers: Layer[];
  weights: (PlacedWeight & { name: string; size: number })[];
  /** The bytes of all the weight files together. */
  byteLength: number;
  /** The weight files, in the order their bytes concatenate. */
  paths: string[];
}

/**
 * Reads a model.json (its content, or its text) for a model webgpu-nn runs, checking every field and size before
 * anything is allocated for the weights; `argument` names it in messages. Throws INVALID_MODEL_FILE naming the
 * field that is missing, too large or inconsistent.
 */
export function readModelJson(modelJson: unknown, argument: string): ModelPlan {
  const json = parseModelJson(modelJson, argument);
  if (json.format !== undefined && json.format !== 'layers-model') throw badFile(`${argument}.format`, "'layers-model'", json.format);
  const { layers, specs, name } = readLayers(json.modelTopology, `${argument}.modelTopology`);
  const expected = expectedWeights(specs);
  const { placed, byteLength, paths } = readManifest(json.weightsManifest, argument, expected, name);
  return { layers, weights: expected.map(({ name, size }, k) => ({ name, size, ...placed[k] })), byteLength, paths };
}

/** The model's weights, in Keras order, from the bytes of its weight files; NON_FINITE for NaN or Infinity. */
function readWeights(plan: ModelPlan, bytes: Uint8Array, argument: string): Float32Array[] {
  return plan.weights.map(({ name, size, offset, stored }) => {
    const values = decodeValues(bytes, offset, size, stored);
    assertFinite(values, `${argument}['${name}']`);
    return values;
  });
}

/**
 * The layers (the first with its inputDim) and the weights, in Keras order, of model files. Throws
 * INVALID_MODEL_FILE naming the field that is missing, too large or inconsistent, and NON_FINITE for NaN or Infinity
 * in the weights.
 */
export function decodeModel(artifacts: unknown, argument = ARGUMENT): { layers: Layer[]; weights: Float32Array[] } {
  if (artifacts === null || typeof artifacts !== 'object') throw invalid(argument, 'an object { modelJson, weightData }', artifacts);
  const { modelJson, weightData } = artifacts as Record<string, unknown>;
  const plan = readModelJson(modelJson, `${argument}.modelJson`);
  const bytes = joinBytes(weightData, plan.byteLength, `${argument}.weightData`);
  return { layers: plan.layers, weights: readWeights(plan, bytes, `${argument}.weightData`) };
}

/** The file names that model.json's manifest lists, in order: where the weights are. `argument` names modelJson. */
export function weightsPaths(modelJson: unknown, argument: string): string[] {
  return manifestPaths(parseModelJson(modelJson, argument).weightsManifest, argument);
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
function expectedWeights(specs: LayerSpec[]): ExpectedWeight[] {
  return specs.flatMap((spec) =>
    layerDefinition(spec)
      .weights(spec)
      .map(({ name, shape }, index) => ({ name: `${spec.name}/${name}`, layer: spec.name, index, shape, size: shape.reduce((a, b) => a * b, 1) })),
  );
}

/** model.json's content, from the content itself or its text. */
export function parseModelJson(value: unknown, argument: string): Record<string, unknown> {
  let json = value;
  if (typeof value === 'string') {
    try {
      json = JSON.parse(value);
    } catch (error) {
      throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected the JSON of a model.json, got text that does not parse (${(error as Error).message})`);
    }
  }
  return fileRecord(json, argument, 'a TF.js model.json { modelTopology, format, weightsManifest } or its text');
}

const BYTES = 'an ArrayBuffer or a Uint8Array with the bytes of the weights file, or an array of them (its shards)';

/** The weight bytes given as one buffer or as shards, once their total length is the manifest's. */
function joinBytes(value: unknown, byteLength: number, argument: string): Uint8Array {
  const parts = (Array.isArray(value) ? value : [value]).map((part) => {
    if (part instanceof ArrayBuffer) return new Uint8Array(part);
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    throw invalid(argument, BYTES, value);
  });
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  if (total !== byteLength) {
    throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected ${byteLength} bytes (the weights that weightsManifest lists), got ${total}`);
  }
  return concatenate(parts);
}

/** The layers of a topology, as plain data too, with their names unique and their parameters within the limit. */
function readLayers(value: unknown, argument: string): { layers: Layer[]; specs: LayerSpec[]; name: string | undefined } {
  const topology = readTopology(value, argument);
  const layers: Layer[] = [];
  const specs: LayerSpec[] = [];
  const names = new Set<string>();
  const known = Object.keys(formats).map((name) => `'${name}'`);
  let inputs = topology.inputs;
  for (const entry of topology.layers) {
    const { className, config, at } = entry;
    const format: LayerFormat | undefined = typeof className === 'string' && Object.hasOwn(formats, className) ? formats[className] : undefined;
    if (!format) throw badFile(`${at}.class_name`, `one of ${known.join(', ')} (the layers webgpu-nn has)`, className);
    checkBuildShape(entry, inputs);
    const layer = format.fromConfig(config, `${at}.config`, layers.length === 0 ? inputs : undefined);
    const name = config.name;
    if (typeof name !== 'string' || name === '') throw badFile(`${at}.config.name`, 'the layer name that names its weights', name);
    if (names.has(name)) throw badFile(`${at}.config.name`, 'a name no other layer has', name);
    names.add(name);
    const spec = layer.spec(inputs, { name, seed: 0 });
    // Keras lets a Dropout or an Activation take the inputs; webgpu-nn runs them inside the layer before (Sequential's check).
    if (layers.length === 0 && layerDefinition(spec).gpu.role === 'pointwise') throw badFile(`${at}.class_name`, 'a first layer with weights (Dense, BatchNormalization): webgpu-nn runs Dropout and Activation on the output of a layer before them', className);
    layers.push(layer);
    specs.push(spec);
    inputs = layer.outputWidth(inputs);
  }
  const parameters = expectedWeights(specs).reduce((sum, weight) => sum + weight.size, 0);
  if (parameters > MAX_PARAMETERS) throw badFile(topology.at, 'at most 2^28 parameters in all', parameters);
  return { layers, specs, name: topology.name };
}
