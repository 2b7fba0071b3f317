// Files in Node, as TF.js's file:// handler in tfjs-node writes them: `file://dir` saves dir/model.json and
// dir/weights.bin, and loads dir/model.json (or the model.json named: `file://dir/my-model.json`) and the weight
// files its manifest lists, which must lie inside its directory and be regular files whose sizes together are the
// manifest's, checked before any is read. node:fs is imported when first used, so browser bundles never load it.
import { WebGPUNNError } from '../../errors';
import { parseModelJson, readModelJson } from '../model-files';
import { type IOHandler, artifactsInfo, modelJsonOf, weightBuffer } from './artifacts';
import { MAX_MODEL_JSON_BYTES, readWeightFiles } from './bounded-read';

/** What this file uses of node:fs/promises and node:path (declared here: the library's types do not need Node's). */
interface Fs {
  stat(file: string): Promise<{ isFile(): boolean; size: number }>;
  readFile(file: string): Promise<Uint8Array>;
  readFile(file: string, encoding: 'utf8'): Promise<string>;
  writeFile(file: string, data: string | Uint8Array): Promise<void>;
  mkdir(directory: string, options: { recursive: true }): Promise<unknown>;
}
interface Path {
  join(...parts: string[]): string;
  resolve(...parts: string[]): string;
  dirname(file: string): string;
  relative(from: string, to: string): string;
  isAbsolute(file: string): boolean;
}

// Held in variables so that bundlers for the browser leave the imports alone.
const FS = 'node:fs/promises';
const PATH = 'node:path';

async function node(url: string): Promise<{ fs: Fs; path: Path }> {
  try {
    return { fs: await import(/* @vite-ignore */ FS), path: await import(/* @vite-ignore */ PATH) };
  } catch {
    throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected Node.js (file:// reads and writes with node:fs), got a platform without node:fs`);
  }
}

function failed(url: string, what: string, error: unknown): WebGPUNNError {
  const code = (error as { code?: string })?.code;
  if (code === 'ENOENT') return new WebGPUNNError('MODEL_NOT_FOUND', `${url}: expected ${what}, got no such file`);
  return new WebGPUNNError('STORAGE_ERROR', `${url}: expected ${what}, got ${(error as Error)?.message ?? error}`);
}

/** A regular file's size, or a WebGPUNNError naming what was there instead. */
async function fileSize(fs: Fs, file: string, url: string, what: string): Promise<number> {
  const stats = await fs.stat(file).catch((error: unknown) => {
    throw failed(url, what, error);
  });
  if (!stats.isFile()) throw new WebGPUNNError('INVALID_MODEL_FILE', `${url}: expected ${what}, got something that is not a regular file at ${file}`);
  return stats.size;
}

/** The handler of `file://location`: `location` a directory (or, to load, a model.json), relative to the working directory or absolute. */
export function fileHandler(location: string, url: string): IOHandler {
  return {
    async save(artifacts) {
      const { fs, path } = await node(url);
      try {
        await fs.mkdir(location, { recursive: true });
        await fs.writeFile(path.join(location, 'model.json'), JSON.stringify(modelJsonOf(artifacts, ['weights.bin'])));
        await fs.writeFile(path.join(location, 'weights.bin'), new Uint8Array(weightBuffer(artifacts.weightData)));
      } catch (error) {
        throw failed(url, `a directory to write model.json and weights.bin in`, error);
      }
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },

    async load() {
      const { fs, path } = await node(url);
      const jsonFile = location.endsWith('.json') ? location : path.join(location, 'model.json');
      const directory = path.resolve(path.dirname(jsonFile));
      const argument = `load('${url}').modelJson`;
      const size = await fileSize(fs, jsonFile, url, `a model.json at ${jsonFile}`);
      if (size > MAX_MODEL_JSON_BYTES) throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}: expected a model.json of at most 64 MiB, got ${size} bytes`);
      const text = await fs.readFile(jsonFile, 'utf8').catch((error: unknown) => {
        throw failed(url, `a model.json at ${jsonFile}`, error);
      });
      const modelJson = parseModelJson(text, argument);
      const plan = readModelJson(modelJson, argument);
      const weightData = await readWeightFiles(plan, async (name, budget) => {
        const file = path.resolve(directory, name);
        const inside = path.relative(directory, file);
        if (inside === '' || inside.startsWith('..') || path.isAbsolute(inside)) {
          throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}.weightsManifest: expected weight files inside ${directory}, got '${name}'`);
        }
        if (file === path.resolve(jsonFile)) throw new WebGPUNNError('INVALID_MODEL_FILE', `${argument}.weightsManifest: expected weight files other than model.json itself, got '${name}'`);
        budget.take(await fileSize(fs, file, url, `the weight file '${name}' that the manifest lists`), file);
        const bytes = await fs.readFile(file).catch((error: unknown) => {
          throw failed(url, `the weight file '${name}'`, error);
        });
        return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      });
      return { modelJson, weightData };
    },
  };
}
