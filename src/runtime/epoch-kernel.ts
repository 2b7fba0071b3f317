// A whole epoch of training in one dispatch, for networks whose step fits one workgroup. Step by step, the host
// records 3L − 1 dispatches a step (256 an epoch for the lesson's network at batch 32) and the GPU runs them one
// after another, so that a small network's step costs its launches rather than its arithmetic. Here one workgroup
// of 256 invocations runs the epoch's steps in order: each block's forward (the output's scores and deltas in the
// plan's output epilogue), then backpropagation and the updates, last block first (the optimizer's rule in the
// plan's update epilogue), a storage barrier after each phase so that it sees what the one before wrote. The same
// products as the per-step kernels, summed in another order.
//
// Taken in training on a GPU (not a fallback or software adapter: kernels.ts `occupancy`), for Dense blocks with
// element-wise operations (activations, dropout), an output scored in the forward epilogue (no softmax, no row
// metrics), no penalties, no norm clipping, the dataset in one binding, and a step's forward products of at most
// WORK multiply-adds: the lesson's at batch 32 take 32 × 10 431, at 1000 rows 10.4 million, which the per-step
// kernels spread over the whole GPU instead.
//
// A group's members (members.ts) train side by side, one workgroup each (its `member` the workgroup's z), each in
// its own range of every per-member buffer; a member that no longer trains computes its steps but updates nothing,
// as in the per-step kernels.
//
// Bindings: 0 the step table (all of it: the workgroup walks it), 1 the words (step.wgsl), 2 the dataset; then the
// output epilogue's (the output, the labels, `deltas`, the scores) and the update epilogue's (`parameters`,
// `moments`). `deltas` is this kernel's scratch: the output block's deltas where the epilogue writes them, then each
// hidden block's output and deltas. `parameters` and `moments` hold every layer's, one after another, for each
// member: the epoch's commands copy each layer's buffers in before the dispatch and out after it, so that the kernel
// binds two buffers for them, whatever the layers, and keeps within eight storage bindings, the least a device
// offers. Where a group's packed buffers or scratch would not fit one binding, the per-step kernels train it.
import type { DenseSpec } from '../layers/dense/definition';
import { regularized } from '../layers/dense/penalty';
import { optimizerDefinition } from '../optimizers/registry';
import { clipsByNorm } from '../optimizers/update';
import step from '../shaders/step.wgsl?raw';
import type { NetworkSpec } from '../spec';
import { type Binding, type ElementHead, type PointwiseOp, backThrough, declarations, forwardThrough, outputEpilogue, realColumns, updateEpilogue } from './epilogues';
import { BufferUsage } from './flags';
import { GPU_OCCUPANCY, type KernelSource, occupancy } from './kernels';
import { bindingLimit } from './layout';
import type { Members, RunConstants } from './members';

/** Invocations in the workgroup. */
const WORKGROUP = 256;
/** The most multiply-adds a step's forward products may take: rows × Σ (inputs + 1) · units. */
const WORK = 2 ** 19;

/** A block as the plan cuts it: its Dense layer and the element-wise operations after it. */
export interface EpochBlock {
  core: number;
  ops: PointwiseOp[];
  width: number;
  softmax: boolean;
}

export interface EpochRequest {
  device: GPUDevice;
  spec: NetworkSpec;
  blocks: EpochBlock[];
  capacity: number;
  steps: number;
  /** Bytes between the step table's entries. */
  stepStride: number;
  /** The dataset, in one binding with rows of whole vec4s; undefined where it is gathered. */
  dataset: GPUBufferBinding | undefined;
  /** The output block's output. */
  output: GPUBuffer;
  /** The output's scoring in the forward epilogue; undefined where the row kernel scores it. */
  head: ElementHead | undefined;
  /** Each layer's parameters and moments, each member's range in turn. */
  parameters: (GPUBuffer | undefined)[];
  moments: (GPUBuffer | undefined)[];
  members: Members;
  constants: RunConstants;
  /** The pipeline constants of step.wgsl (MEMBERS, STEP_SCALARS, ORDER_STRIDE) as the plan sets them. */
  stepConstants: Record<string, number>;
  /** A buffer owned by the plan with a range of `size` bytes for each member. */
  memberBuffer(label: string, size: number, usage: number): GPUBuffer;
}

