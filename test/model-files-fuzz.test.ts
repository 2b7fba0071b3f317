// Untrusted model files, fuzzed: valid files (webgpu-nn's own, and tensorflowjs_converter's from Keras 3: quantized,
// sharded, Functional, with optimizer state) mutated thousands of times (truncated, bytes flipped, huge shapes, wrong
// dtypes, repeated and self-referring shard paths, random values anywhere in model.json) and loaded in memory, as
// TF.js artifacts and over http. Every outcome must be a loaded model or a WebGPUNNError, never another exception,
// never a hang, never an allocation sized by what the file declares.
import { describe, expect, it } from 'vitest';
import { Dense, Sequential, WebGPUNNError } from '../src/index';
import { seededRandom } from '../src/random';
import { type ConvertedModel, converted, functionalTopology, sequentialTopology, storedWeight, weightNames } from './support/converter';
import { randomMatrix } from './support/data';

const CASES = 5000;

/**
 * The largest allocation made while `run` runs. The files fuzzed here are a few kilobytes, so a loader that only
 * allocates for what it has checked against the bytes it was given never allocates much; one that trusted a declared
 * size (2^28 parameters, a shape of 2^31, a Content-Length of 2^40) would allocate megabytes or more. Every way the
 * library creates memory for weights goes through what is instrumented: the typed-array and ArrayBuffer constructors
 * (and their `from`), `Array` (and `Array.from` of an array-like), and the `slice` of typed arrays and ArrayBuffers.
 */
function largestAllocation(): { measure<T>(run: () => Promise<T>): Promise<{ result: T; bytes: number; where?: string }> } {
  const kinds = [Float32Array, Float64Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array] as const;
  let largest = 0;
  let where: string | undefined;
  const record = (bytes: number) => {
    if (bytes > largest) {
      largest = bytes;
      if (bytes > 1 << 20) where = new Error().stack;
    }
  };
  const elements = (arg: unknown) =>
    typeof arg === 'number' ? arg : arg instanceof ArrayBuffer || ArrayBuffer.isView(arg) ? 0 : typeof (arg as { length?: unknown })?.length === 'number' ? (arg as { length: number }).length : 0;
  const global = globalThis as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  const typedSlice = Object.getPrototypeOf(Uint8Array.prototype).slice;
  const bufferSlice = ArrayBuffer.prototype.slice;
  const install = () => {
    for (const kind of kinds) {
      originals.set(kind.name, kind);
      global[kind.name] = new Proxy(kind, {
        construct(target, args, newTarget) {
          record(elements(args[0]) * target.BYTES_PER_ELEMENT);
          return Reflect.construct(target, args, newTarget);
        },
      });
    }
    for (const [name, size] of [['ArrayBuffer', 1], ['Array', 8]] as const) {
      const original = global[name] as new (...args: unknown[]) => unknown;
      originals.set(name, original);
      global[name] = new Proxy(original, {
        construct(target, args, newTarget) {
          record((typeof args[0] === 'number' ? args[0] : 0) * size);
          return Reflect.construct(target, args, newTarget);
        },
      });
    }
    Object.getPrototypeOf(Uint8Array.prototype).slice = function (this: Uint8Array, ...args: number[]) {
      const sliced: Uint8Array = typedSlice.apply(this, args);
      record(sliced.byteLength);
      return sliced;
    };
    ArrayBuffer.prototype.slice = function (this: ArrayBuffer, ...args: [number?, number?]) {
      const sliced = bufferSlice.apply(this, args);
      record(sliced.byteLength);
      return sliced;
    };
  };
  const restore = () => {
    for (const [name, original] of originals) global[name] = original;
    Object.getPrototypeOf(Uint8Array.prototype).slice = typedSlice;
    ArrayBuffer.prototype.slice = bufferSlice;
  };
  return {
    async measure(run) {
      largest = 0;
      where = undefined;
      install();
      try {
        const result = await run();
        return { result, bytes: largest, where };
      } finally {
        restore();
      }
    },
  };
}

