// A network as plain data: what the API (src/model) hands the backends, the CPU reference (src/reference) and the
// WebGPU runtime (src/runtime). Each part is named, and its mathematics and kernels are found by that name in the
// registries: src/layers, src/losses, src/optimizers, src/metrics (activations: src/activations).
import type { LayerSpec } from './layers/registry';
import type { LossName } from './losses/registry';
import type { CompiledMetric } from './metrics/registry';
import type { OptimizerSpec } from './optimizers/optimizer';

export type { LayerSpec } from './layers/registry';

export interface NetworkSpec {
  /** In order, the first taking the data's rows. */
  layers: LayerSpec[];
  loss: LossName;
  optimizer: OptimizerSpec;
  /** What fit and evaluate report beside the loss: the history's name for each, the metric it is, and whether sample weights weigh it. */
  metrics: CompiledMetric[];
}