/** The epoch's dispatch and the copies around it. */
export interface EpochKernel {
  kernel: KernelSource;
  /** The kernel's bindings from 2 (0 and 1 are the whole step table and the words). */
  bindings: Binding[];
  text: string;
  /** Each layer's parameters and moments into the kernel's, before the dispatch. */
  before(encoder: GPUCommandEncoder): void;
  /** And back, after it. */
  after(encoder: GPUCommandEncoder): void;
}

/** step.wgsl's step, which this kernel declares as a private variable set from the table at each step instead. */
const STEP_UNIFORM = '@group(0) @binding(0) var<uniform> step: Step;';

/** Whether the network and the device are ones the epoch kernel runs, and if so what it needs. */
function fits(r: EpochRequest): r is EpochRequest & { dataset: GPUBufferBinding; head: ElementHead } {
  const { device, spec, blocks, capacity } = r;
  const layers = blocks.map((b) => spec.layers[b.core]);
  const work = layers.reduce((sum, layer) => sum + (layer.inputs + 1) * layer.units, 0) * capacity;
  return (
    occupancy(device) === GPU_OCCUPANCY &&
    r.dataset !== undefined &&
    r.head !== undefined &&
    layers.every((layer) => layer.kind === 'dense' && !regularized(layer as DenseSpec)) &&
    blocks.every((b) => !b.softmax) &&
    !clipsByNorm(spec.optimizer) &&
    work <= WORK &&
    r.steps * r.stepStride <= device.limits.maxUniformBufferBindingSize
  );
}

