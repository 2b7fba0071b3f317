// A Dense layer on the GPU: three matmul kernels, each with the plan's epilogue fused in.
//   forward   z = input · W + b               → emit: the block's activation (and what follows), stored, scored
//   backprop  dJ/d(input) = dz · Wᵀ           → emit: the previous block's derivatives, stored as its deltas
//   update    [input | 1]ᵀ · dz, the gradient → update: the optimizer's rule, in place
// The weights live in one buffer, [(inputs + 1) × units] with rows padded to vec4s: the kernel, then the bias as one
// more row, so that [a | 1] · W is the whole affine map and [a | 1]ᵀ · dz the whole gradient. Without useBias the
// bias row stays zero and the update leaves it.
import { padded } from '../../runtime/layout';
import type { CoreGpu } from '../layer';
import backprop from './backprop.wgsl?raw';
import backpropShared from './backprop-shared.wgsl?raw';
import type { DenseSpec } from './definition';
import { penaltyEpilogue, regularized } from './penalty';
import forward from './forward.wgsl?raw';
import forwardShared from './forward-shared.wgsl?raw';
import update from './update.wgsl?raw';
import updateShared from './update-shared.wgsl?raw';

const dims = ({ inputs, units }: DenseSpec) => `[${inputs + 1} × ${units}]`;

export const denseGpu: CoreGpu<DenseSpec> = {
  role: 'core',
  parameters: {
    floats: ({ inputs, units }) => (inputs + 1) * padded(units),
    pack({ inputs, units, useBias }, [kernel, bias]) {
      const stride = padded(units);
      const data = new Float32Array((inputs + 1) * stride);
      for (let i = 0; i < inputs; i++) data.set(kernel.subarray(i * units, (i + 1) * units), i * stride);
      if (useBias) data.set(bias, inputs * stride);
      return data;
    },
    unpack({ inputs, units, useBias }, data) {
      const stride = padded(units);
      const rows = (from: number, to: number) => {
        const out = new Float32Array((to - from) * units);
        for (let i = from; i < to; i++) out.set(data.subarray(i * stride, i * stride + units), (i - from) * units);
        return out;
      };
      return useBias ? [rows(0, inputs), rows(inputs, inputs + 1)] : [rows(0, inputs)];
    },
    variables({ inputs, units, useBias }) {
      const rowVectors = padded(units) / 4;
      return [{ offset: 0, vectors: inputs * rowVectors }, ...(useBias ? [{ offset: inputs * rowVectors, vectors: rowVectors }] : [])];
    },
  },

  forward({ spec, index, capacity, parameters, input, members, product, dispatch, emit }) {
    const p = product(capacity, spec.units, spec.inputs);
    dispatch({
      name: 'forward',
      sources: [forward],
      entry: 'forward',
      workgroupMemory: { source: forwardShared, entry: 'forward_shared' },
      constants: { INPUTS: spec.inputs, UNITS: spec.units, GATHER: input.throughOrder ? 1 : 0, INPUT_STRIDE: members.stride(input.resource), WEIGHTS_STRIDE: members.stride(parameters) },
      bindings: [{ kind: 'read', resource: input.resource }, { kind: 'read', resource: parameters }],
      epilogues: [emit],
      product: p,
      workgroups: p.groups,
      text: `layer ${index}  [rows × ${spec.inputs}] · ${dims(spec)} → ${emit.text}; ${p.text}`,
    });
  },

  backward({ spec, index, capacity, parameters, input, members, constants, product, dispatch, deltas, prior, update: apply, penalty }) {
    if (prior) {
      const p = product(capacity, spec.inputs, spec.units);
      dispatch({
        name: 'backprop',
        sources: [backprop],
        entry: 'backprop',
        workgroupMemory: { source: backpropShared, entry: 'backprop_shared' },
        constants: { INPUTS: spec.inputs, UNITS: spec.units, DELTAS_STRIDE: members.stride(deltas), WEIGHTS_STRIDE: members.stride(parameters) },
        bindings: [{ kind: 'read', resource: deltas }, { kind: 'read', resource: parameters }],
        epilogues: [prior],
        product: p,
        workgroups: p.groups,
        text: `layer ${index}  dz[${index - 1}] = (dz[${index}] · W[${index}]ᵀ) ⊙ ${prior.text}; ${p.text}`,
      });
    }
    // dz[l−1] above is computed from W[l] before the update below changes it.
    const p = product(spec.inputs + 1, spec.units, capacity);
    const [groupsX, groupsY] = p.groups(spec.inputs + 1);
    const perStep = groupsX * groupsY * p.blocking.group[0] * p.blocking.group[1];
    const penalized = penaltyEpilogue(spec, regularized(spec) ? { buffer: penalty(perStep), perStep } : undefined, members, constants);
    dispatch({
      name: 'update',
      sources: [update],
      entry: 'gradient',
      workgroupMemory: { source: updateShared, entry: 'gradient_shared' },
      constants: {
        INPUTS: spec.inputs,
        UNITS: spec.units,
        GATHER: input.throughOrder ? 1 : 0,
        USE_BIAS: spec.useBias ? 1 : 0,
        INPUT_STRIDE: members.stride(input.resource),
        DELTAS_STRIDE: members.stride(deltas),
      },
      bindings: [{ kind: 'read', resource: input.resource }, { kind: 'read', resource: deltas }],
      epilogues: [penalized, apply],
      product: p,
      workgroups: () => p.groups(spec.inputs + 1),
      text: `layer ${index}  W[${index}] ${dims(spec)} ${[penalized.text, apply.text].filter(Boolean).join(' and ')} from [a | 1]ᵀ · dz; ${p.text}`,
    });
  },
};
