// A Dense layer's weight penalties in its update kernel (update.wgsl): `penalized(index, row, g)` adds the gradient
// of the penalty of the weights at `index` (the kernel's rows, or the bias row) to their gradient and adds up their
// penalty; `store_penalty(invocation)` writes the invocation's sum, times the step's rows, for the plan to add into the
// loss. Without regularizers both are the identity and nothing is bound. Reads the weights through the update
// epilogue's `parameters`; the penalties' strengths are among the run's constants.
import { type RegularizerSpec, penaltyWgsl } from '../../regularizers';
import type { Epilogue } from '../../runtime/epilogues';
import type { Members, RunConstants } from '../../runtime/members';
import type { DenseSpec } from './definition';

const none: RegularizerSpec = { l1: 0, l2: 0 };

/** The penalty epilogue of a layer without regularizers. */
export const noPenalty: Epilogue = { text: '', bindings: [], code: () => 'fn penalized(index: u32, row: u32, g: vec4f) -> vec4f { return g; }\nfn store_penalty(invocation: u32) {}\n' };

export function penaltyEpilogue(
  { kernelRegularizer, biasRegularizer }: DenseSpec,
  sink: { buffer: GPUBuffer; perStep: number } | undefined,
  members: Members,
  constants: RunConstants,
): Epilogue {
  if (!sink) return noPenalty;
  const kernel = kernelRegularizer ?? none;
  const bias = biasRegularizer ?? none;
  const [kernelL1, biasL1, kernelL2, biasL2] = [kernel.l1, bias.l1, kernel.l2, bias.l2].map((v) => constants.float(v));
  return {
    text: 'penalised',
    bindings: [{ kind: 'write', resource: sink.buffer }],
    code: (first) => `@group(0) @binding(${first}) var<storage, read_write> penalties: array<f32>;
${penaltyWgsl}var<private> penalty_sum: f32;
fn penalized(index: u32, row: u32, g: vec4f) -> vec4f {
  let w = parameters[member_parameter(index)];
  let on_bias = row == INPUTS;
  let l1 = select(${kernelL1}, ${biasL1}, on_bias);
  let l2 = select(${kernelL2}, ${biasL2}, on_bias);
  penalty_sum += penalty_value(w, l1, l2);
  return g + penalty_gradient(w, l1, l2);
}
fn store_penalty(invocation: u32) { penalties[${members.offset(sink.buffer, 4)}step.index * ${sink.perStep}u + invocation] = penalty_sum * f32(step.rows); }
`,
  };
}

/** Whether the layer has a penalty on any of its weights. */
export const regularized = ({ kernelRegularizer, biasRegularizer, useBias }: DenseSpec) =>
  [kernelRegularizer, useBias ? biasRegularizer : undefined].some((r) => r && (r.l1 > 0 || r.l2 > 0));
