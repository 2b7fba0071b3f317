// The layers of a Keras topology in the order they run, from every form in which TF.js and Keras write a stack of
// layers:
// - Sequential as TF.js and Keras 2 write it ({ name, layers }), as Keras 2.2 and older did (the list of layers
//   itself), and as Keras 3 does (entries with module, registered_name and build_config; an InputLayer with
//   batch_shape; the input shape possibly only in build_config or the model's build_input_shape);
// - Functional ('Functional' in Keras, 'Model' in TF.js) whose layers form one chain from its one input to its one
//   output, each node as Keras 2 and TF.js write it ([['dense', 0, 0, {}]]) or as Keras 3 does ({ args, kwargs }).
// tensorflowjs_converter nests the topology in model_config. Anything else is rejected with INVALID_MODEL_FILE
// naming why. The layer configs themselves are read by each layer kind's format (layers/*/format.ts).
import { WebGPUNNError } from '../errors';
import { badFile, fileList, fileRecord, floatDtype, width } from '../layers/format';

/** A layer of the topology: its class name, its config and, from Keras 3, the input shape it was built for. */
export interface LayerEntry {
  className: unknown;
  config: Record<string, unknown>;
  /** Names the entry in messages, e.g. `….modelTopology.config.layers[2]`. */
  at: string;
  /** Keras 3's build_config.input_shape, where the entry has one. */
  buildShape: unknown;
}

export interface Topology {
  /** The model's name: Keras 3 writes it before its weight names (sequential/dense/kernel). */
  name: string | undefined;
  /** The layers that compute, in order (the input layer, which only declares the input shape, left out). */
  layers: LayerEntry[];
  /** The width of the input rows. */
  inputs: number;
  /** Where the layer list is, for messages. */
  at: string;
}

const TOPOLOGY = "a Keras topology { class_name: 'Sequential', config }";
const FLAT_ROWS = '[null, inputs] on the first layer (a batch of flat rows)';

export function readTopology(value: unknown, argument: string): Topology {
  let where = argument;
  let topology = fileRecord(value, where, TOPOLOGY);
  if (topology.model_config !== undefined) {
    where += '.model_config';
    topology = fileRecord(topology.model_config, where, TOPOLOGY);
  }
  const className = topology.class_name;
  if (className === 'Sequential') return sequential(topology.config, `${where}.config`);
  if (className === 'Functional' || className === 'Model') return functional(topology.config, `${where}.config`);
  throw badFile(`${where}.class_name`, "'Sequential', or 'Functional' whose layers form a chain", className);
}