/** The epoch kernel for this plan, or undefined where it does not fit (above). */
export function epochKernel(request: EpochRequest): EpochKernel | undefined {
  if (!fits(request)) return undefined;
  if (!step.includes(STEP_UNIFORM)) throw new Error('epoch kernel: step.wgsl no longer declares the step as it expects');
  const { spec, blocks, capacity, parameters, moments, head, members } = request;
  const count = members.count;
  const last = blocks.length - 1;
  const layers = blocks.map((b) => spec.layers[b.core] as DenseSpec);
  const vec4s = (width: number) => Math.ceil(width / 4);

  // Every layer's parameters and moments in one buffer each, layer after layer (offsets in vec4s), for each member.
  const own = blocks.map((b) => parameters[b.core]!);
  const sizes = own.map((p) => p.size / count);
  let vectors = 0;
  const offsets = sizes.map((size) => (vectors += size / 16) - size / 16);
  const slots = optimizerDefinition(spec.optimizer).slots(spec.optimizer);

  // Scratch, in vec4s for each member: the output block's deltas from 0 (where the output epilogue writes them), then
  // each hidden block's output and deltas.
  let scratchVectors = capacity * vec4s(blocks[last].width);
  const hidden = blocks.slice(0, last).map((block) => {
    const size = capacity * vec4s(block.width);
    scratchVectors += 2 * size;
    return { output: scratchVectors - 2 * size, deltas: scratchVectors - size };
  });
  if (count * Math.max(scratchVectors, Math.max(1, slots) * vectors) * 16 > bindingLimit(request.device)) return undefined;

  const state = BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST;
  const packed = request.memberBuffer('parameters of every layer', vectors * 16, state);
  const packedMoments = slots > 0 ? request.memberBuffer('moments of every layer', slots * vectors * 16, state) : undefined;
  const scratch = request.memberBuffer('epoch scratch', scratchVectors * 16, BufferUsage.STORAGE);
  // Each member's range of each layer's parameters, and of each of its moments' slots, to its place in the packed.
  const copies = Array.from({ length: count }, (_, m) =>
    blocks.flatMap((b, k) => {
      const size = sizes[k];
      const at = offsets[k] * 16;
      const moment = moments[b.core];
      return [
        { layer: own[k], layerOffset: m * size, packed, packedOffset: m * vectors * 16 + at, size },
        ...Array.from({ length: moment && packedMoments ? slots : 0 }, (_, s) => ({
          layer: moment!,
          layerOffset: (m * slots + s) * size,
          packed: packedMoments!,
          packedOffset: (m * slots + s) * vectors * 16 + at,
          size,
        })),
      ];
    }),
  ).flat();

  const output = outputEpilogue(blocks[last].ops, { buffer: request.output, width: blocks[last].width, padded: false }, members, { ...head, deltas: scratch });
  const update = updateEpilogue(optimizerDefinition(spec.optimizer), spec.optimizer, packed, packedMoments, members, request.constants);
  const kernelBindings: Binding[] = [{ kind: 'read', resource: request.dataset }];
  const epilogues = [output, update];
  let first = 2 + kernelBindings.length;
  const epilogueCode = epilogues.map((e) => e.code((first += e.bindings.length) - e.bindings.length));

  // A member's scratch, and its parameters (`member_parameter`, from the update epilogue).
  const S = members.offset(scratch);
  const P = (index: string) => `parameters[member_parameter(${index})]`;
  // Where block b's input rows are (in vec4s) and which array holds them: the dataset through the epoch order, or
  // the block before's output in scratch.
  const input = (b: number, row: string) =>
    b === 0 ? { array: 'dataset', start: `source_of(${row}) * ${vec4s(layers[0].inputs)}u` } : { array: 'deltas', start: `${S}${hidden[b - 1].output}u + ${row} * ${vec4s(layers[b].inputs)}u` };
  // Where block b's deltas dJ/dz are in scratch.
  const deltasOf = (b: number) => `${S}${b === last ? 0 : hidden[b].deltas}u`;

  const code: string[] = [];
  const hiddenOps = blocks.slice(0, last).flatMap((b) => b.ops);
  // The output epilogue declares its operations' functions already.
  code.push(declarations(hiddenOps.filter((op) => !epilogueCode[0].includes(op.declarations))));
  layers.forEach((layer, b) => {
    const [I, U4] = [layer.inputs, vec4s(layer.units)];
    const W = offsets[b];
    const a = input(b, 'row');
    const whole = Math.floor(I / 4);
    const tail = Array.from({ length: I % 4 }, (_, j) => `z += a[${j}] * ${P(`${W}u + ${4 * whole + j}u * ${U4}u + c`)};`);
    // Forward: z for four units of a row, then the block's operations (or the output epilogue).
    if (b < last) {
      code.push(`fn emit_${b}(row: u32, col: u32, z: vec4f) {
  ${[...forwardThrough(blocks[b].ops), realColumns(blocks[b].width)].join('\n  ')}
  deltas[${S}${hidden[b].output}u + row * ${U4}u + col / 4u] = select(vec4f(), v${blocks[b].ops.length}, real);
}`);
    }
    code.push(`fn forward_${b}(lid: u32) {
  for (var i = lid; i < step.rows * ${U4}u; i += ${WORKGROUP}u) {
    let row = i / ${U4}u;
    let c = i % ${U4}u;
    let start = ${a.start};
    var z = ${P(`${W}u + ${I}u * ${U4}u + c`)};
    for (var k = 0u; k < ${whole}u; k++) {
      let a = ${a.array}[start + k];
      let w = member_parameter(${W}u + 4u * k * ${U4}u + c);
      z += a.x * parameters[w] + a.y * parameters[w + ${U4}u] + a.z * parameters[w + ${2 * U4}u] + a.w * parameters[w + ${3 * U4}u];
    }
${tail.length > 0 ? `    {\n      let a = ${a.array}[start + ${whole}u];\n      ${tail.join('\n      ')}\n    }\n` : ''}    ${b === last ? 'emit' : `emit_${b}`}(row, 4u * c, z);
  }
}`);
    // Backpropagation into the block before: dz · Wᵀ for four of its units, back through its operations.
    if (b > 0) {
      const I4 = vec4s(I);
      code.push(`fn prior_${b - 1}(row: u32, col: u32, dz: vec4f) {
  let index = row * ${I4}u + col / 4u;
  ${realColumns(blocks[b - 1].width)}
  var d = dz;
  ${backThrough(blocks[b - 1].ops, `deltas[${S}${hidden[b - 1].output}u + index]`).join('\n  ')}
  deltas[${S}${hidden[b - 1].deltas}u + index] = select(vec4f(), d, real);
}
fn backprop_${b}(lid: u32) {
  for (var i = lid; i < step.rows * ${I4}u; i += ${WORKGROUP}u) {
    let row = i / ${I4}u;
    let c = i % ${I4}u;
    var d = vec4f();
    for (var j = 0u; j < 4u; j++) {
      let input = 4u * c + j;
      if (input < ${I}u) {
        var s = 0.0;
        for (var u = 0u; u < ${U4}u; u++) { s += dot(deltas[${deltasOf(b)} + row * ${U4}u + u], ${P(`${W}u + input * ${U4}u + u`)}); }
        d[j] = s;
      }
    }
    prior_${b - 1}(row, 4u * c, d);
  }
}`);
    }
    // The update: [a | 1]ᵀ · dz for four units of one input (or the bias), handed to the optimizer's rule. Without a
    // bias the bias row is left as it is, zero.
    code.push(`fn update_${b}(lid: u32) {
  if (!member_trains()) { return; }
  for (var i = lid; i < ${layer.useBias ? I + 1 : I}u * ${U4}u; i += ${WORKGROUP}u) {
    let input = i / ${U4}u;
    let c = i % ${U4}u;
    var g = vec4f();
    if (input < ${I}u) {
      for (var row = 0u; row < step.rows; row++) { g += ${a.array}[${a.start} + input / 4u][input % 4u] * deltas[${deltasOf(b)} + row * ${U4}u + c]; }
    } else {
      for (var row = 0u; row < step.rows; row++) { g += deltas[${deltasOf(b)} + row * ${U4}u + c]; }
    }
    update(${W}u + input * ${U4}u + c, g);
  }
}`);
  });
  // The phases of a step: each forward; the last block's backpropagation; then each block's update beside the
  // backpropagation of the block before it (which reads other weights), last first.
  const phases = [
    ...layers.map((_, b) => [`forward_${b}(lid);`]),
    ...(last > 0 ? [[`backprop_${last}(lid);`]] : []),
    ...layers.map((_, k) => last - k).map((b) => [`update_${b}(lid);`, ...(b > 1 ? [`backprop_${b - 1}(lid);`] : [])]),
  ];
  code.push(`@compute @workgroup_size(${WORKGROUP})
fn epoch(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) group: vec3u) {
  member = group.z;
  for (var s = 0u; s < ${request.steps}u; s++) {
    step = steps[s].step;
    ${phases.map((p) => `${p.join(' ')}\n    storageBarrier();`).join('\n    ')}
  }
}`);

  const table = `struct StepSlot { @size(${request.stepStride}) step: Step }\n@group(0) @binding(0) var<uniform> steps: array<StepSlot, ${request.steps}>;\nvar<private> step: Step;`;
  const layerList = blocks.length > 1 ? `layers ${blocks[0].core}–${blocks[last].core}` : `layer ${blocks[0].core}`;
  const bindings = [...kernelBindings, ...epilogues.flatMap((e) => e.bindings)];
  return {
    kernel: {
      label: 'epoch',
      code: [step.replace(STEP_UNIFORM, table), `@group(0) @binding(2) var<storage, read> dataset: array<vec4f>;`, ...code, ...epilogueCode].join('\n'),
      entry: 'epoch',
      bindings: ['step', 'read', ...bindings.map((b) => b.kind)],
      constants: request.stepConstants,
    },
    bindings,
    text: `${layerList}  every step of the pass: forward → ${[...blocks.slice(0, last).map((b) => b.ops.map((op) => op.text).join(', ') || 'z'), output.text].join('; ')}; backpropagation; ${update.text}; one workgroup of ${WORKGROUP} invocations`,
    before: (encoder) => copies.forEach((c) => encoder.copyBufferToBuffer(c.layer, c.layerOffset, c.packed, c.packedOffset, c.size)),
    after: (encoder) => copies.forEach((c) => encoder.copyBufferToBuffer(c.packed, c.packedOffset, c.layer, c.layerOffset, c.size)),
  };
}
