// Model directories: --out writes model.json and model.weights.bin (modelFiles' names); --from and predict's
// --model load a directory through the library's file:// handler, which also reads TF.js's (model.json, weights.bin).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type CompileOptions, type Layer, Sequential, modelFiles } from 'webgpu-nn';

/** The model in `location` (a directory with a model.json, or a model.json itself), on the backend given. */
export async function loadModelDir(location: string, backend: Pick<CompileOptions, 'backend' | 'gpu'>): Promise<Sequential> {
  return Sequential.load(`file://${location}`, backend);
}

/** Writes the model's files into `dir` and returns their paths. */
export async function saveModelDir(model: Sequential, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = modelFiles(await model.save());
  for (const { name, data } of files) await writeFile(join(dir, name), typeof data === 'string' ? data : new Uint8Array(data));
  return files.map(({ name }) => join(dir, name));
}

/** The width of the model's output rows. */
export function outputWidth(layers: Layer[]): number {
  return layers.reduce((width, layer) => layer.outputWidth(width), layers[0].inputDim ?? NaN);
}

/** Where the model runs, for messages: 'webgpu (google swiftshader (fallback))', 'cpu'. */
export function runsOn(model: Sequential): string {
  return `${model.backendName}${model.adapterInfo ? ` (${model.adapterInfo})` : ''}`;
}
