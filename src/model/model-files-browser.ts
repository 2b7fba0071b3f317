// Model files in the browser: downloading a saved model, and reading the files a user picked.
import { WebGPUNNError } from '../errors';
import { type ModelArtifacts, type ModelArtifactsLike, modelFiles, weightsPaths } from './model-files';

/** How long a download's object URL lives: long enough for the browser to start the download. */
const URL_LIFETIME_MS = 60_000;

/**
 * Downloads a saved model as TF.js's `downloads://name` does: `name.json`, whose manifest names
 * `./name.weights.bin`, then `name.weights.bin`.
 */
export async function downloadModel(artifacts: ModelArtifacts, name = 'model'): Promise<void> {
  for (const file of modelFiles(artifacts, name)) {
    const url = URL.createObjectURL(new Blob([file.data], { type: typeof file.data === 'string' ? 'application/json' : 'application/octet-stream' }));
    const anchor = document.createElement('a');
    anchor.download = file.name;
    anchor.href = url;
    anchor.click();
    setTimeout(() => URL.revokeObjectURL(url), URL_LIFETIME_MS);
    // Browsers may drop all but the last of several downloads started in one task.
    await new Promise((resolve) => setTimeout(resolve));
  }
}

/**
 * The artifacts in files a user picked (`<input type="file" multiple>`): one model.json and the weight files its
 * manifest names, matched by file name. Sequential.load checks what they contain.
 */
export async function readModelFiles(files: FileList | File[]): Promise<ModelArtifactsLike> {
  const picked = Array.from(files ?? []);
  const names = picked.map((file) => `'${file.name}'`).join(', ') || 'no files';
  const jsons = picked.filter((file) => file.name.endsWith('.json'));
  if (jsons.length !== 1) {
    throw new WebGPUNNError('INVALID_ARGUMENT', `readModelFiles(files): expected exactly one .json file (the model.json), got ${jsons.length} among ${names}`);
  }
  const modelJson = await jsons[0].text();
  const weights = weightsPaths(modelJson, `readModelFiles(files): ${jsons[0].name}`).map((path) => {
    const fileName = path.slice(path.lastIndexOf('/') + 1);
    const file = picked.find((candidate) => candidate.name === fileName);
    if (!file) {
      throw new WebGPUNNError('INVALID_ARGUMENT', `readModelFiles(files): expected a file named '${fileName}' (${jsons[0].name} lists it), got ${names}`);
    }
    return file;
  });
  return { modelJson, weightData: await new Blob(weights).arrayBuffer() };
}
