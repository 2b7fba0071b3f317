// The scheduler: turns a network into a flat list of dispatches for one step, with every buffer, pipeline and
// bind group made here, once. Training, evaluation and prediction are three plans over the same kernels.
//
// The network is cut into blocks: a layer that runs kernels of its own (Dense) and the element-wise layers and
// activations after it, which are fused into those kernels as epilogues (epilogues.ts). Each block stores one
// output, which the next block reads. Every layer kind schedules its own dispatches (layers/*/gpu.ts) through the
// context this plan gives it; nothing here knows one kind from another.
import type { Data } from '../backend';
import { isElementwise } from '../activations/activations';
import { WebGPUNNError } from '../errors';
import type { CoreGpu, LayerSpecBase, PointwisePass } from '../layers/layer';
import { layerDefinition } from '../layers/registry';
import { type ElementLoss, type RowLoss, labelColumns } from '../losses/loss';
import { losses } from '../losses/registry';
import { optimizerDefinition } from '../optimizers/registry';
import { clipsByNorm } from '../optimizers/update';
import { rateAt } from '../optimizers/optimizer';
import gather from '../shaders/gather.wgsl?raw';
import matmul from '../shaders/matmul.wgsl?raw';
import applySource from '../shaders/apply.wgsl?raw';
import normsSource from '../shaders/norms.wgsl?raw';
import curve from '../shaders/curve.wgsl?raw';
import reduce from '../shaders/reduce.wgsl?raw';
import rowKernel from '../shaders/rows.wgsl?raw';
import step from '../shaders/step.wgsl?raw';
import type { NetworkSpec } from '../spec';
import { checked } from './device';
import { type Binding, type ElementHead, type PointwiseOp, activationOp, deferredEpilogue, outputEpilogue, priorEpilogue, updateEpilogue } from './epilogues';
import { BufferUsage } from './flags';
import { type KernelSource, blocking, compile, matmulWorkgroups, occupancy } from './kernels';
import type { KernelRequest, LayerInput, Product } from './layer-context';
import { bindingLimit, padded } from './layout';
import { type RowHead, scoreRow } from './rows';
import { Scoring } from './scoring';
import { f32, unroll } from './wgsl';

export type PlanMode = 'train' | 'evaluate' | 'predict';

/** One dispatch. Its workgroup count may depend on the step's rows (the last batch can be short). */
export interface Dispatch {
  name: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Whether it takes the step table at a dynamic offset. */
  stepped: boolean;
  workgroups(rows: number): [number, number];
  /** A line for people: what the dispatch computes, with shapes. */
  text: string;
}

/** The rows of the epoch order that one step covers. */
export interface Step {
  rowStart: number;
  rows: number;
}

/**
 * Data on the device: [rows × cols] float32, row-major with `stride` floats per row, as row ranges that each fit
 * one binding: the whole matrix, or chunks of it when it is larger than the device lets a shader bind
 * (maxStorageBufferBindingSize). Owned buffers are destroyed with the plan.
 */
export interface DeviceMatrix {
  chunks: { buffer: GPUBuffer; offset: number; size: number; firstRow: number; rows: number }[];
  rows: number;
  cols: number;
  stride: number;
  owned: boolean;
}

/** Rows per chunk: as many as fit a binding, a multiple of 64 so that every chunk starts 256-byte aligned. */
function chunkRows(device: GPUDevice, cols: number, label: string): number {
  const rows = Math.floor(bindingLimit(device) / (cols * 4) / 64) * 64;
  if (rows === 0) throw new WebGPUNNError('INVALID_ARGUMENT', `${label}: expected rows that fit 64 to a GPU binding of ${bindingLimit(device)} bytes, got rows of ${cols} numbers`);
  return rows;
}

/**
 * A matrix on the device: the app's own buffer as it is, or a Float32Array uploaded once, its rows padded to vec4s
 * when `pad` (the inputs: the kernels read them as vec4s); chunked when large.
 */
