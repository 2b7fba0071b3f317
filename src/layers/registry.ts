// Every layer kind the backends run, by the `kind` of its spec.
import { activationLayer } from './activation/definition';
import { batchNormalization } from './batch-normalization/definition';
import { dense } from './dense/definition';
import { dropout } from './dropout/definition';
import type { LayerDefinition, LayerSpecBase } from './layer';

export const layers = { dense, dropout, batchNormalization, activation: activationLayer };

/** A layer as plain data: the spec of one of the kinds above. */
export type LayerSpec = { [K in keyof typeof layers]: (typeof layers)[K] extends LayerDefinition<infer S> ? S : never }[keyof typeof layers];

export function layerDefinition(spec: LayerSpecBase): LayerDefinition<LayerSpecBase> {
  const definition = (layers as Record<string, LayerDefinition<never>>)[spec.kind];
  if (!definition) throw new Error(`no layer kind '${spec.kind}'`);
  return definition as unknown as LayerDefinition<LayerSpecBase>;
}
