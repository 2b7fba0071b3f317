// BatchNormalization on the GPU: two kernels a step, each one invocation per four units looping over the step's
// rows, since every output needs the statistics of the whole batch before it:
//   forward   the batch's statistics (kept for backward), the rows normalised → emit; the moving statistics updated
//   backward  Σ dy and Σ dy · x̂, then every row's dJ/dx → the prior epilogue; γ and β → the update epilogue
// In inference one kernel normalises with the moving statistics. The parameters live in one buffer of six rows,
// [6 × units] padded to vec4s: γ, β, the moving mean, the moving variance (γ = 1 and β = 0 where the layer has none),
// then the last batch's mean and 1/√(σ² + ε), kept there from the forward kernel for the backward one (which reaches
// the parameters through its update epilogue), so that neither kernel needs a binding more.
import { emptyPrior } from '../../runtime/epilogues';
import { padded } from '../../runtime/layout';
import type { CoreGpu } from '../layer';
import backward from './backward.wgsl?raw';
import { type BatchNormalizationSpec, statistics } from './definition';
import forward from './forward.wgsl?raw';

const groups = ({ units }: BatchNormalizationSpec): [number, number] => [Math.ceil(padded(units) / 4 / 64), 1];

export const batchNormalizationGpu: CoreGpu<BatchNormalizationSpec> = {
  role: 'core',
  parameters: {
    floats: ({ units }) => 6 * padded(units),
    pack(spec, weights) {
      const stride = padded(spec.units);
      const data = new Float32Array(6 * stride);
      const { gamma, beta, movingMean, movingVariance } = statistics(spec, weights);
      [gamma, beta, movingMean, movingVariance].forEach((row, k) => data.set(row, k * stride));
      return data;
    },
    unpack({ units, center, scale }, data) {
      const stride = padded(units);
      const row = (k: number) => data.slice(k * stride, k * stride + units);
      return [...(scale ? [row(0)] : []), ...(center ? [row(1)] : []), row(2), row(3)];
    },
    variables({ units, center, scale }) {
      const vectors = padded(units) / 4;
      return [...(scale ? [{ offset: 0, vectors }] : []), ...(center ? [{ offset: vectors, vectors }] : [])];
    },
  },

  forward({ spec, index, parameters, input, members, dispatch, emit, training }) {
    dispatch({
      name: 'batch_normalization',
      sources: [forward],
      entry: training ? 'forward_training' : 'forward_inference',
      constants: {
        UNITS: spec.units,
        GATHER: input.throughOrder ? 1 : 0,
        MOMENTUM: spec.momentum,
        EPSILON: spec.epsilon,
        INPUT_STRIDE: members.stride(input.resource),
        PARAMS_STRIDE: members.stride(parameters),
      },
      bindings: [
        { kind: 'read', resource: input.resource },
        { kind: 'write', resource: parameters },
      ],
      epilogues: [emit],
      workgroups: () => groups(spec),
      text: `layer ${index}  [rows × ${spec.units}] normalised by ${training ? "the batch's statistics, the moving ones updated" : 'the moving statistics'} → ${emit.text}`,
    });
  },

  backward({ spec, index, parameters, input, deltas, members, dispatch, prior, update }) {
    dispatch({
      name: 'batch_normalization_backward',
      sources: [backward],
      entry: 'backward',
      constants: {
        UNITS: spec.units,
        GATHER: input.throughOrder ? 1 : 0,
        CENTER: spec.center ? 1 : 0,
        SCALE: spec.scale ? 1 : 0,
        INPUT_STRIDE: members.stride(input.resource),
        DELTAS_STRIDE: members.stride(deltas),
        PARAMS_STRIDE: members.stride(parameters),
      },
      bindings: [
        { kind: 'read', resource: input.resource },
        { kind: 'read', resource: deltas },
      ],
      epilogues: [prior ?? emptyPrior, update],
      workgroups: () => groups(spec),
      text: `layer ${index}  dJ/dx through the batch's statistics${prior ? ` ⊙ ${prior.text}` : ''}; γ and β ${update.text}`,
    });
  },
};
