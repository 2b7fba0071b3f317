// Browser downloads, as TF.js's downloads:// does: name.json, whose manifest names ./name.weights.bin, then
// name.weights.bin (model-files-browser.ts downloadModel). Save only: readModelFiles reads the files back.
import { WebGPUNNError } from '../../errors';
import type { ModelArtifacts, ModelJSON } from '../model-files';
import { downloadModel } from '../model-files-browser';
import { type IOHandler, artifactsInfo, modelJsonOf, weightBuffer } from './artifacts';

export function downloadsHandler(name: string, url: string): IOHandler {
  return {
    async save(artifacts) {
      if (typeof document === 'undefined') throw new WebGPUNNError('STORAGE_ERROR', `${url}: expected a browser page to download from, got none (document is undefined)`);
      const files: ModelArtifacts = { modelJson: modelJsonOf(artifacts, []) as unknown as ModelJSON, weightData: weightBuffer(artifacts.weightData) };
      await downloadModel(files, name);
      return { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
  };
}