/** The valid files the mutations start from. */
async function bases(): Promise<ConvertedModel[]> {
  const ours = new Sequential([new Dense({ units: 5, activation: 'relu', inputDim: 6 }), new Dense({ units: 4, activation: 'tanh' }), new Dense({ units: 3, activation: 'softmax' })]);
  await ours.compile({ loss: 'categoricalCrossentropy', backend: 'cpu', seed: 1 });
  const saved = await ours.save();
  ours.dispose();
  const layers = [
    { name: 'dense', units: 3, activation: 'relu', kernel: randomMatrix(4, 3, 1).data, bias: randomMatrix(1, 3, 2).data },
    { name: 'dense_1', units: 2, activation: 'sigmoid', kernel: randomMatrix(3, 2, 3).data, bias: randomMatrix(1, 2, 4).data },
  ];
  const optimizerState = [storedWeight('optimizer/vars/0', [], new Float32Array([3]), 'none'), storedWeight('optimizer/vars/1', [4, 3], randomMatrix(4, 3, 5).data, 'none')];
  return [
    { modelJson: saved.modelJson, files: new Map([['weights.bin', new Uint8Array(saved.weightData)]]) },
    converted(sequentialTopology(4, layers, 'keras3-h5'), weightNames(layers, 'keras3-h5'), { flavour: 'keras3-h5', quantization: 'uint8', shardSize: 16 }),
    converted(functionalTopology(4, layers, 'keras3-h5'), weightNames(layers, 'keras3-h5', 'functional'), { flavour: 'keras3-h5', quantization: 'float16', shardSize: 40 }),
    converted(sequentialTopology(4, layers, 'keras3-keras'), weightNames(layers, 'keras3-keras'), { flavour: 'keras3-keras', quantization: 'uint16', extra: optimizerState }),
    converted(functionalTopology(4, layers, 'keras2'), weightNames(layers, 'keras2', 'model'), { flavour: 'keras2' }),
  ];
}

type Json = any;

/** Every path to a value in a JSON tree, the root's included. */
function paths(root: Json, path: string[] = [], out: string[][] = []): string[][] {
  out.push(path);
  if (root !== null && typeof root === 'object') for (const key of Object.keys(root)) paths(root[key], [...path, key], out);
  return out;
}
const parentOf = (root: Json, path: string[]) => path.slice(0, -1).reduce((node, key) => node[key], root);

function mutator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)];
  const huge = [2 ** 24, 2 ** 24 + 1, 2 ** 28, 2 ** 28 + 1, 2 ** 31, 2 ** 32, 2 ** 53, 1e308, -1, 0, 2.5, NaN, Infinity, -Infinity];
  const interesting = (): Json =>
    pick([
      () => pick(huge),
      () => pick(['', 'float16', 'uint8', 'uint16', 'int32', 'string', 'complex64', 'bool', 'Dense', 'InputLayer', 'Sequential', 'Functional', '__proto__', 'constructor', 'optimizer/vars/0', 'layers/dense/vars/7', 'relu', 'softmax', 'mixed_float16']),
      () => pick([null, true, false, [], {}, [[]], { class_name: 'DTypePolicy', config: { name: 'float16' } }]),
      () => [null, pick(huge)],
      () => [pick(huge), pick(huge)],
      () => Array.from({ length: pick([2, 3, 100, 5000]) }, () => pick([1, 2 ** 16, 0])),
      () => ({ dtype: pick(['uint8', 'uint16', 'float16', 'int4']), scale: pick(huge), min: pick(huge), original_dtype: pick(['float32', 'int32']) }),
      () => random().toString(36),
    ])();
  const shardPaths = (existing: string[]): string[] =>
    pick([
      () => [...existing, existing[0]], // a file listed twice
      () => ['model.json'], // the manifest's own file as weights
      () => ['./model.json', ...existing],
      () => existing.map((p) => `../${p}`),
      () => Array.from({ length: pick([4096, 4097, 20000]) }, (_, i) => `shard${i}.bin`),
      () => ['endless.bin'],
      () => [...existing].reverse(),
      () => existing.slice(1),
      () => [`${existing[0]}?again`, existing[0]],
    ])();

  /** One mutation of model.json, in place (or a replacement of the whole). */
  function json(root: Json): Json {
    const manifest: Json[] = Array.isArray(root?.weightsManifest) ? root.weightsManifest : [];
    const group: Json = manifest.length ? pick(manifest) : undefined;
    const entry: Json = Array.isArray(group?.weights) && group.weights.length ? pick(group.weights as Json[]) : undefined;
    const kind = int(10);
    if (kind === 0 && entry) entry.shape = pick([[2 ** 14, 2 ** 14], [2 ** 28], [2 ** 31], [1e9, 1e9], [-4], [2.5], [], [6, 5, 1], Array(64).fill(2)]);
    else if (kind === 1 && entry) entry.dtype = pick(['float16', 'int32', 'string', 'bool', 'complex64', undefined, 7]);
    else if (kind === 2 && entry) entry.quantization = interesting();
    else if (kind === 3 && group && Array.isArray(group.paths)) group.paths = shardPaths(group.paths);
    else if (kind === 4 && entry) entry.name = pick(['dense/kernel', 'sequential/dense_1/bias', 'layers/dense/vars/1', 'optimizer/vars/9', entry.name + '/x', '']);
    else {
      const all = paths(root);
      const path = pick(all);
      if (path.length === 0) return interesting();
      const parent = parentOf(root, path);
      const key = path[path.length - 1];
      const op = int(5);
      if (op === 0) Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
      else if (op === 1 && Array.isArray(parent)) parent.push(structuredClone(parent[int(parent.length)]));
      else if (op === 2 && Array.isArray(parent)) [parent[0], parent[Number(key)]] = [parent[Number(key)], parent[0]];
      else if (op === 3) parent[key] = [parent[key]];
      else parent[key] = interesting();
    }
    return root;
  }

  /** One mutation of the weight files' bytes. */
  function bytes(files: Map<string, Uint8Array>): void {
    const names = [...files.keys()];
    if (names.length === 0) return void files.set('group1-shard1of1.bin', new Uint8Array(int(64)));
    const name = pick(names);
    const data = files.get(name)!;
    const op = int(5);
    if (op === 0) files.set(name, data.slice(0, int(data.byteLength + 1)));
    else if (op === 1) files.set(name, new Uint8Array([...data, ...Array.from({ length: 1 + int(100) }, () => int(256))]));
    else if (op === 2 && data.byteLength) for (let i = 0; i <= int(8); i++) data[int(data.byteLength)] = pick([0xff, 0x7f, 0x80, 0x00, int(256)]);
    else if (op === 3) files.delete(name);
    else files.set(name, new Uint8Array(0));
  }

  /** One mutation of model.json's text. */
  function text(source: string): string {
    return int(2) === 0 ? source.slice(0, int(source.length)) : source.slice(0, int(source.length)) + pick(['"', '}', ']', ',', '\u0000', '9e999', 'x']) + source.slice(int(source.length));
  }

  return { int, pick, json, bytes, text };
}