export function deviceMatrix(device: GPUDevice, m: Data, label: string, pad = false): DeviceMatrix {
  const [rows, cols] = m.shape;
  const stride = 'buffer' in m || !pad ? cols : padded(cols);
  const perChunk = chunkRows(device, stride, label);
  const chunks: DeviceMatrix['chunks'] = [];
  for (let firstRow = 0; firstRow < rows; firstRow += perChunk) {
    const count = Math.min(perChunk, rows - firstRow);
    const size = count * stride * 4;
    if ('buffer' in m) {
      chunks.push({ buffer: m.buffer, offset: firstRow * stride * 4, size, firstRow, rows: count });
    } else {
      const buffer = device.createBuffer({ label, size: Math.max(16, size), usage: BufferUsage.STORAGE, mappedAtCreation: true });
      const data = new Float32Array(buffer.getMappedRange());
      for (let r = 0; r < count; r++) data.set(m.data.subarray((firstRow + r) * cols, (firstRow + r + 1) * cols), r * stride);
      buffer.unmap();
      chunks.push({ buffer, offset: 0, size: Math.max(16, size), firstRow, rows: count });
    }
  }
  return { chunks, rows, cols, stride, owned: !('buffer' in m) };
}

/** A layer that runs kernels of its own, and the element-wise operations fused after it, up to the next such layer. */
interface Block {
  core: number;
  ops: PointwiseOp[];
  width: number;
  /** Whether the block ends with a softmax, which needs whole rows: the row kernel computes it. */
  softmax: boolean;
}

/** The network's blocks in a pass (dropout takes part in training only). */
function blocksOf(layers: LayerSpecBase[], pass: PointwisePass): Block[] {
  const blocks: Block[] = [];
  layers.forEach((layer, l) => {
    const { gpu } = layerDefinition(layer);
    if (gpu.role === 'core') blocks.push({ core: l, ops: [], width: layer.units, softmax: false });
    const block = blocks.at(-1);
    if (!block) throw new WebGPUNNError('INVALID_ARGUMENT', `model.layers[0]: expected a layer that computes from the data (Dense), got '${layer.kind}'`);
    const op = gpu.role === 'pointwise' ? gpu.op(layer, pass) : undefined;
    if (op) block.ops.push(op);
    const activation = layer.activation;
    if (activation === 'softmax') block.softmax = true;
    else if (activation && isElementwise(activation)) {
      const g = activationOp(activation);
      if (g) block.ops.push(g);
    }
  });
  return blocks;
}

const ceil = (a: number, b: number) => Math.ceil(a / b);

/**
 * A per-step kernel as the device compiles it: step.wgsl (bindings 0 and 1), for a matmul kernel its block size and
 * matmul.wgsl, the kernel's sources with their loops written out for the block, and the epilogues, whose bindings
 * follow the kernel's own.
 */
export function stepKernel(request: Omit<KernelRequest, 'workgroups' | 'text'>): { kernel: KernelSource; bindings: Binding[] } {
  const epilogues = request.epilogues ?? [];
  const tiles = request.product?.blocking;
  const sizes = { TILE_ROWS: tiles?.tileRows ?? 1, TILE_COLS: tiles?.tileCols ?? 1 };
  // A matmul kernel's block size is written into its source as module constants, since it sizes arrays.
  const header = tiles ? `const TILE_ROWS = ${sizes.TILE_ROWS}u;\nconst TILE_COLS = ${sizes.TILE_COLS}u;\n` : '';
  // Each epilogue's bindings are numbered after the kernel's own and those of the epilogues before it.
  let first = 2 + request.bindings.length;
  const code = epilogues.map((epilogue) => epilogue.code((first += epilogue.bindings.length) - epilogue.bindings.length));
  const sources = [step, ...(tiles ? [matmul] : []), ...request.sources, ...code];
  const bindings = [...request.bindings, ...epilogues.flatMap((epilogue) => epilogue.bindings)];
  const kernel: KernelSource = {
    label: [request.name, ...epilogues.flatMap((epilogue) => epilogue.name ?? [])].join('_'),
    code: header + unroll(sources.join('\n'), sizes),
    entry: request.entry,
    bindings: ['step', 'read', ...bindings.map((b) => b.kind)],
    constants: { ...request.constants, ...(tiles ? { GROUP_X: tiles.group[0], GROUP_Y: tiles.group[1] } : {}) },
  };
  return { kernel, bindings };
}

