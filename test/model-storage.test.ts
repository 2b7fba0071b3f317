// Model storage in Node: TF.js-style URLs and handlers. file:// writes and reads what tfjs-node's file handler does;
// http(s):// loads model.json and its weight shards relative to it, from a local server; TF.js IOHandlers save and
// load through the same calls; every failure of storage is a WebGPUNNError naming the URL.
import { mkdtemp, readFile, readdir, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Dense, type IOArtifacts, Sequential, WebGPUNNError, listModels, removeModel } from '../src/index';
import { type DenseFixture, converted, sequentialTopology, weightNames } from './support/converter';
import { randomMatrix } from './support/data';
import { serveFiles } from './support/file-server';
import { rejection } from './support/rejection';

await tf.setBackend('cpu');

let dir: string;
beforeAll(async () => void (dir = await mkdtemp(join(tmpdir(), 'webgpu-nn-storage-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));
afterEach(() => vi.unstubAllGlobals());

async function trainedModel(): Promise<Sequential> {
  const model = new Sequential([new Dense({ units: 5, activation: 'relu', inputDim: 6 }), new Dense({ units: 3, activation: 'sigmoid' })]);
  await model.compile({ loss: 'meanSquaredError', backend: 'cpu', seed: 3 });
  await model.fit(randomMatrix(16, 6, 1), randomMatrix(16, 3, 2, 0, 1), { epochs: 2, batchSize: 8 });
  return model;
}

const expectError = (call: () => Promise<unknown>, code: string, ...fragments: string[]): Promise<WebGPUNNError> => rejection(call, fragments, code);

/** A converter output directory written to disk. */
async function writeConverted(at: string, files: ReturnType<typeof converted>): Promise<void> {
  await mkdir(at, { recursive: true });
  await writeFile(join(at, 'model.json'), JSON.stringify(files.modelJson));
  for (const [name, bytes] of files.files) await writeFile(join(at, name), bytes);
}

/** Dense layers of random weights, named as Keras names them. */
function fixtures(inputs: number, units: number[], seed = 1): DenseFixture[] {
  return units.map((n, l) => ({
    name: l === 0 ? 'dense' : `dense_${l}`,
    units: n,
    activation: l === units.length - 1 ? 'sigmoid' : 'relu',
    kernel: randomMatrix(l === 0 ? inputs : units[l - 1], n, seed + l).data,
    bias: randomMatrix(1, n, seed + 10 + l).data,
  }));
}

describe('file://', () => {
  it("writes model.json and weights.bin as tfjs-node's file handler does, and TF.js loads them", async () => {
    const model = await trainedModel();
    const at = join(dir, 'saved');
    const result = await model.save(`file://${at}`);
    expect((await readdir(at)).sort()).toEqual(['model.json', 'weights.bin']);
    const modelJson = JSON.parse(await readFile(join(at, 'model.json'), 'utf8'));
    const weights = await readFile(join(at, 'weights.bin'));
    const { modelJson: expectedJson, weightData } = await model.save();
    expect(modelJson).toEqual(expectedJson);
    expect(new Uint8Array(weights)).toEqual(new Uint8Array(weightData));
    expect(result.modelArtifactsInfo).toMatchObject({ modelTopologyType: 'JSON', weightDataBytes: weightData.byteLength, modelTopologyBytes: JSON.stringify(expectedJson.modelTopology).length });

    const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [manifest[0].weights, weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength)]);
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = randomMatrix(7, 6, 4);
    const expected = tf.tidy(() => (theirs.predict(tf.tensor2d(x.data, x.shape)) as tf.Tensor).dataSync());
    expect(Math.max(...Array.from((await model.predict(x)).data, (v, i) => Math.abs(v - expected[i])))).toBeLessThanOrEqual(1e-6);
    theirs.dispose();
    model.dispose();
  });

  it('loads file://dir and file://dir/model.json back to the same weights', async () => {
    const model = await trainedModel();
    const at = join(dir, 'round-trip');
    await model.save(`file://${at}`);
    for (const url of [`file://${at}`, `file://${at}/model.json`]) {
      const loaded = await Sequential.load(url, { backend: 'cpu' });
      expect(await loaded.getWeights()).toEqual(await model.getWeights());
      loaded.dispose();
    }
    model.dispose();
  });

  it("loads a converter's output directory with 3 weight shards", async () => {
    const layers = fixtures(8, [12, 6, 2]);
    const files = converted(sequentialTopology(8, layers, 'keras2'), weightNames(layers, 'keras2'), { shardSize: 300 });
    expect(files.files.size).toBe(3);
    await writeConverted(join(dir, 'converted'), files);
    const loaded = await Sequential.load(`file://${join(dir, 'converted')}`, { backend: 'cpu' });
    expect(await loaded.getWeights()).toEqual(layers.flatMap((l) => [l.kernel, l.bias]));
    loaded.dispose();
  });

  it('reads only weight files inside the directory, of the sizes the manifest lists, and names what is missing', async () => {
    const layers = fixtures(4, [3]);
    const files = converted(sequentialTopology(4, layers, 'keras2'), weightNames(layers, 'keras2'));
    const at = join(dir, 'bad');
    await writeConverted(at, files);
    await writeFile(join(dir, 'outside.bin'), new Uint8Array(60));

    files.modelJson.weightsManifest[0].paths = ['../outside.bin'];
    await writeFile(join(at, 'model.json'), JSON.stringify(files.modelJson));
    await expectError(() => Sequential.load(`file://${at}`), 'INVALID_MODEL_FILE', `.modelJson.weightsManifest: expected weight files inside ${at}, got '../outside.bin'`);

    files.modelJson.weightsManifest[0].paths = ['group1-shard1of1.bin'];
    await writeFile(join(at, 'model.json'), JSON.stringify(files.modelJson));
    await writeFile(join(at, 'group1-shard1of1.bin'), new Uint8Array(1 << 20)); // larger than the 60 bytes listed
    await expectError(() => Sequential.load(`file://${at}`), 'INVALID_MODEL_FILE', 'expected at most 60 more bytes (the weights that weightsManifest lists: 60 bytes in all), got 1048576');

    await rm(join(at, 'group1-shard1of1.bin'));
    await expectError(() => Sequential.load(`file://${at}`), 'MODEL_NOT_FOUND', "expected the weight file 'group1-shard1of1.bin' that the manifest lists, got no such file");
    await expectError(() => Sequential.load(`file://${join(dir, 'nothing-here')}`), 'MODEL_NOT_FOUND', `a model.json at ${join(dir, 'nothing-here', 'model.json')}, got no such file`);
    await expectError(() => Sequential.load('file:///dev/zero.json'), 'MODEL_NOT_FOUND');
    await expectError(() => Sequential.load(`file://${join(dir, 'bad')}/group1-shard1of1.json`), 'MODEL_NOT_FOUND');
  });
});

describe('http(s)://', () => {
  it("loads a model in 3 shards of the converter's default 4 MiB from a local server, each file fetched once", async () => {
    // 1500 × 1400 float32 weights are 8.4 MB: three 4 MiB shards.
    const layers = fixtures(1500, [1400, 1], 5);
    const files = converted(sequentialTopology(1500, layers, 'keras3-h5'), weightNames(layers, 'keras3-h5'), { flavour: 'keras3-h5' });
    expect([...files.files.keys()]).toEqual(['group1-shard1of3.bin', 'group1-shard2of3.bin', 'group1-shard3of3.bin']);
    expect(files.files.get('group1-shard1of3.bin')!.byteLength).toBe(4 * 1024 * 1024);
    const served = new Map<string, Uint8Array | string>([['/models/big/model.json', JSON.stringify(files.modelJson)]]);
    for (const [name, bytes] of files.files) served.set(`/models/big/${name}`, bytes);
    const server = await serveFiles(served);
    try {
      const model = await Sequential.load(`${server.origin}/models/big/model.json`, { backend: 'cpu' });
      expect(server.requests.sort()).toEqual(['/models/big/group1-shard1of3.bin', '/models/big/group1-shard2of3.bin', '/models/big/group1-shard3of3.bin', '/models/big/model.json']);
      // Compared as bytes: deep equality of two million numbers is slow.
      const bytes = (arrays: Float32Array[]) => Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
      expect(bytes(await model.getWeights()).equals(bytes(layers.flatMap((l) => [l.kernel, l.bias])))).toBe(true);
      model.dispose();
    } finally {
      await server.close();
    }
  });

  it("fetches weight paths relative to model.json's URL, with its query string, through the fetch given", async () => {
    const model = await trainedModel();
    const { modelJson, weightData } = await model.save();
    const fetched: string[] = [];
    const fetch = async (url: string) => {
      fetched.push(url);
      return url.startsWith('https://models.example/v1/model.json') ? new Response(JSON.stringify(modelJson)) : new Response(weightData);
    };
    const loaded = await Sequential.load('https://models.example/v1/model.json?version=2', { backend: 'cpu', fetch });
    expect(fetched).toEqual(['https://models.example/v1/model.json?version=2', 'https://models.example/v1/weights.bin?version=2']);
    expect(await loaded.getWeights()).toEqual(await model.getWeights());
    loaded.dispose();
    model.dispose();
  });

  it('names a missing file, a failing server and a failed fetch', async () => {
    const model = await trainedModel();
    const { modelJson } = await model.save();
    model.dispose();
    const respond = (weights: () => Promise<Response>) => async (url: string) => (url.endsWith('model.json') ? new Response(JSON.stringify(modelJson)) : weights());
    await expectError(() => Sequential.load('http://h/m/model.json', { fetch: respond(async () => new Response(null, { status: 404 })) }), 'MODEL_NOT_FOUND', 'http://h/m/weights.bin: expected a file, got HTTP 404');
    await expectError(() => Sequential.load('http://h/m/model.json', { fetch: respond(async () => new Response(null, { status: 503 })) }), 'STORAGE_ERROR', 'http://h/m/weights.bin: expected HTTP 200, got HTTP 503');
    await expectError(() => Sequential.load('http://h/m/model.json', { fetch: async () => Promise.reject(new TypeError('connection refused')) }), 'STORAGE_ERROR', 'http://h/m/model.json: expected a response, got a failed fetch (connection refused)');
    await expectError(() => Sequential.load('http://h/m/model.json', { fetch: async () => new Response('{"modelTopology": ') }), 'INVALID_MODEL_FILE', "load('http://h/m/model.json').modelJson: expected the JSON of a model.json");
  });

  it('stops reading a weight file that runs past what the manifest lists, even one that never ends', async () => {
    const model = await trainedModel();
    const { modelJson, weightData } = await model.save();
    model.dispose();
    let pulled = 0;
    const endless = () =>
      new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 64;
          controller.enqueue(new Uint8Array(64));
        },
      });
    const fetch = async (url: string) => (url.endsWith('model.json') ? new Response(JSON.stringify(modelJson)) : new Response(endless()));
    await expectError(() => Sequential.load('http://h/m/model.json', { fetch }), 'INVALID_MODEL_FILE', `http://h/m/weights.bin: expected at most`, `(the weights that weightsManifest lists: ${weightData.byteLength} bytes in all), got 64`);
    expect(pulled).toBeLessThanOrEqual(weightData.byteLength + 64 * 4); // the stream's own read-ahead, no more

    // A Content-Length above it is refused before the body is read (beyond the stream's own first pull).
    pulled = 0;
    const declared = async (url: string) =>
      url.endsWith('model.json') ? new Response(JSON.stringify(modelJson)) : new Response(endless(), { headers: { 'Content-Length': String(2 ** 40) } });
    await expectError(() => Sequential.load('http://h/m/model.json', { fetch: declared }), 'INVALID_MODEL_FILE', `http://h/m/weights.bin: expected at most ${weightData.byteLength} more bytes`, `got ${2 ** 40}`);
    expect(pulled).toBeLessThanOrEqual(64);
  });

  it('refuses shard lists that repeat a file, name model.json itself or list more than 4096 files, fetching no weights', async () => {
    const model = await trainedModel();
    const { modelJson, weightData } = await model.save();
    model.dispose();
    for (const [paths, message] of [
      [['weights.bin', 'weights.bin'], "load('http://h/m/model.json').modelJson.weightsManifest[0].paths[1]: expected each weight file listed once, got \"weights.bin\""],
      [['./model.json'], "load('http://h/m/model.json').modelJson.weightsManifest: expected weight files other than model.json itself, got './model.json'"],
      [Array.from({ length: 4097 }, (_, i) => `shard${i}.bin`), 'weightsManifest: expected at most 4096 weight files in all, got "4097 or more"'],
    ] as [string[], string][]) {
      const fetched: string[] = [];
      const json = JSON.stringify({ ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0], paths }] });
      const fetch = async (url: string) => (fetched.push(url), url.endsWith('/m/model.json') ? new Response(json) : new Response(weightData));
      await expectError(() => Sequential.load('http://h/m/model.json', { fetch }), 'INVALID_MODEL_FILE', message);
      expect(fetched).toEqual(['http://h/m/model.json']);
    }
    const at = join(dir, 'self');
    await mkdir(at, { recursive: true });
    await writeFile(join(at, 'model.json'), JSON.stringify({ ...modelJson, weightsManifest: [{ ...modelJson.weightsManifest[0], paths: ['model.json'] }] }));
    await expectError(() => Sequential.load(`file://${at}`), 'INVALID_MODEL_FILE', 'expected weight files other than model.json itself');
  });

  it('checks model.json before fetching any weight file', async () => {
    const fetched: string[] = [];
    const fetch = async (url: string) => (fetched.push(url), new Response(JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential', config: { layers: [] } }, weightsManifest: [] })));
    await expectError(() => Sequential.load('http://h/model.json', { fetch }), 'INVALID_MODEL_FILE', "load('http://h/model.json').modelJson.modelTopology.config.layers: expected at least one Dense layer");
    expect(fetched).toEqual(['http://h/model.json']);
  });
});

