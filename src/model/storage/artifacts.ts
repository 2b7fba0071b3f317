// TF.js's IOHandler interface, so that a model saves through and loads from any TF.js handler (tf.io.withSaveHandler,
// tf.io.fromMemory, an app's own) and webgpu-nn's own storage is reached the same way: the artifacts TF.js passes
// between a model and its handlers (tfjs-core io/types.ts ModelArtifacts), their conversion to and from webgpu-nn's
// { modelJson, weightData }, and the ModelArtifactsInfo that saving reports.
import { invalid } from '../../errors';
import { concatenate } from '../bytes';
import type { ModelArtifacts, ModelArtifactsLike } from '../model-files';

/** TF.js's ModelArtifacts: model.json's fields, with the manifest's weights in one list and the bytes they take. */
export interface IOArtifacts {
  modelTopology?: unknown;
  weightSpecs?: unknown[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
  userDefinedMetadata?: unknown;
}

/** What a save stored, as TF.js reports it. */
export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'GraphDef';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

/** What a save returns, as TF.js's handlers return it. */
export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: Response[];
  errors?: unknown[];
}

/** A TF.js IOHandler: `save` for Sequential's save(handler), `load` for Sequential.load(handler). */
export interface IOHandler {
  save?(artifacts: IOArtifacts): Promise<SaveResult>;
  load?(): Promise<IOArtifacts | ModelArtifactsLike>;
}

const utf8Length = (text: string) => new TextEncoder().encode(text).byteLength;

/** The weights' bytes in one buffer, however many the artifacts hold. */
export function weightBuffer(weightData: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (weightData === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(weightData)) return weightData;
  return concatenate(weightData.map((part) => new Uint8Array(part))).buffer as ArrayBuffer;
}

/** TF.js's getModelArtifactsInfoForJSON. */
export function artifactsInfo(artifacts: IOArtifacts): ModelArtifactsInfo {
  return {
    dateSaved: new Date(),
    modelTopologyType: 'JSON',
    modelTopologyBytes: artifacts.modelTopology === undefined ? 0 : utf8Length(JSON.stringify(artifacts.modelTopology)),
    weightSpecsBytes: artifacts.weightSpecs === undefined ? 0 : utf8Length(JSON.stringify(artifacts.weightSpecs)),
    weightDataBytes: weightBuffer(artifacts.weightData).byteLength,
  };
}

/** model.json for artifacts whose weights are stored in the files `paths`, as TF.js's file handlers write it. */
export function modelJsonOf(artifacts: IOArtifacts, paths: string[]): Record<string, unknown> {
  const { modelTopology, format, generatedBy, convertedBy, weightSpecs } = artifacts;
  return { modelTopology, format, generatedBy, convertedBy, weightsManifest: [{ paths, weights: weightSpecs }] };
}

export function toIOArtifacts({ modelJson, weightData }: ModelArtifacts): IOArtifacts {
  const { modelTopology, format, generatedBy, convertedBy, weightsManifest } = modelJson;
  return { modelTopology, format, generatedBy, convertedBy, weightSpecs: weightsManifest.flatMap((group) => group.weights), weightData };
}

/**
 * webgpu-nn's artifacts from what a handler loaded or a caller passed: its own { modelJson, weightData }, or TF.js's
 * { modelTopology, weightSpecs, weightData }. Sequential.load checks what they contain.
 */
export function asArtifacts(value: unknown, argument: string, expected: string): ModelArtifactsLike {
  if (value !== null && typeof value === 'object' && 'modelJson' in value) return value as ModelArtifactsLike;
  if (value !== null && typeof value === 'object' && 'modelTopology' in value) {
    const artifacts = value as IOArtifacts;
    return { modelJson: modelJsonOf(artifacts, []), weightData: (artifacts.weightData ?? new ArrayBuffer(0)) as ModelArtifactsLike['weightData'] };
  }
  throw invalid(argument, expected, value);
}