/**
 * The reduction of a pass's scores into `result` from index `first`: `ranges` says where each score's values start,
 * how many there are, and what their sum is divided by (their count, for a mean).
 */
export function reduceKernel(ranges: [offset: number, count: number, divisor: number][], first = 0): KernelSource {
  const list = ranges.map(([offset, count, divisor]) => `vec3u(${offset}u, ${count}u, ${divisor}u)`).join(', ');
  return {
    label: 'reduce',
    code: `${reduce}\nconst RESULT = ${first}u;\nfn score_range(s: u32) -> vec3u {\n  var ranges = array<vec3u, ${ranges.length}>(${list});\n  return ranges[s];\n}\n`,
    entry: 'reduce',
    bindings: ['read', 'write'],
    constants: {},
  };
}

/** The bins of one curve metric into `result` from index `first` (curve.wgsl). */
function curveKernel(thresholds: number[], stats: { offset: number }[], count: number, first: number): KernelSource {
  const [predictions, positives, negatives] = stats.map((s) => s.offset);
  const list = thresholds.map((t) => f32(t)).join(', ');
  return {
    label: 'curve',
    code: `${curve}\nconst COUNT = ${count}u;\nconst PREDICTIONS = ${predictions}u;\nconst POSITIVES = ${positives}u;\nconst NEGATIVES = ${negatives}u;\nconst THRESHOLDS = ${thresholds.length}u;\nconst RESULT = ${first}u;\nconst CURVE = array<f32, ${thresholds.length}>(${list});\nfn threshold(k: u32) -> f32 { return CURVE[k]; }\n`,
    entry: 'bins',
    bindings: ['read', 'write'],
    constants: {},
  };
}

/** The data of a pass on the device: the inputs, the labels (unless predicting), and each row's sample weight. */
export interface PlanData {
  x: DeviceMatrix;
  y?: DeviceMatrix;
  /** [rows × 1]: on the CPU, or an app's buffer (COPY_SRC), copied into the plan's words once. */
  sampleWeight?: Data;
}

export class Plan {
  /** One step, in order. */
  readonly dispatches: Dispatch[] = [];
  /** Once per pass over the data: the sum of every stat, each curve's bins, and each penalty's share into `scores.result`. */
  readonly reductions: Dispatch[] = [];
  readonly steps: Step[] = [];
  /**
   * The words every step reads (step.wgsl): the epoch order [rows], the run's constants, each dataset row's sample
   * weight (where given), then per step its counter and the optimizer's scalars, `scheduleWords` of them.
   */
  private readonly words: GPUBuffer;
  private readonly scheduleWords: number;
  /** Where the per-step words start. */
  private readonly scheduleStart: number;
  private readonly runWords: number[] = [];
  private readonly blocks: Block[];
  /** The network's output of the current step, [capacity × units] as it is read back. */
  output!: GPUBuffer;
  /**
   * Train and evaluate: each epoch position's stats (scoring: where each is, and how they make the scores); in
   * training, each penalised layer's penalties ([steps × perStep], each the penalty of some of its weights times the
   * step's rows); and `result`: the scoring's sums and bins, then each penalty's sum over the pass ÷ its rows, which
   * is part of the loss.
   */
  scores: { buffer: GPUBuffer; scoring: Scoring; penalties: { buffer: GPUBuffer; perStep: number }[]; result: GPUBuffer } | undefined;
  /** WGSL `fn sample_weight(source: u32) -> f32`: from the words where the rows carry sample weights, else 1. */
  private readonly sampleWeight: string;
  private readonly owned: GPUBuffer[] = [];
  private readonly stepBuffer: GPUBuffer;
  private readonly stepStride: number;