describe('TF.js IOHandlers', () => {
  it('saves through a TF.js save handler, whose artifacts TF.js loads, and returns what the handler returns', async () => {
    const model = await trainedModel();
    let saved: tf.io.ModelArtifacts | undefined;
    const result = await model.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } })));
    expect(result.modelArtifactsInfo.dateSaved).toEqual(new Date(0));
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    expect(theirs.getWeights().map((w) => w.dataSync())).toEqual(await model.getWeights());
    theirs.dispose();
    model.dispose();
  });

  it('loads through a TF.js load handler, and from the artifacts TF.js passes its handlers', async () => {
    const theirs = tf.sequential({ layers: [tf.layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), tf.layers.dense({ units: 2 })] });
    let saved: IOArtifacts | undefined;
    await theirs.save(tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts as IOArtifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    for (const source of [tf.io.fromMemory(saved as tf.io.ModelArtifacts), saved!]) {
      const ours = await Sequential.load(source, { backend: 'cpu' });
      expect(await ours.getWeights()).toEqual(theirs.getWeights().map((w) => w.dataSync()));
      ours.dispose();
    }
    await expectError(() => Sequential.load({ load: async () => 42 } as never), 'INVALID_ARGUMENT', 'load(handler).load(): expected artifacts { modelJson, weightData }', 'got 42');
    theirs.dispose();
  });
});

