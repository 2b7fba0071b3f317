// Model files as tensorflowjs_converter writes them from Keras 2 and Keras 3, generated here from the formats those
// tools document (tfjs-converter's write_weights.py, quantization.py and keras_h5_conversion.py; Keras's
// get_config of Sequential, Functional, InputLayer and Dense), for weights the tests choose.

/** A Dense layer of a fixture, with its weights: kernel [inputs × units] row-major, then bias. */
export interface DenseFixture {
  name: string;
  units: number;
  activation: string;
  kernel: Float32Array;
  bias: Float32Array;
}

export type KerasFlavour = 'keras2' | 'keras3-h5' | 'keras3-keras';
export type Quantization = 'none' | 'float16' | 'uint8' | 'uint16';

const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };

/** A layer config's dtype as each Keras writes it: Keras 2's string, Keras 3's DTypePolicy. */
export const dtypeOf = (flavour: KerasFlavour) => (flavour === 'keras2' ? 'float32' : policy);

/** An initializer or a regularizer as Keras 2.13+ and Keras 3 serialize it. */
export const kerasObject = (module: 'initializers' | 'regularizers', className: string, config: object) => ({ module: `keras.${module}`, class_name: className, config, registered_name: null });
const initializer = (className: string) => kerasObject('initializers', className, className === 'Zeros' || className === 'Ones' ? {} : { seed: null });
export { initializer as kerasInitializer };

function denseConfig(layer: DenseFixture, flavour: KerasFlavour) {
  return {
    name: layer.name,
    trainable: true,
    dtype: dtypeOf(flavour),
    units: layer.units,
    activation: layer.activation,
    use_bias: true,
    kernel_initializer: initializer('GlorotUniform'),
    bias_initializer: initializer('Zeros'),
    kernel_regularizer: null,
    bias_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
    ...(flavour === 'keras2' ? { activity_regularizer: null } : { lora_rank: null }),
  };
}

/** A layer entry: Keras 3 adds module, registered_name and build_config around the config. */
export function entry(className: string, config: object, flavour: KerasFlavour, inputs?: number) {
  if (flavour === 'keras2') return { class_name: className, config };
  return {
    module: 'keras.layers',
    class_name: className,
    config,
    registered_name: null,
    ...(inputs === undefined ? {} : { build_config: { input_shape: [null, inputs] } }),
  };
}

function inputLayer(name: string, inputs: number, flavour: KerasFlavour) {
  return flavour === 'keras2'
    ? { batch_input_shape: [null, inputs], dtype: 'float32', sparse: false, ragged: false, name }
    : { batch_shape: [null, inputs], dtype: 'float32', sparse: false, ragged: false, name };
}

const widths = (inputs: number, layers: DenseFixture[]) => layers.map((_, l) => (l === 0 ? inputs : layers[l - 1].units));

/** A Sequential model's topology with an InputLayer, as each Keras writes it. */
export function sequentialTopology(inputs: number, layers: DenseFixture[], flavour: KerasFlavour) {
  const w = widths(inputs, layers);
  return sequentialOf(inputs, layers.map((layer, l) => entry('Dense', denseConfig(layer, flavour), flavour, w[l])), flavour);
}

/** A Sequential model's topology of layer entries (entry()) after an InputLayer, as each Keras writes it. */
export function sequentialOf(inputs: number, entries: object[], flavour: KerasFlavour, firstName = 'dense') {
  return {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      ...(flavour === 'keras2' ? {} : { trainable: true, dtype: policy }),
      layers: [entry('InputLayer', inputLayer(flavour === 'keras2' ? `${firstName}_input` : 'input_layer', inputs, flavour), flavour), ...entries],
      ...(flavour === 'keras2' ? {} : { build_input_shape: [null, inputs] }),
    },
  };
}

/** A Functional model's topology whose layers form a chain, its nodes as Keras 2 (and TF.js) or Keras 3 write them. */
export function functionalTopology(inputs: number, layers: DenseFixture[], flavour: KerasFlavour) {
  const w = widths(inputs, layers);
  const input = flavour === 'keras2' ? 'input_1' : 'input_layer';
  const node = (from: string, width: number) =>
    flavour === 'keras2'
      ? [[from, 0, 0, {}]]
      : { args: [{ class_name: '__keras_tensor__', config: { shape: [null, width], dtype: 'float32', keras_history: [from, 0, 0] } }], kwargs: {} };
  return {
    class_name: 'Functional',
    config: {
      name: flavour === 'keras2' ? 'model' : 'functional',
      trainable: true,
      layers: [
        { ...entry('InputLayer', inputLayer(input, inputs, flavour), flavour), name: input, inbound_nodes: [] },
        ...layers.map((layer, l) => ({
          ...entry('Dense', denseConfig(layer, flavour), flavour, w[l]),
          name: layer.name,
          inbound_nodes: [node(l === 0 ? input : layers[l - 1].name, w[l])],
        })),
      ],
      input_layers: [[input, 0, 0]],
      output_layers: [[layers[layers.length - 1].name, 0, 0]],
    },
  };
}