  private constructor(
    private readonly device: GPUDevice,
    readonly mode: PlanMode,
    readonly spec: NetworkSpec,
    private readonly data: PlanData,
    readonly capacity: number,
  ) {
    const rows = data.x.rows;
    for (let rowStart = 0; rowStart < rows; rowStart += capacity) this.steps.push({ rowStart, rows: Math.min(capacity, rows - rowStart) });
    this.scheduleWords = 1 + (mode === 'train' ? optimizerDefinition(spec.optimizer).stepScalars(spec.optimizer, 1, spec.optimizer.learningRate).length : 0);
    const constant = (word: number) => `run_word(${this.runWords.push(word) - 1}u)`;
    this.blocks = blocksOf(spec.layers, { training: mode === 'train', constant });
    // Sample weights follow the run's constants: one float per dataset row, written once.
    const weights = rows + this.runWords.length;
    const schedule = (this.scheduleStart = weights + (data.sampleWeight ? rows : 0));
    this.sampleWeight = data.sampleWeight
      ? `fn sample_weight(source: u32) -> f32 { return bitcast<f32>(words[${weights}u + source]); }\n`
      : 'fn sample_weight(source: u32) -> f32 { return 1.0; }\n';
    this.stepStride = Math.max(device.limits.minUniformBufferOffsetAlignment, 32);
    this.stepBuffer = this.buffer('steps', this.steps.length * this.stepStride, BufferUsage.UNIFORM, true);
    const table = new Uint32Array(this.stepBuffer.getMappedRange());
    this.steps.forEach((s, i) => table.set([s.rowStart, s.rows, i, rows, schedule + i * this.scheduleWords], (i * this.stepStride) / 4));
    this.stepBuffer.unmap();
    this.words = this.buffer('words', (schedule + this.steps.length * this.scheduleWords) * 4, BufferUsage.STORAGE | BufferUsage.COPY_DST, true);
    const words = this.words.getMappedRange();
    new Uint32Array(words).set(this.runWords, rows);
    const sampleWeight = data.sampleWeight;
    if (sampleWeight && 'data' in sampleWeight) new Float32Array(words).set(sampleWeight.data, weights);
    this.words.unmap();
    if (sampleWeight && 'buffer' in sampleWeight) {
      const encoder = device.createCommandEncoder({ label: 'sample weights' });
      encoder.copyBufferToBuffer(sampleWeight.buffer, 0, this.words, weights * 4, rows * 4);
      device.queue.submit([encoder.finish()]);
    }
  }

  /** Writes the order of the next pass: the dataset row of each epoch position. */
  writeOrder(order: Uint32Array): void {
    this.device.queue.writeBuffer(this.words, 0, order);
  }

  /**
   * Plans `mode` over data [rows × inputs] (and labels unless predicting), `capacity` rows per step, with each
   * layer's parameters in `parameters` (none for element-wise layers) and, to train, the optimizer's state in
   * `moments`.
   */
  static async create(
    device: GPUDevice,
    mode: PlanMode,
    spec: NetworkSpec,
    parameters: (GPUBuffer | undefined)[],
    data: PlanData,
    capacity: number,
    moments?: (GPUBuffer | undefined)[],
  ): Promise<Plan> {
    let plan: Plan | undefined;
    try {
      return await checked(device, `planning ${mode}`, async () => {
        plan = new Plan(device, mode, spec, data, capacity);
        await plan.schedulePlan(parameters, moments ?? []);
        return plan;
      });
    } catch (error) {
      plan?.destroy();
      throw error;
    }
  }

  /**
   * Writes the schedule of the next pass, whose first step follows `taken` steps of training: each step's counter,
   * and the optimizer's scalars for its iteration t = taken + step + 1.
   */
  writeSchedule(taken: number): void {
    const words = new Uint32Array(this.steps.length * this.scheduleWords);
    const floats = new Float32Array(words.buffer);
    const optimizer = optimizerDefinition(this.spec.optimizer);
    this.steps.forEach((_, s) => {
      words[s * this.scheduleWords] = taken + s;
      if (this.scheduleWords > 1) floats.set(optimizer.stepScalars(this.spec.optimizer, taken + s + 1, rateAt(this.spec.optimizer, taken + s)), s * this.scheduleWords + 1);
    });
    this.device.queue.writeBuffer(this.words, this.scheduleStart * 4, words);
  }

  /** Records step `index` into a compute pass. */
  encodeStep(pass: GPUComputePassEncoder, index: number): void {
    const { rows } = this.steps[index];
    for (const d of this.dispatches) this.encode(pass, d, rows, index);
  }

