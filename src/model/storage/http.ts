// Loading from a web server, as TF.js's http handler does (tfjs-core io/http.ts): model.json from its URL, then each
// weight file the manifest lists from the URL of model.json's directory, with model.json's query string after it
// ('https://host/m/model.json?v=2' → 'https://host/m/group1-shard1of3.bin?v=2'). Paths are appended to that
// directory, never resolved on their own, so a manifest cannot send the loader to another host. model.json is
// checked before any weight file is fetched, and every body is read as a stream against the bytes it may have.
import { WebGPUNNError } from '../../errors';
import { concatenate } from '../bytes';
import { parseModelJson, readModelJson } from '../model-files';
import type { IOHandler } from './artifacts';
import { ByteBudget, MAX_MODEL_JSON_BYTES, readWeightFiles } from './bounded-read';

/** The `fetch` that loading uses: the platform's by default, or one given in the load options. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

async function get(fetcher: FetchLike, url: string): Promise<Response> {
  let response: Response;
  try {
    response = await fetcher(url);
  } catch (error) {
    throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected a response, got a failed fetch (${(error as Error)?.message ?? error})`);
  }
  if (response.status === 404 || response.status === 410) throw new WebGPUNNError('MODEL_NOT_FOUND', `${url}: expected a file, got HTTP ${response.status}`);
  if (!response.ok) throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected HTTP 200, got HTTP ${response.status}`);
  return response;
}

/** A response's body, its bytes taken from `budget` as they arrive. */
async function body(response: Response, url: string, budget: ByteBudget): Promise<Uint8Array> {
  const declared = Number(response.headers?.get?.('content-length') ?? NaN);
  if (Number.isFinite(declared)) budget.check(declared, url);
  try {
    const reader = response.body?.getReader();
    if (!reader) {
      const bytes = new Uint8Array(await response.arrayBuffer());
      budget.take(bytes.byteLength, url);
      return bytes;
    }
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return concatenate(chunks.length ? chunks : [new Uint8Array(0)]);
      try {
        budget.take(value.byteLength, url);
      } catch (error) {
        void reader.cancel();
        throw error;
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error instanceof WebGPUNNError) throw error;
    throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected the response's body, got a failed read (${(error as Error)?.message ?? error})`);
  }
}

/** Whether two URLs name one resource ('m/./model.json' and 'm/model.json'); relative ones are compared as written. */
function sameResource(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}

/** The handler of `url`, a model.json on a web server (or a URL relative to the page). */
export function httpHandler(url: string, fetcher: FetchLike | undefined): IOHandler {
  return {
    async load() {
      const fetchFn = fetcher ?? (typeof fetch === 'function' ? (input: string) => fetch(input) : undefined);
      if (!fetchFn) throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected a fetch function (the platform's or load options' fetch), got none`);
      const argument = `load('${url}').modelJson`;
      const text = new TextDecoder().decode(await body(await get(fetchFn, url), url, new ByteBudget(MAX_MODEL_JSON_BYTES, 'a model.json of at most 64 MiB')));
      const modelJson = parseModelJson(text, argument);
      const plan = readModelJson(modelJson, argument);
      const query = url.lastIndexOf('?') > url.lastIndexOf('/') ? url.slice(url.lastIndexOf('?')) : '';
      const directory = url.slice(0, url.lastIndexOf('/') + 1);
      const weightData = await readWeightFiles(plan, async (path, budget) => {
        const weightsUrl = directory + path + query;
        if (sameResource(weightsUrl, url)) throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}.weightsManifest: expected weight files other than model.json itself, got '${path}'`);
        return body(await get(fetchFn, weightsUrl), weightsUrl, budget);
      });
      return { modelJson, weightData };
    },
  };
}