describe('downloads://, the browser stores, and URLs that go nowhere', () => {
  it('downloads name.json and name.weights.bin, and needs a page to', async () => {
    const model = await trainedModel();
    const clicked: string[] = [];
    vi.stubGlobal('document', { createElement: () => ({ click(this: { download: string }) { clicked.push(this.download); } }) });
    vi.spyOn(URL, 'createObjectURL').mockImplementation(() => 'blob:x');
    const result = await model.save('downloads://digits');
    expect(clicked).toEqual(['digits.json', 'digits.weights.bin']);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((await model.save()).weightData.byteLength);
    vi.restoreAllMocks();
    vi.unstubAllGlobals();
    await expectError(() => model.save('downloads://digits'), 'STORAGE_ERROR', 'downloads://digits: expected a browser page to download from, got none');
    model.dispose();
  });

  it('names the store a URL needs where the platform lacks it, and lists no models outside a browser', async () => {
    const model = await trainedModel();
    await expectError(() => model.save('indexeddb://m'), 'STORAGE_ERROR', 'indexeddb://m: expected a browser with IndexedDB, got none');
    await expectError(() => Sequential.load('localstorage://m'), 'STORAGE_ERROR', 'localstorage://m: expected a browser with localStorage, got none');
    expect(await listModels()).toEqual({});
    await expectError(() => model.save('https://models.example/upload'), 'INVALID_ARGUMENT', "save(destination): expected a URL 'indexeddb://name', 'localstorage://name', 'downloads://name' or 'file://dir', got \"https://models.example/upload\"");
    await expectError(() => model.save(42 as never), 'INVALID_ARGUMENT', 'or an IOHandler { save(artifacts) }, got 42');
    await expectError(() => model.save('indexeddb://'), 'INVALID_ARGUMENT', 'save(destination): expected a URL with a name after its scheme');
    await expectError(() => Sequential.load('downloads://m'), 'INVALID_ARGUMENT', "load('downloads://m'): expected a URL 'indexeddb://name'");
    await expectError(() => removeModel('file://m'), 'INVALID_ARGUMENT', "removeModel(url): expected a URL 'indexeddb://name' or 'localstorage://name', got \"file://m\"");
    await expectError(() => Sequential.load('ftp://m/model.json'), 'INVALID_ARGUMENT', "load('ftp://m/model.json'): expected a URL");
    model.dispose();
  });

  it('checks what localStorage holds before decoding it: the length of its base64 against the weights it lists', async () => {
    const items = new Map<string, string>();
    const storage = {
      getItem: (key: string) => items.get(key) ?? null,
      setItem: (key: string, value: string) => void items.set(key, value),
      removeItem: (key: string) => void items.delete(key),
      key: (i: number) => [...items.keys()][i] ?? null,
      get length() {
        return items.size;
      },
    };
    vi.stubGlobal('localStorage', storage);
    const model = await trainedModel();
    await model.save('localstorage://m');
    expect([...items.keys()].sort()).toEqual(['info', 'model_metadata', 'model_topology', 'weight_data', 'weight_specs'].map((k) => `tensorflowjs_models/m/${k}`));
    const loaded = await Sequential.load('localstorage://m', { backend: 'cpu' });
    expect(await loaded.getWeights()).toEqual(await model.getWeights());
    loaded.dispose();
    expect(Object.keys(await listModels())).toEqual(['localstorage://m']);

    const base64 = items.get('tensorflowjs_models/m/weight_data')!;
    items.set('tensorflowjs_models/m/weight_data', base64 + 'AAAA');
    await expectError(() => Sequential.load('localstorage://m'), 'INVALID_MODEL_FILE', `expected ${base64.length} base64 characters (the 212 bytes the weight specs list), got ${base64.length + 4}`);
    items.set('tensorflowjs_models/m/weight_data', '!'.repeat(base64.length));
    await expectError(() => Sequential.load('localstorage://m'), 'INVALID_MODEL_FILE', 'expected base64 text, got text that does not decode');
    items.set('tensorflowjs_models/m/model_topology', '{');
    await expectError(() => Sequential.load('localstorage://m'), 'INVALID_MODEL_FILE', "'tensorflowjs_models/m/model_topology': expected JSON");

    expect((await removeModel('localstorage://m')).weightDataBytes).toBe(212);
    expect(items.size).toBe(0);
    await expectError(() => Sequential.load('localstorage://m'), 'MODEL_NOT_FOUND', "localstorage://m: expected a model saved at 'm' in localStorage, got none");
    await expectError(() => removeModel('localstorage://m'), 'MODEL_NOT_FOUND');

    storage.setItem = () => {
      throw new Error('QuotaExceededError');
    };
    await expectError(() => model.save('localstorage://m'), 'STORAGE_ERROR', 'localstorage://m: expected room in localStorage for', 'QuotaExceededError');
    expect(items.size).toBe(0);
    model.dispose();
  });
});
