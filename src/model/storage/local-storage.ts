// localStorage, under the keys TF.js uses (tfjs-core io/local_storage.ts), so that models saved by either load in the
// other: 'tensorflowjs_models/<path>/info' (ModelArtifactsInfo), '/model_topology', '/weight_specs',
// '/model_metadata' (format, generatedBy, convertedBy) as JSON, and '/weight_data' as base64. A save that fails
// (the quota, usually 5 MiB) removes what it wrote. On load, the topology and weight specs are checked, and the
// base64 text's length against the bytes they declare, before the weights are decoded.
import { WebGPUNNError } from '../../errors';
import { readModelJson } from '../model-files';
import { type IOArtifacts, type IOHandler, type ModelArtifactsInfo, artifactsInfo, modelJsonOf, weightBuffer } from './artifacts';

const PREFIX = 'tensorflowjs_models/';
const SUFFIXES = { info: 'info', topology: 'model_topology', weightSpecs: 'weight_specs', weightData: 'weight_data', metadata: 'model_metadata' };

function keys(path: string): Record<keyof typeof SUFFIXES, string> {
  return Object.fromEntries(Object.entries(SUFFIXES).map(([key, suffix]) => [key, `${PREFIX}${path}/${suffix}`])) as Record<keyof typeof SUFFIXES, string>;
}

function storage(url: string): Storage {
  const store = typeof localStorage === 'undefined' ? undefined : localStorage;
  if (!store) throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected a browser with localStorage, got none (localStorage is undefined)`);
  return store;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

function fromBase64(text: string, argument: string): ArrayBuffer {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected base64 text, got text that does not decode`);
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function json(text: string | null, argument: string): unknown {
  if (text === null) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected JSON, got text that does not parse`);
  }
}

export function localStorageHandler(path: string, url: string): IOHandler {
  const k = keys(path);
  return {
    async save(artifacts) {
      const store = storage(url);
      const modelArtifactsInfo = artifactsInfo(artifacts);
      const { format, generatedBy, convertedBy } = artifacts;
      try {
        store.setItem(k.info, JSON.stringify(modelArtifactsInfo));
        store.setItem(k.topology, JSON.stringify(artifacts.modelTopology));
        store.setItem(k.weightSpecs, JSON.stringify(artifacts.weightSpecs));
        store.setItem(k.weightData, toBase64(new Uint8Array(weightBuffer(artifacts.weightData))));
        store.setItem(k.metadata, JSON.stringify({ format, generatedBy, convertedBy }));
      } catch (error) {
        Object.values(k).forEach((key) => store.removeItem(key));
        const sizes = `${modelArtifactsInfo.modelTopologyBytes} bytes of topology, ${modelArtifactsInfo.weightDataBytes} of weights`;
        throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected room in localStorage for ${sizes}, got ${(error as Error)?.message ?? error} (the quota is usually 5 MiB)`);
      }
      return { modelArtifactsInfo };
    },

    async load() {
      const store = storage(url);
      const argument = `load('${url}')`;
      const info = json(store.getItem(k.info), `${argument} '${k.info}'`);
      if (info === undefined) throw new WebGPUNNError('MODEL_NOT_FOUND', `${url}: expected a model saved at '${path}' in localStorage, got none`);
      const metadata = json(store.getItem(k.metadata), `${argument} '${k.metadata}'`);
      const artifacts: IOArtifacts = {
        ...(metadata !== null && typeof metadata === 'object' ? metadata : {}),
        modelTopology: json(store.getItem(k.topology), `${argument} '${k.topology}'`),
        weightSpecs: json(store.getItem(k.weightSpecs), `${argument} '${k.weightSpecs}'`) as unknown[],
      };
      const { byteLength } = readModelJson(modelJsonOf(artifacts, []), `${argument}.modelJson`);
      const base64 = store.getItem(k.weightData) ?? '';
      const at = `${argument} '${k.weightData}'`;
      if (base64.length !== 4 * Math.ceil(byteLength / 3)) {
        throw new WebGPUNNError('INVALID_MODEL_FILE', `${at}: expected ${4 * Math.ceil(byteLength / 3)} base64 characters (the ${byteLength} bytes the weight specs list), got ${base64.length}`);
      }
      return { ...artifacts, weightData: fromBase64(base64, at) };
    },
  };
}

/** The models localStorage holds, by path, with what their saves stored. */
export async function listLocalStorage(): Promise<Record<string, ModelArtifactsInfo>> {
  const store = storage('localstorage://');
  const models: Record<string, ModelArtifactsInfo> = {};
  for (let i = 0; i < store.length; i++) {
    const key = store.key(i)!;
    if (key.startsWith(PREFIX) && key.endsWith(`/${SUFFIXES.info}`)) {
      const path = key.slice(PREFIX.length, -`/${SUFFIXES.info}`.length);
      models[path] = json(store.getItem(key), `listModels() '${key}'`) as ModelArtifactsInfo;
    }
  }
  return models;
}

/** Removes the model at `path`, and returns what its save stored. */
export async function removeLocalStorage(path: string, url: string): Promise<ModelArtifactsInfo> {
  const store = storage(url);
  const k = keys(path);
  const info = json(store.getItem(k.info), `removeModel('${url}') '${k.info}'`);
  if (info === undefined) throw new WebGPUNNError('MODEL_NOT_FOUND', `${url}: expected a model saved at '${path}' in localStorage, got none`);
  Object.values(k).forEach((key) => store.removeItem(key));
  return info as ModelArtifactsInfo;
}
