// Where a URL saves or loads a model, as TF.js's routers decide it: 'indexeddb://name', 'localstorage://name',
// 'downloads://name' (save), 'file://dir' (Node), 'http(s)://…/model.json' and URLs without a scheme (load, relative to
// the page). Also TF.js's model management across the browser's stores: listModels and removeModel.
import { invalid } from '../../errors';
import type { ModelArtifacts, ModelArtifactsLike } from '../model-files';
import { type IOHandler, type ModelArtifactsInfo, type SaveResult, asArtifacts, toIOArtifacts } from './artifacts';
import { downloadsHandler } from './downloads';
import { fileHandler } from './file';
import { type FetchLike, httpHandler } from './http';
import { indexedDBHandler, listIndexedDB, removeIndexedDB } from './indexed-db';
import { listLocalStorage, localStorageHandler, removeLocalStorage } from './local-storage';

const SAVE_URLS = "a URL 'indexeddb://name', 'localstorage://name', 'downloads://name' or 'file://dir'";
const LOAD_URLS = "a URL 'indexeddb://name', 'localstorage://name', 'file://dir' or 'https://…/model.json'";
const STORED_URLS = "a URL 'indexeddb://name' or 'localstorage://name'";
const ARTIFACTS = "artifacts { modelJson, weightData } or TF.js's { modelTopology, weightSpecs, weightData }";

function split(url: string): { scheme: string | undefined; path: string } {
  const match = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/is.exec(url);
  return match ? { scheme: match[1].toLowerCase(), path: match[2] } : { scheme: undefined, path: url };
}

function named(path: string, argument: string, url: string): string {
  if (path === '') throw invalid(argument, 'a URL with a name after its scheme', url);
  return path;
}

function isHandler(value: unknown, method: 'save' | 'load'): value is IOHandler {
  return value !== null && typeof value === 'object' && typeof (value as Record<string, unknown>)[method] === 'function';
}

/** Saves `artifacts` to a URL or through a TF.js IOHandler, and returns what that reports. */
export async function saveTo(destination: unknown, artifacts: ModelArtifacts): Promise<SaveResult> {
  const argument = 'save(destination)';
  if (isHandler(destination, 'save')) return destination.save!(toIOArtifacts(artifacts));
  if (typeof destination !== 'string') throw invalid(argument, `${SAVE_URLS}, or an IOHandler { save(artifacts) }`, destination);
  const { scheme, path } = split(destination);
  const handler =
    scheme === 'indexeddb' ? indexedDBHandler(named(path, argument, destination), destination)
    : scheme === 'localstorage' ? localStorageHandler(named(path, argument, destination), destination)
    : scheme === 'downloads' ? downloadsHandler(path || 'model', destination)
    : scheme === 'file' ? fileHandler(named(path, argument, destination), destination)
    : undefined;
  if (!handler) throw invalid(argument, SAVE_URLS, destination);
  return handler.save!(toIOArtifacts(artifacts));
}

/** The artifacts a URL, a TF.js IOHandler or the artifacts themselves give, and how messages name them. */
export async function loadFrom(source: unknown, fetcher: FetchLike | undefined): Promise<{ artifacts: ModelArtifactsLike; argument: string }> {
  if (isHandler(source, 'load')) return { artifacts: asArtifacts(await source.load!(), 'load(handler).load()', ARTIFACTS), argument: 'load(handler)' };
  if (typeof source !== 'string') {
    const expected = `${LOAD_URLS}, an IOHandler { load() } or ${ARTIFACTS}`;
    if (source === null || typeof source !== 'object') throw invalid('load(artifacts)', expected, source);
    return { artifacts: asArtifacts(source, 'load(artifacts)', expected), argument: 'load(artifacts)' };
  }
  const argument = `load('${source}')`;
  const { scheme, path } = split(source);
  const handler =
    scheme === 'indexeddb' ? indexedDBHandler(named(path, argument, source), source)
    : scheme === 'localstorage' ? localStorageHandler(named(path, argument, source), source)
    : scheme === 'file' ? fileHandler(named(path, argument, source), source)
    : scheme === 'http' || scheme === 'https' || scheme === undefined ? httpHandler(source, fetcher)
    : undefined;
  if (!handler) throw invalid(argument, LOAD_URLS, source);
  return { artifacts: asArtifacts(await handler.load!(), argument, ARTIFACTS), argument };
}

const stores = {
  indexeddb: { available: () => typeof indexedDB !== 'undefined', list: listIndexedDB, remove: removeIndexedDB },
  localstorage: { available: () => typeof localStorage !== 'undefined', list: listLocalStorage, remove: removeLocalStorage },
};

/**
 * Every model saved in the browser's stores (IndexedDB and localStorage; none outside a browser), by URL
 * ('indexeddb://name'), with what its save stored: TF.js's tf.io.listModels, and it lists TF.js's models too.
 */
export async function listModels(): Promise<Record<string, ModelArtifactsInfo>> {
  const models: Record<string, ModelArtifactsInfo> = {};
  for (const [scheme, store] of Object.entries(stores)) {
    if (!store.available()) continue;
    for (const [path, info] of Object.entries(await store.list())) models[`${scheme}://${path}`] = info;
  }
  return models;
}

/** Removes a model saved in IndexedDB or localStorage, and returns what its save stored (TF.js's tf.io.removeModel). */
export async function removeModel(url: string): Promise<ModelArtifactsInfo> {
  const argument = 'removeModel(url)';
  const { scheme, path } = typeof url === 'string' ? split(url) : { scheme: undefined, path: '' };
  if (scheme !== 'indexeddb' && scheme !== 'localstorage') throw invalid(argument, STORED_URLS, url);
  return stores[scheme].remove(named(path, argument, url), url);
}