/** A fetch serving model.json and the weight files under http://fuzz/m/, an endless body for endless.bin, 404 otherwise. */
function fakeFetch(modelJson: string, files: Map<string, Uint8Array>, fetched: string[]) {
  return async (url: string) => {
    fetched.push(url);
    const name = url.slice('http://fuzz/m/'.length);
    if (name === 'model.json') return new Response(modelJson);
    if (name === 'endless.bin') return new Response(new ReadableStream({ pull: (controller) => controller.enqueue(new Uint8Array(1024)) }));
    const file = files.get(name);
    return file ? new Response(file as Uint8Array<ArrayBuffer>) : new Response(null, { status: 404 });
  };
}

describe('untrusted model files, fuzzed', () => {
  it(`loads or rejects with a WebGPUNNError each of ${CASES} mutated files, without hanging or allocating what they declare`, async () => {
    const random = seededRandom(20240611);
    const m = mutator(random);
    const originals = await bases();
    const allocations = largestAllocation();
    // The instrument sees each way of allocating, sized as asked, and is gone afterwards.
    const probes: [() => unknown, number][] = [
      [() => new Float32Array(2 ** 21), 2 ** 23],
      [() => Float32Array.from({ length: 2 ** 21 }, () => 1), 2 ** 23],
      [() => new ArrayBuffer(2 ** 22), 2 ** 22],
      [() => Array.from({ length: 2 ** 20 }), 2 ** 23],
    ];
    for (const [allocate, bytes] of probes) expect((await allocations.measure(async () => allocate())).bytes).toBe(bytes);
    const big = new Uint8Array(2 ** 22);
    expect((await allocations.measure(async () => big.slice(1))).bytes).toBe(2 ** 22 - 1);
    expect((await allocations.measure(async () => big.buffer.slice(2))).bytes).toBe(2 ** 22 - 2);
    expect(globalThis.Float32Array).toBe(Object.getPrototypeOf(new Float32Array(1)).constructor);
    // And the library's own: loading a valid model of 2 MiB of weights allocates at least that.
    const wide = [{ name: 'dense', units: 512, activation: 'linear', kernel: randomMatrix(1024, 512, 1).data, bias: new Float32Array(512) }];
    const large = converted(sequentialTopology(1024, wide, 'keras2'), weightNames(wide, 'keras2'));
    const loadedLarge = await allocations.measure(() => Sequential.load({ modelJson: large.modelJson, weightData: [...large.files.values()] }, { backend: 'cpu' }));
    expect(loadedLarge.bytes).toBeGreaterThanOrEqual(4 * 1024 * 512);
    loadedLarge.result.dispose();
    const outcomes = new Map<string, number>();
    let loaded = 0;
    let largest = 0;

    for (let c = 0; c < CASES; c++) {
      const base = m.pick(originals);
      let modelJson: Json = structuredClone(base.modelJson);
      const files = new Map([...base.files].map(([name, bytes]) => [name, bytes.slice()]));
      const mutations = 1 + m.int(3);
      for (let k = 0; k < mutations; k++) {
        if (m.int(3) === 0) m.bytes(files);
        else modelJson = m.json(modelJson);
      }
      const channel = m.pick(['memory', 'text', 'tfjs', 'http'] as const);
      let jsonText: string;
      try {
        jsonText = JSON.stringify(modelJson) ?? 'null';
      } catch {
        jsonText = 'null';
      }
      if (channel === 'text' || (channel === 'http' && m.int(4) === 0)) jsonText = m.text(jsonText);
      const shards = Array.isArray(modelJson?.weightsManifest) ? [...files.values()] : [];
      const fetched: string[] = [];
      const source =
        channel === 'memory' ? { modelJson, weightData: m.int(2) ? shards : new Uint8Array(shards.flatMap((s) => [...s])) }
        : channel === 'text' ? { modelJson: jsonText, weightData: shards }
        : channel === 'tfjs' ? { modelTopology: modelJson?.modelTopology, format: modelJson?.format, weightSpecs: modelJson?.weightsManifest?.[0]?.weights, weightData: shards.map((s) => s.slice().buffer) }
        : 'http://fuzz/m/model.json';
      const fetch = fakeFetch(jsonText, files, fetched);

      let timer: ReturnType<typeof setTimeout> | undefined;
      const hang = new Promise<'hang'>((resolve) => (timer = setTimeout(() => resolve('hang'), 5000)));
      const { result, bytes, where } = await allocations.measure(() =>
        Promise.race([
          Sequential.load(source as never, { backend: 'cpu', fetch }).then(
            (model) => (model.dispose(), 'loaded' as const),
            (error: unknown) => error,
          ),
          hang,
        ]),
      );
      clearTimeout(timer);

      const what = `case ${c} (${channel}): ${jsonText.slice(0, 300)}`;
      expect(result, what).not.toBe('hang');
      if (result === 'loaded') loaded++;
      else {
        if (!(result instanceof WebGPUNNError)) throw new Error(`${what}\nthrew ${String((result as Error)?.stack ?? result)}`);
        const key = `${result.code}: ${result.message.replace(/\d+/g, 'N').replace(/'[^']*'|"[^"]*"/g, 'S').slice(0, 90)}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
      expect(bytes, `${what}\nallocated ${bytes} bytes at ${where}`).toBeLessThanOrEqual(1 << 20);
      largest = Math.max(largest, bytes);
      // Each weight file fetched once at most, and never more of them than a manifest may list.
      expect(new Set(fetched).size, what).toBe(fetched.length);
      expect(fetched.length, what).toBeLessThanOrEqual(1 + 4096);
    }

    const codes = [...outcomes].reduce<Record<string, number>>((sum, [key, n]) => ((sum[key.split(':')[0]] = (sum[key.split(':')[0]] ?? 0) + n), sum), {});
    console.log(`${CASES} mutated files: ${loaded} loaded, rejections by code ${JSON.stringify(codes)}, ${outcomes.size} distinct messages; largest allocation ${largest} bytes`);
    // The mutations reach far: some files still load, and the rejections come from many different checks.
    expect(loaded).toBeGreaterThan(CASES / 50);
    expect(outcomes.size).toBeGreaterThan(100);
    expect(Object.keys(codes).every((code) => ['INVALID_ARGUMENT', 'INVALID_MODEL_FILE', 'MODEL_NOT_FOUND', 'NON_FINITE', 'STORAGE_ERROR'].includes(code))).toBe(true);
    for (const code of ['INVALID_MODEL_FILE', 'MODEL_NOT_FOUND', 'NON_FINITE']) expect(codes[code]).toBeGreaterThan(0);
  }, 120_000);
});