  /** Records the reductions that close a pass over the data. */
  encodeReductions(pass: GPUComputePassEncoder): void {
    for (const d of this.reductions) this.encode(pass, d, 0, 0);
  }

  /** The dispatch list of one step, one line each. */
  describe(): string {
    const rows = this.steps[0].rows;
    const lines = this.dispatches.map((d, i) => `${String(i + 1).padStart(2)}. ${d.name.padEnd(14)} ${d.text}  ${d.workgroups(rows).join('×')} workgroups`);
    lines.push(...this.reductions.map((d) => `then once per pass over the data: ${d.name.padEnd(14)} ${d.text}`));
    return `${this.mode}, ${rows} rows per step, ${this.steps.length} steps:\n${lines.join('\n')}`;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    for (const m of [this.data.x, this.data.y]) if (m?.owned) m.chunks.forEach((c) => c.buffer.destroy());
    this.owned.length = 0;
  }

  private encode(pass: GPUComputePassEncoder, d: Dispatch, rows: number, step: number): void {
    pass.setPipeline(d.pipeline);
    if (d.stepped) pass.setBindGroup(0, d.bindGroup, [step * this.stepStride]);
    else pass.setBindGroup(0, d.bindGroup);
    // A grid taller than the device allows is folded into z; the kernels unfold it (step.wgsl).
    const [x, y] = d.workgroups(rows);
    const limit = this.device.limits.maxComputeWorkgroupsPerDimension;
    pass.dispatchWorkgroups(x, Math.min(y, limit), Math.ceil(y / limit));
  }