/** Checks a layer's Keras 3 build_config.input_shape, where it has one, against the width of its input rows. */
export function checkBuildShape({ buildShape, at }: LayerEntry, inputs: number): void {
  if (buildShape === undefined) return;
  const argument = `${at}.build_config.input_shape`;
  const declared = rowWidth(buildShape, argument, '[null, inputs] (a batch of flat rows)');
  if (declared !== inputs) {
    throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected [null, ${inputs}] (the width the layers before it give), got [null, ${declared}]`);
  }
}

interface Entry extends LayerEntry {
  raw: Record<string, unknown>;
}

function entries(value: unknown, at: string): Entry[] {
  return fileList(value, at, 'an array of layers').map((item, i) => {
    const entryAt = `${at}[${i}]`;
    const raw = fileRecord(item, entryAt, '{ class_name, config }');
    const config = fileRecord(raw.config, `${entryAt}.config`, "the layer's config");
    floatDtype(config.dtype, `${entryAt}.config.dtype`);
    const build = raw.build_config ?? undefined;
    const buildShape = build === undefined ? undefined : fileRecord(build, `${entryAt}.build_config`, '{ input_shape }').input_shape;
    return { className: raw.class_name, config, at: entryAt, buildShape, raw };
  });
}

/** The width of `[batch, width]`, the batch null or a fixed size. */
function rowWidth(shape: unknown, argument: string, expected: string): number {
  const batch = Array.isArray(shape) ? shape[0] : undefined;
  if (!Array.isArray(shape) || shape.length !== 2 || !(batch === null || (Number.isInteger(batch) && (batch as number) > 0))) {
    throw badFile(argument, expected, shape);
  }
  return width(shape[1], `${argument}[1]`);
}

/** The input width an InputLayer declares: batch_shape (Keras 3) or batch_input_shape (Keras 2, TF.js). */
function inputLayerWidth({ config, at }: Entry): number {
  const field = config.batch_shape !== undefined ? 'batch_shape' : 'batch_input_shape';
  return rowWidth(config[field], `${at}.config.${field}`, FLAT_ROWS);
}

function sequential(config: unknown, at: string): Topology {
  // Keras 2.2 and older wrote the list of layers as the config.
  const c = Array.isArray(config) ? { layers: config } : fileRecord(config, at, '{ name, layers }');
  const layersAt = Array.isArray(config) ? at : `${at}.layers`;
  const layers = entries(c.layers, layersAt);
  const inputs = layers[0]?.className === 'InputLayer' ? inputLayerWidth(layers.shift()!) : undefined;
  const first = layers[0];
  if (!first) throw badFile(layersAt, 'at least one Dense layer', c.layers);
  // Without an InputLayer the first layer carries the input shape: batch_input_shape (Keras 2, TF.js), or in Keras 3
  // its build_config or the model's build_input_shape.
  const firstInputs = () => {
    if (first.config.batch_input_shape === undefined && first.buildShape !== undefined) {
      return rowWidth(first.buildShape, `${first.at}.build_config.input_shape`, FLAT_ROWS);
    }
    if (first.config.batch_input_shape === undefined && c.build_input_shape !== undefined) {
      return rowWidth(c.build_input_shape, `${at}.build_input_shape`, FLAT_ROWS);
    }
    return rowWidth(first.config.batch_input_shape, `${first.at}.config.batch_input_shape`, FLAT_ROWS);
  };
  return { name: typeof c.name === 'string' ? c.name : undefined, layers, inputs: inputs ?? firstInputs(), at: layersAt };
}

/** The layer name of `[name, 0, 0]` or `[[name, 0, 0]]`: a model's one input or one output tensor. */
function tensorName(value: unknown, argument: string): string {
  const ref = Array.isArray(value) && value.length === 1 && Array.isArray(value[0]) ? value[0] : value;
  if (!Array.isArray(ref) || typeof ref[0] !== 'string' || ref[1] !== 0 || ref[2] !== 0) {
    throw badFile(argument, '[[layer name, 0, 0]] (a model of one input and one output)', value);
  }
  return ref[0];
}

const CHAIN_NODE = 'one call on one tensor of the layer before it (a chain)';

/** The layer whose output feeds `entry`'s single call, from its inbound_nodes as Keras 2, Keras 3 or TF.js write them. */
function inboundLayer(entry: Entry): string {
  const argument = `${entry.at}.inbound_nodes`;
  const nodes = fileList(entry.raw.inbound_nodes, argument, `[${CHAIN_NODE}]`);
  if (nodes.length !== 1) throw badFile(argument, CHAIN_NODE, nodes);
  const node = nodes[0];
  let history: unknown;
  if (Array.isArray(node)) {
    // Keras 2, TF.js: [[layer, node index, tensor index, kwargs]].
    if (node.length !== 1) throw badFile(`${argument}[0]`, CHAIN_NODE, node);
    history = node[0];
  } else {
    // Keras 3: { args: [{ class_name: '__keras_tensor__', config: { keras_history: [layer, node, tensor] } }], kwargs }.
    const { args, kwargs } = fileRecord(node, `${argument}[0]`, '{ args, kwargs } or [[layer, 0, 0, {}]]');
    const tensors = fileList(args, `${argument}[0].args`, CHAIN_NODE);
    const kerasTensor = (value: unknown) => value !== null && typeof value === 'object' && (value as Record<string, unknown>).class_name === '__keras_tensor__';
    const tensorKwargs = kwargs !== null && typeof kwargs === 'object' && Object.values(kwargs).some(kerasTensor);
    if (tensors.length !== 1 || !kerasTensor(tensors[0]) || tensorKwargs) throw badFile(`${argument}[0]`, CHAIN_NODE, node);
    const config = (tensors[0] as Record<string, unknown>).config;
    history = config !== null && typeof config === 'object' ? (config as Record<string, unknown>).keras_history : undefined;
  }
  if (!Array.isArray(history) || typeof history[0] !== 'string' || history[1] !== 0 || history[2] !== 0) {
    throw badFile(`${argument}[0]`, `${CHAIN_NODE}: [layer name, 0, 0]`, history);
  }
  return history[0];
}

function functional(config: unknown, at: string): Topology {
  const c = fileRecord(config, at, '{ name, layers, input_layers, output_layers }');
  const layersAt = `${at}.layers`;
  const all = entries(c.layers, layersAt);
  const names = new Map<string, Entry>();
  for (const entry of all) {
    const name = entry.raw.name ?? entry.config.name;
    if (typeof name !== 'string') throw badFile(`${entry.at}.name`, 'the layer name its nodes refer to', name);
    if (names.has(name)) throw badFile(`${entry.at}.name`, 'a name no other layer has', name);
    names.set(name, entry);
  }
  const inputName = tensorName(c.input_layers, `${at}.input_layers`);
  const outputName = tensorName(c.output_layers, `${at}.output_layers`);
  const input = names.get(inputName);
  if (!input || input.className !== 'InputLayer') throw badFile(`${at}.input_layers`, 'the name of an InputLayer of layers', inputName);

  // Each layer but the input has one inbound layer; in a chain, each layer feeds at most one other.
  const next = new Map<Entry, Entry>();
  for (const entry of all) {
    if (entry === input) continue;
    const fromName = inboundLayer(entry);
    const from = names.get(fromName);
    if (!from) throw badFile(`${entry.at}.inbound_nodes`, 'a call on a layer of the model', fromName);
    if (next.has(from)) throw badFile(`${entry.at}.inbound_nodes`, `a chain: '${fromName}' feeds another layer already`, fromName);
    next.set(from, entry);
  }
  // Every layer has one predecessor and none precedes the input, so the walk from the input visits each layer at
  // most once; layers it misses are off the chain.
  const chain: Entry[] = [];
  for (let entry = next.get(input); entry; entry = next.get(entry)) chain.push(entry);
  if (chain.length !== all.length - 1) {
    throw new WebGPUNNError(
      'INVALID_MODEL_FILE',
      `${layersAt}: expected layers that form one chain from the input '${inputName}', got ${all.length - 1 - chain.length} of ${all.length} layers off that chain`,
    );
  }
  const last = chain.at(-1);
  if (!last) throw badFile(layersAt, 'at least one Dense layer', c.layers);
  const lastName = last.raw.name ?? last.config.name;
  if (lastName !== outputName) throw badFile(`${at}.output_layers`, `the last layer of the chain, '${lastName}'`, outputName);
  return { name: typeof c.name === 'string' ? c.name : undefined, layers: chain, inputs: inputLayerWidth(input), at: layersAt };
}
