// IndexedDB, in the database and stores TF.js uses (tfjs-core io/indexed_db.ts), so that models saved by either load
// in the other: database 'tensorflowjs' version 1, store 'models_store' of { modelPath, modelArtifacts,
// modelArtifactsInfo } and store 'model_info_store' of { modelPath, modelArtifactsInfo }, both keyed by modelPath.
// A save writes both records in one transaction.
import { WebGPUNNError } from '../../errors';
import { type IOArtifacts, type IOHandler, type ModelArtifactsInfo, artifactsInfo, weightBuffer } from './artifacts';

const DATABASE = 'tensorflowjs';
const VERSION = 1;
const MODELS = 'models_store';
const INFO = 'model_info_store';

function failed(url: string, what: string, error: unknown): WebGPUNNError {
  return new WebGPUNNError('STORAGE_ERROR', `${url}: expected ${what}, got ${(error as Error)?.message ?? error}`);
}

function open(url: string): Promise<IDBDatabase> {
  const factory = typeof indexedDB === 'undefined' ? undefined : indexedDB;
  if (!factory) throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected a browser with IndexedDB, got none (indexedDB is undefined)`);
  return new Promise((resolve, reject) => {
    const request = factory.open(DATABASE, VERSION);
    request.onupgradeneeded = () => {
      request.result.createObjectStore(MODELS, { keyPath: 'modelPath' });
      request.result.createObjectStore(INFO, { keyPath: 'modelPath' });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(failed(url, `the IndexedDB database '${DATABASE}'`, request.error));
  });
}

/** Runs `work` in one transaction over both stores and resolves with what its last request gave, once committed. */
async function transaction<T>(url: string, mode: IDBTransactionMode, work: (models: IDBObjectStore, info: IDBObjectStore) => IDBRequest<T> | undefined): Promise<T | undefined> {
  const db = await open(url);
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const tx = db.transaction([MODELS, INFO], mode);
      let result: T | undefined;
      const request = work(tx.objectStore(MODELS), tx.objectStore(INFO));
      if (request) request.onsuccess = () => (result = request.result);
      tx.oncomplete = () => resolve(result);
      tx.onerror = tx.onabort = () => reject(failed(url, `a ${mode} IndexedDB transaction`, tx.error));
    });
  } catch (error) {
    throw error instanceof WebGPUNNError ? error : failed(url, `a ${mode} IndexedDB transaction`, error);
  } finally {
    db.close();
  }
}

const notFound = (url: string, path: string) => new WebGPUNNError('MODEL_NOT_FOUND', `${url}: expected a model saved at '${path}' in IndexedDB, got none`);

export function indexedDBHandler(path: string, url: string): IOHandler {
  return {
    async save(artifacts) {
      const modelArtifacts: IOArtifacts = { ...artifacts, weightData: weightBuffer(artifacts.weightData) };
      const modelArtifactsInfo = artifactsInfo(modelArtifacts);
      await transaction(url, 'readwrite', (models, info) => {
        info.put({ modelPath: path, modelArtifactsInfo });
        return models.put({ modelPath: path, modelArtifacts, modelArtifactsInfo });
      });
      return { modelArtifactsInfo };
    },
    async load() {
      const record = await transaction<{ modelArtifacts?: IOArtifacts }>(url, 'readonly', (models) => models.get(path));
      if (!record) throw notFound(url, path);
      return record.modelArtifacts ?? {};
    },
  };
}

/** The models IndexedDB holds, by path, with what their saves stored. */
export async function listIndexedDB(): Promise<Record<string, ModelArtifactsInfo>> {
  const records = await transaction<{ modelPath: string; modelArtifactsInfo: ModelArtifactsInfo }[]>('indexeddb://', 'readonly', (_, info) => info.getAll());
  return Object.fromEntries((records ?? []).map((record) => [record.modelPath, record.modelArtifactsInfo]));
}

/** Removes the model at `path`, and returns what its save stored. */
export async function removeIndexedDB(path: string, url: string): Promise<ModelArtifactsInfo> {
  const record = await transaction<{ modelArtifactsInfo: ModelArtifactsInfo }>(url, 'readonly', (_, info) => info.get(path));
  if (!record) throw notFound(url, path);
  await transaction(url, 'readwrite', (models, info) => {
    info.delete(path);
    return models.delete(path);
  });
  return record.modelArtifactsInfo;
}