  private buffer(label: string, size: number, usage: number, mappedAtCreation = false): GPUBuffer {
    // Whole vec4s: the kernels bind matrices as array<vec4f>.
    const buffer = this.device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage, mappedAtCreation });
    this.owned.push(buffer);
    return buffer;
  }

  /** Dispatches being compiled, in order: every pipeline of a plan compiles at once. */
  private readonly compiling: { list: Dispatch[]; dispatch: Promise<Dispatch> }[] = [];

  /** A product's block on this device, and its grid. */
  private product(rows: number, cols: number): Product {
    const b = blocking(rows, cols, occupancy(this.device));
    return { blocking: b, groups: (stepRows) => matmulWorkgroups(stepRows, cols, b), text: `${4 * b.tileRows} × ${4 * b.tileCols} blocks, ${b.group.join(' × ')} invocations per workgroup` };
  }

  /** A stepped dispatch: step.wgsl's bindings (the step, the words), the kernel's own from 2, then its epilogues'. */
  private add(request: KernelRequest): void {
    const { kernel, bindings } = stepKernel(request);
    const resources = [{ buffer: this.stepBuffer, size: 20 }, this.words, ...bindings.map((b) => b.resource)];
    this.compileDispatch(kernel, resources, true, request.workgroups, request.text, this.dispatches);
  }

  private compileDispatch(kernel: KernelSource, resources: (GPUBuffer | GPUBufferBinding)[], stepped: boolean, workgroups: Dispatch['workgroups'], text: string, list: Dispatch[]): void {
    const dispatch = compile(this.device, kernel).then(({ pipeline, layout }) => {
      const entries = resources.map((resource, binding) => ({ binding, resource: 'buffer' in resource ? resource : { buffer: resource } }));
      const bindGroup = this.device.createBindGroup({ label: kernel.label, layout, entries });
      return { name: kernel.label, pipeline, bindGroup, stepped, workgroups, text };
    });
    dispatch.catch(() => undefined); // the failure is thrown where the plan awaits it, in order
    this.compiling.push({ list, dispatch });
  }

  /** A penalised layer's buffer of penalties, [steps × perStep], which the reductions add into the loss. */
  private penalty(perStep: number): GPUBuffer {
    const buffer = this.buffer('penalties', perStep * this.steps.length * 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
    this.scores!.penalties.push({ buffer, perStep });
    return buffer;
  }

  /**
   * Norm clipping's buffers and dispatches: every layer's gradients in one buffer (each layer's laid out as its
   * parameters, from its offset in vec4s), and, after the gradient kernels, one dispatch for every variable's squared
   * norm and one per layer to apply the update (`apply`, given the optimizer's state).
   */
  private normClipping(cores: number[], parameters: (GPUBuffer | undefined)[]) {
    const { spec } = this;
    const offsets = new Map<number, number>();
    let vectors = 0;
    for (const l of cores) {
      offsets.set(l, vectors);
      vectors += parameters[l]!.size / 16;
    }
    const gradients = this.buffer('gradients', vectors * 16, BufferUsage.STORAGE);
    const variables = cores.flatMap((l) => {
      const layer = spec.layers[l];
      const layout = (layerDefinition(layer).gpu as CoreGpu<LayerSpecBase>).parameters;
      return layout.variables(layer).map((v) => ({ layer: l, offset: v.offset, vectors: v.vectors }));
    });
    const norms = this.buffer('norms', variables.length * 4, BufferUsage.STORAGE);
    const apply = (moments: (GPUBuffer | undefined)[]) => {
      const ranges = variables.map((v) => `vec2u(${offsets.get(v.layer)! + v.offset}u, ${v.vectors}u)`).join(', ');
      const normsKernel: KernelSource = {
        label: 'norms',
        code: `${normsSource}\nfn variable_range(v: u32) -> vec2u {\n  var ranges = array<vec2u, ${variables.length}>(${ranges});\n  return ranges[v];\n}\n`,
        entry: 'norms_of',
        bindings: ['read', 'write'],
        constants: {},
      };
      this.compileDispatch(normsKernel, [gradients, norms], false, () => [variables.length, 1], `the squared norms of ${variables.length} variables' gradients`, this.dispatches);
      const optimizer = optimizerDefinition(spec.optimizer);
      const limit = f32(spec.optimizer.clipnorm > 0 ? spec.optimizer.clipnorm : spec.optimizer.globalClipnorm);
      const factor = spec.optimizer.clipnorm > 0
        ? `fn clip_factor(v: u32) -> f32 { return ${limit} / max(sqrt(norms[v]), ${limit}); }\n`
        : `fn clip_factor(v: u32) -> f32 {\n  var total = 0.0;\n  for (var k = 0u; k < ${variables.length}u; k++) { total += norms[k]; }\n  return ${limit} / max(sqrt(total), ${limit});\n}\n`;
      for (const l of cores) {
        const own = variables.map((v, k) => ({ ...v, k })).filter((v) => v.layer === l);
        const cases = own.map((v) => `  if (i >= ${v.offset}u && i < ${v.offset + v.vectors}u) { return ${v.k}u; }\n`).join('');
        const layerVectors = parameters[l]!.size / 16;
        this.add({
          name: 'apply',
          sources: [applySource, `fn variable_of(i: u32) -> u32 {\n${cases}  return NONE;\n}\n${factor}`],
          entry: 'apply',
          constants: { OFFSET: offsets.get(l)! },
          bindings: [{ kind: 'read', resource: gradients }, { kind: 'read', resource: norms }],
          epilogues: [updateEpilogue(optimizer, spec.optimizer, parameters[l]!, moments[l])],
          workgroups: () => [1, ceil(layerVectors, 64)],
          text: `layer ${l}  its gradients clipped to ${spec.optimizer.clipnorm > 0 ? 'a norm' : 'a global norm'} of ${limit}, then updated by ${spec.optimizer.name}`,
        });
      }
    };
    return { gradients, offsets, apply };
  }

  /**
   * Where the output is scored: the scores buffer, with each stat at each epoch position (scoring.ts), and which
   * kernel writes each. Element-wise outputs are scored in the forward's epilogue; a softmax's rows, and the stats
   * that need a whole row, in the row kernel.
   */
  private heads(labels: GPUBufferBinding, units: number, rowWise: boolean, deltas: GPUBuffer | undefined): { elementHead?: ElementHead; rowHead?: RowHead } {
    const { spec } = this;
    const loss = losses[spec.loss];
    const scoring = new Scoring(spec.metrics, this.data.x.rows, units, rowWise ? 'row' : 'element', this.data.sampleWeight !== undefined);
    if (scoring.floats * 4 > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `y: expected at most ${bindingLimit(this.device)} bytes of per-row scores on this device, got ${scoring.floats * 4}`);
    const scores = this.buffer('scores', scoring.floats * 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC);
    this.scores = { buffer: scores, scoring, penalties: [], result: undefined! };
    const metricStats = scoring.metrics.flatMap((m) => m.stats);
    const inEmit = rowWise ? [] : metricStats.filter((stat) => stat.per === 'element');
    const inRows = metricStats.filter((stat) => !inEmit.includes(stat));
    const rowKernel = rowWise || inRows.length > 0;
    const { sampleWeight } = this;
    const elementHead: ElementHead | undefined = rowWise
      ? undefined
      : { lossName: spec.loss, loss: loss as ElementLoss, labels, deltas, scores, lossStat: scoring.loss, stats: inEmit, weight: rowKernel ? undefined : scoring.weight, sampleWeight };
    const rowHead: RowHead | undefined = rowKernel
      ? {
          labels,
          labelColumns: labelColumns(loss, units),
          units,
          scores,
          loss: rowWise ? { definition: loss as RowLoss, stat: scoring.loss, deltas } : undefined,
          stats: inRows,
          weight: scoring.weight,
          sampleWeight,
        }
      : undefined;
    return { elementHead, rowHead };
  }

  private async schedulePlan(parameters: (GPUBuffer | undefined)[], moments: (GPUBuffer | undefined)[]): Promise<void> {
    const { spec, capacity } = this;
    const { x, y } = this.data;
    const training = this.mode === 'train';
    const scoring = this.mode !== 'predict';
    const storage = BufferUsage.STORAGE;
    const { blocks } = this;
    const last = blocks.length - 1;
    const outputLayer = spec.layers.length - 1;
    const units = blocks[last].width;

    // Each block's output and, in training, the deltas dJ/dz of its layer's product: hidden blocks' rows padded to
    // vec4s, the output's [rows × units] as it is read back.
    const outputs = blocks.map((block, b) =>
      this.buffer(`output of layer ${block.core}`, capacity * (b === last ? block.width : padded(block.width)) * 4, storage | BufferUsage.COPY_SRC),
    );
    this.output = outputs[last];
    const deltas = blocks.map((block) => (training ? this.buffer(`deltas of layer ${block.core}`, capacity * padded(block.width) * 4, storage) : undefined));
    if (x.rows * 4 > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `x: expected at most ${bindingLimit(this.device) / 4} rows on this device, got ${x.rows}`);
    const whole = (m: DeviceMatrix, what: string) => {
      if (m.chunks.length > 1) throw new WebGPUNNError('INVALID_ARGUMENT', `${what}: expected at most ${bindingLimit(this.device)} bytes (this device's largest binding), got ${m.rows * m.cols * 4}`);
      const { buffer, offset, size } = m.chunks[0];
      return { buffer, offset, size };
    };

    const rowWise = blocks[last].softmax;
    const { elementHead, rowHead } = scoring ? this.heads(whole(y!, 'labels'), units, rowWise, deltas[last]) : {};

    // Layer 0 reads the dataset through the epoch order; a dataset too large for one binding, or an app's buffer
    // whose rows are not whole vec4s, is first gathered, chunk by chunk, into a batch buffer.
    const gathered = x.chunks.length > 1 || x.stride % 4 !== 0;
    const dataset = gathered ? this.buffer('batch', capacity * padded(x.cols) * 4, storage) : whole(x, 'x');
    for (const chunk of gathered ? x.chunks : []) {
      this.add({
        name: 'gather',
        sources: [gather],
        entry: 'gather',
        constants: { COLS: x.cols, STRIDE: x.stride, FIRST_ROW: chunk.firstRow, CHUNK_ROWS: chunk.rows },
        bindings: [{ kind: 'read', resource: chunk }, { kind: 'write', resource: dataset }],
        workgroups: (rows) => [1, ceil(rows * x.cols, 64)],
        text: `x rows ${chunk.firstRow}..${chunk.firstRow + chunk.rows - 1} of this step into the batch`,
      });
    }
    const inputOf = (b: number): LayerInput => (b === 0 ? { resource: dataset, throughOrder: !gathered } : { resource: outputs[b - 1], throughOrder: false });
    const context = (b: number) => {
      const l = blocks[b].core;
      return {
        spec: spec.layers[l],
        index: l,
        capacity,
        parameters: parameters[l]!,
        input: inputOf(b),
        product: (r: number, c: number) => this.product(r, c),
        dispatch: (request: KernelRequest) => this.add(request),
      };
    };
    const core = (b: number) => layerDefinition(spec.layers[blocks[b].core]).gpu as CoreGpu<LayerSpecBase>;

    // Forward: each block's product, its operations and, at the output, the scores.
    for (const [b, block] of blocks.entries()) {
      const output = { buffer: outputs[b], width: block.width, padded: b !== last };
      core(b).forward({ ...context(b), emit: outputEpilogue(block.ops, output, b === last ? elementHead : undefined), training });
    }
    if (rowWise || rowHead) {
      const what = [rowWise ? 'softmax of each row' : '', rowHead?.loss ? `${spec.loss} and dJ/dz = a − y` : '', rowHead?.stats.length ? 'metrics' : '']
        .filter(Boolean)
        .join(', ');
      this.add({
        name: rowWise ? (rowHead?.loss ? 'softmax_loss' : 'softmax') : 'row_scores',
        sources: [rowKernel],
        entry: 'rows',
        constants: { UNITS: units, SOFTMAX: rowWise ? 1 : 0 },
        bindings: [{ kind: 'write', resource: outputs[last] }],
        epilogues: [scoreRow(rowHead, what)],
        workgroups: (stepRows) => [1, ceil(stepRows, 64)],
        text: `layer ${outputLayer}  ${what}`,
      });
    }

    // Backpropagation and the update, last block first: each layer's deltas carried back through the previous
    // block's operations, and its parameters updated by the optimizer where their gradient is computed; or, where
    // the optimizer clips by a norm, its gradients kept, and the updates made once every norm is known.
    if (training) {
      const optimizer = optimizerDefinition(spec.optimizer);
      const clipping = clipsByNorm(spec.optimizer) ? this.normClipping(blocks.map((block) => block.core), parameters) : undefined;
      for (let b = last; b >= 0; b--) {
        const l = blocks[b].core;
        const prior = b > 0 ? priorEpilogue(blocks[b - 1].ops, outputs[b - 1], blocks[b - 1].width, deltas[b - 1]!) : undefined;
        const update = clipping ? deferredEpilogue(parameters[l]!, clipping.gradients, clipping.offsets.get(l)!) : updateEpilogue(optimizer, spec.optimizer, parameters[l]!, moments[l]);
        core(b).backward({ ...context(b), deltas: deltas[b]!, prior, update, penalty: (perStep) => this.penalty(perStep) });
      }
      clipping?.apply(moments);
    }

    if (this.scores) {
      const { scoring, buffer, penalties } = this.scores;
      const summed = scoring.summed();
      const result = (this.scores.result = this.buffer('result', (scoring.resultFloats + penalties.length) * 4, storage | BufferUsage.COPY_SRC));
      const kernel = reduceKernel(summed.map((stat) => [stat.offset, scoring.count(stat), 1]));
      this.compileDispatch(kernel, [buffer, result], false, () => [summed.length, 1], `the sums of ${summed.map((stat) => stat.name).join(', ')} over ${x.rows} rows`, this.reductions);
      for (const { thresholds, stats, result: first } of scoring.curves()) {
        const bins = curveKernel(thresholds, stats, scoring.count(stats[0]), first);
        this.compileDispatch(bins, [buffer, result], false, () => [thresholds.length, 1], `${stats[0].name.replace(' predictions', '')}'s true and false positives at ${thresholds.length} thresholds`, this.reductions);
      }
      penalties.forEach(({ buffer: values, perStep }, k) => {
        const penaltyKernel = reduceKernel([[0, perStep * this.steps.length, x.rows]], scoring.resultFloats + k);
        this.compileDispatch(penaltyKernel, [values, result], false, () => [1, 1], "a layer's penalties over the pass, for the loss", this.reductions);
      });
    }
    for (const { list, dispatch } of this.compiling) list.push(await dispatch);
  }
}