/** Round half to even, as numpy's round does. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The bits of the float16 nearest to `value` (ties to even), as numpy's astype(float16) gives them. */
export function float16Bits(value: number): number {
  const bits = new Uint32Array(new Float32Array([value]).buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  let mantissa = bits & 0x7fffff;
  if (((bits >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  if (exponent >= 0x1f) return sign | 0x7c00;
  let shift = 13;
  let half: number;
  if (exponent <= 0) {
    if (exponent < -10) return sign;
    mantissa |= 0x800000;
    shift = 14 - exponent;
    half = mantissa >>> shift;
  } else {
    half = (exponent << 10) | (mantissa >>> 13);
  }
  const rest = mantissa & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rest > halfway || (rest === halfway && half & 1)) half++; // a carry into the exponent is the right result
  return sign | half;
}

/** quantization.py's affine quantization: the range nudged so that 0 is exact, q = round((x − min) / scale). */
export function quantizeAffine(values: Float32Array, dtype: 'uint8' | 'uint16'): { data: Uint8Array | Uint16Array; scale: number; min: number } {
  const qmax = dtype === 'uint8' ? 255 : 65535;
  const data = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  let min = values.reduce((a, b) => Math.min(a, b), Infinity);
  let max = values.reduce((a, b) => Math.max(a, b), -Infinity);
  if (min === max) return { data, scale: 1, min };
  const scale = (max - min) / qmax;
  if (min <= 0 && 0 <= max) {
    const zeroPoint = roundHalfEven(-min / scale);
    min = -zeroPoint * scale;
    max = qmax * scale + min;
  }
  values.forEach((x, i) => (data[i] = roundHalfEven((Math.min(Math.max(x, min), max) - min) / scale)));
  return { data, scale, min };
}

export interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: Record<string, unknown>;
}

/** A weight as write_weights stores it: its manifest entry and its bytes. */
export function storedWeight(name: string, shape: number[], values: Float32Array, quantization: Quantization): { spec: ManifestEntry; bytes: Uint8Array } {
  if (quantization === 'none') return { spec: { name, shape, dtype: 'float32' }, bytes: new Uint8Array(values.slice().buffer) };
  if (quantization === 'float16') {
    const half = Uint16Array.from(values, float16Bits);
    return { spec: { name, shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } }, bytes: new Uint8Array(half.buffer) };
  }
  const { data, scale, min } = quantizeAffine(values, quantization);
  return { spec: { name, shape, dtype: 'float32', quantization: { dtype: quantization, min, scale, original_dtype: 'float32' } }, bytes: new Uint8Array(data.buffer) };
}

/** write_weights' shards: the group's bytes cut into files of `shardSize` bytes, the last one shorter. */
export function shards(bytes: Uint8Array, shardSize: number, group = 1): { name: string; bytes: Uint8Array }[] {
  const count = Math.max(1, Math.ceil(bytes.byteLength / shardSize));
  return Array.from({ length: count }, (_, i) => ({ name: `group${group}-shard${i + 1}of${count}.bin`, bytes: bytes.slice(i * shardSize, (i + 1) * shardSize) }));
}

/** The weights of `layers` as each flavour names them, in the order the converter walks them. */
export function weightNames(layers: DenseFixture[], flavour: KerasFlavour, modelName = 'sequential'): { name: string; shape: number[]; values: Float32Array }[] {
  const inputsOf = (layer: DenseFixture) => layer.kernel.length / layer.units;
  const named = layers.flatMap((layer) => {
    const [kernel, bias] =
      flavour === 'keras2' ? ['kernel', 'bias'].map((w) => `${layer.name}/${w}`)
      : flavour === 'keras3-h5' ? ['kernel', 'bias'].map((w) => `${modelName}/${layer.name}/${w}`)
      : ['0', '1'].map((v) => `layers/${layer.name}/vars/${v}`);
    return [
      { name: kernel, shape: [inputsOf(layer), layer.units], values: layer.kernel, layer: layer.name },
      { name: bias, shape: [layer.units], values: layer.bias, layer: layer.name },
    ];
  });
  // The HDF5 file's groups are iterated by name: dense, dense_1, dense_10, dense_2, ...
  return named.sort((a, b) => (a.layer < b.layer ? -1 : a.layer > b.layer ? 1 : 0)).map(({ name, shape, values }) => ({ name, shape, values }));
}

/** A converter output directory: model.json's content and each weight file's bytes by name. */
export interface ConvertedModel {
  modelJson: Record<string, any>;
  files: Map<string, Uint8Array>;
}

/**
 * What tensorflowjs_converter writes for a topology and its weights: one group, its bytes in shards of `shardSize`
 * (the converter's default is 4 MiB), quantized as `--quantize_<dtype>` does, plus `extra` entries (optimizer state,
 * as a .keras file holds it) after the model's.
 */
export function converted(
  topology: object,
  weights: { name: string; shape: number[]; values: Float32Array }[],
  options: { quantization?: Quantization; shardSize?: number; flavour?: KerasFlavour; extra?: { spec: ManifestEntry; bytes: Uint8Array }[] } = {},
): ConvertedModel {
  const { quantization = 'none', shardSize = 4 * 1024 * 1024, flavour = 'keras2', extra = [] } = options;
  const stored = [...weights.map((w) => storedWeight(w.name, w.shape, w.values, quantization)), ...extra];
  const total = stored.reduce((sum, s) => sum + s.bytes.byteLength, 0);
  const group = new Uint8Array(total);
  stored.reduce((offset, s) => (group.set(s.bytes, offset), offset + s.bytes.byteLength), 0);
  const files = shards(group, shardSize);
  const kerasVersion = flavour === 'keras2' ? '2.15.0' : '3.6.0';
  return {
    modelJson: {
      format: 'layers-model',
      generatedBy: `keras v${kerasVersion}`,
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: { keras_version: kerasVersion, ...(flavour === 'keras3-keras' ? {} : { backend: 'tensorflow' }), model_config: topology },
      weightsManifest: [{ paths: files.map((f) => f.name), weights: stored.map((s) => s.spec) }],
    },
    files: new Map(files.map((f) => [f.name, f.bytes])),
  };
}

/** The bytes of a converter output's weight files in manifest order: Sequential.load's weightData as shards. */
export function shardBuffers({ modelJson, files }: ConvertedModel): Uint8Array[] {
  return modelJson.weightsManifest.flatMap((group: { paths: string[] }) => group.paths.map((path) => files.get(path)!));
}
