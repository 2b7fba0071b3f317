// The scheduler: turns a network into a flat list of dispatches for one step, with every buffer, pipeline and
// bind group made here, once. Training, evaluation and prediction are three plans over the same kernels.
//
// The network is cut into blocks: a layer that runs kernels of its own (Dense) and the element-wise layers and
// activations after it, which are fused into those kernels as epilogues (epilogues.ts). Each block stores one
// output, which the next block reads. Every layer kind schedules its own dispatches (layers/*/gpu.ts) through the
// context this plan gives it; nothing here knows one kind from another.
//
// A plan trains its members side by side (members.ts): models of one shape, a ModelGroup's, each with its own
// parameters, outputs, deltas and scores, in the same dispatches. Their kernels are those of the first member: each
// other member is planned dry (no buffer, no pipeline), and must give the very same kernels; what may differ between
// them (learning rates, the optimizer's and the penalties' hyperparameters, dropout's rates and seeds) is data, the
// run's constants and the schedule, per member.
import type { Data } from '../backend';
import { isElementwise } from '../activations/activations';
import { WebGPUNNError } from '../errors';
import type { CoreGpu, LayerSpecBase, PointwisePass } from '../layers/layer';
import { layerDefinition } from '../layers/registry';
import { type ElementLoss, type RowLoss, labelColumns } from '../losses/loss';
import { losses } from '../losses/registry';
import { rateAt } from '../optimizers/optimizer';
import { optimizerDefinition } from '../optimizers/registry';
import { clipsByNorm } from '../optimizers/update';
import applySource from '../shaders/apply.wgsl?raw';
import gather from '../shaders/gather.wgsl?raw';
import normsSource from '../shaders/norms.wgsl?raw';
import workgroupSum from '../shaders/workgroup-sum.wgsl?raw';
import rowKernel from '../shaders/rows.wgsl?raw';
import type { NetworkSpec } from '../spec';
import type { DeviceMatrix } from './device-matrix';
import { checked } from './device';
import { type EpochKernel, epochKernel } from './epoch-kernel';
import { type ElementHead, type PointwiseOp, activationOp, deferredEpilogue, outputEpilogue, priorEpilogue, updateEpilogue } from './epilogues';
import { BufferUsage } from './flags';
import { type Blocking, type KernelSource, blocking, compile, matmulWorkgroups, occupancy } from './kernels';
import type { KernelRequest, LayerContext, LayerInput, Product } from './layer-context';
import { bindingLimit, padded } from './layout';
import { Members, type RunConstants, memberCount } from './members';
import { type RowHead, scoreRow } from './rows';
import { Scoring } from './scoring';
import { curveKernel, reduceKernel, stepKernel } from './sources';
import { timeTrials } from './trials';
import type { Trials, Tuner } from './tuner';
import { WordsLayout } from './words';
import { f32Bits } from './wgsl';

export type PlanMode = 'train' | 'evaluate' | 'predict';

/** One dispatch. Its workgroup count may depend on the step's rows (the last batch can be short). */
export interface Dispatch {
  name: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  /** Whether it takes the step table at a dynamic offset. */
  stepped: boolean;
  /** One member's grid; a stepped kernel's members follow one another in z, the others' in y. */
  workgroups(rows: number): [number, number];
  /** How many grids: the members', or one (the gather, which they share). */
  copies: number;
  /** A line for people: what the dispatch computes, with shapes. */
  text: string;
}

/** The rows of the epoch order that one step covers. */
export interface Step {
  rowStart: number;
  rows: number;
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

/** The data of a pass on the device: the inputs, the labels (unless predicting), and each row's sample weight. */
export interface PlanData {
  x: DeviceMatrix;
  y?: DeviceMatrix;
  /**
   * [rows × 1], on the CPU or in an app's buffer (COPY_SRC), copied into the plan's words once: one for every
   * member, or one per member.
   */
  sampleWeight?: Data | Data[];
  /** Whether each member visits the rows in an order of its own (writeOrder then takes one per member). */
  ownOrders?: boolean;
  /** Whether steps are recorded one at a time as their rows arrive (fitDataset): no pass in one dispatch then. */
  stepwise?: boolean;
}

/**
 * The step table and the words, which every stepped kernel binds first (a step's entry, or the whole table for the
 * epoch kernel, which walks it); made once the run's constants are known.
 */
const STEP_TABLE = 'step table';
const WHOLE_STEP_TABLE = 'whole step table';
const WORDS = 'words';
type Resource = GPUBuffer | GPUBufferBinding | typeof STEP_TABLE | typeof WHOLE_STEP_TABLE | typeof WORDS;

export class Plan {
  /** One step, in order. */
  readonly dispatches: Dispatch[] = [];
  /** Once per pass over the data: the sum of every stat, each curve's bins, and each penalty's share into `scores.result`. */
  readonly reductions: Dispatch[] = [];
  readonly steps: Step[] = [];
  readonly members: Members;
  /** The first member's network: every member's kernels are its. */
  readonly spec: NetworkSpec;
  /** The network's output of the current step, [capacity × units] per member as it is read back. */
  output!: GPUBuffer;
  /**
   * Train and evaluate: each epoch position's stats (scoring: where each is, and how they make the scores); in
   * training, each penalised layer's penalties ([steps × perStep], each the penalty of some of its weights times the
   * step's rows); and `result`: the scoring's sums and bins, then each penalty's sum over the pass ÷ its rows, which
   * is part of the loss. Each member's in turn, `resultStride` floats apart in `result`.
   */
  scores: { buffer: GPUBuffer; scoring: Scoring; penalties: { buffer: GPUBuffer; perStep: number }[]; result: GPUBuffer; resultStride: number } | undefined;
  /** A dry plan's kernels, in order: what a member must share with the first. */
  readonly kernels: KernelSource[] = [];
  /** The run's constants of the member being planned, in the order the kernels read them (step.wgsl's run words). */
  readonly runWords: number[] = [];
  private readonly constants: RunConstants = {
    word: (value) => `run_word(${this.runWords.push(value) - 1}u)`,
    float: (value) => `run_f32(${this.runWords.push(f32Bits(value)) - 1}u)`,
  };
  private readonly dry: boolean;
  /** Each product's block, in the order the layers asked for them: what the dry plans of the other members take. */
  private readonly chosen: Blocking[] = [];
  /** A dry plan's blocks, the first member's `chosen`, taken in order. */
  private readonly given: Blocking[] = [];
  private layout!: WordsLayout;
  private words!: GPUBuffer;
  private stepTable!: GPUBuffer;
  private readonly stepStride: number;
  /** Each step's offset in the step table, made once: what a stepped dispatch's bind group is set at. */
  private readonly stepOffsets: Uint32Array;
  /** The device's maxComputeWorkgroupsPerDimension, read once: reading a device's limits costs a call into the implementation. */
  private readonly workgroupsLimit: number;
  /** Where one dispatch trains the whole pass (epoch-kernel.ts), that dispatch's copies; `dispatches` is then it alone. */
  private epoch: EpochKernel | undefined;
  private readonly scalars: number;
  private readonly blocks: Block[];
  private readonly owned: GPUBuffer[] = [];
  /** Dispatches being compiled, in order: every pipeline of a plan compiles at once. */
  private readonly compiling: { list: Dispatch[]; pipeline: Promise<{ pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>; resources: Resource[]; dispatch: Omit<Dispatch, 'pipeline' | 'bindGroup'> }[] = [];

  /** `planned`: the member whose kernels and constants this plan generates; any but the first is planned dry. */
  private constructor(
    private readonly device: GPUDevice,
    readonly mode: PlanMode,
    readonly specs: NetworkSpec[],
    private readonly data: PlanData,
    readonly capacity: number,
    planned: number,
    state: (GPUBuffer | undefined)[],
    private readonly tuner: Tuner | undefined,
  ) {
    this.dry = planned > 0;
    this.spec = specs[planned];
    this.members = new Members(specs.length);
    for (const buffer of state) if (buffer) this.members.register(buffer, buffer.size / specs.length);
    const rows = data.x.rows;
    for (let rowStart = 0; rowStart < rows; rowStart += capacity) this.steps.push({ rowStart, rows: Math.min(capacity, rows - rowStart) });
    const { optimizer } = this.spec;
    this.scalars = mode === 'train' ? optimizerDefinition(optimizer).stepScalars(optimizer, 1, optimizer.learningRate).length : 0;
    this.stepStride = Math.max(device.limits.minUniformBufferOffsetAlignment, 32);
    this.stepOffsets = Uint32Array.from(this.steps, (_, i) => i * this.stepStride);
    this.workgroupsLimit = device.limits.maxComputeWorkgroupsPerDimension;
    this.blocks = blocksOf(this.spec.layers, { training: mode === 'train', constant: (word) => this.constants.word(word) });
  }

  /**
   * Plans `mode` for `specs`, its members (one for a Sequential), over data [rows × inputs] (and labels unless
   * predicting), `capacity` rows per step, with each layer's parameters in `parameters` (none for element-wise
   * layers; every member's in turn) and, to train, the optimizer's state in `moments`.
   */
  static async create(
    device: GPUDevice,
    mode: PlanMode,
    specs: NetworkSpec[],
    parameters: (GPUBuffer | undefined)[],
    data: PlanData,
    capacity: number,
    moments?: (GPUBuffer | undefined)[],
    tuner?: Tuner,
  ): Promise<Plan> {
    let plan: Plan | undefined;
    try {
      return await checked(device, `planning ${mode}`, async () => {
        const state = [...parameters, ...(moments ?? [])];
        plan = new Plan(device, mode, specs, data, capacity, 0, state, tuner);
        await plan.schedulePlan(parameters, moments ?? []);
        // Every other member, planned dry with the first's blocks: its kernels must be the first's, and its run's
        // constants are its own.
        const constants = [plan.runWords];
        for (let m = 1; m < specs.length; m++) {
          const dry = new Plan(device, mode, specs, data, capacity, m, state, undefined);
          dry.given.push(...plan.chosen);
          await dry.schedulePlan(parameters, moments ?? []);
          const first = plan.kernels.findIndex((k, i) => JSON.stringify(k) !== JSON.stringify(dry.kernels[i]));
          if (first >= 0 || dry.kernels.length !== plan.kernels.length) {
            const name = (plan.kernels[first] ?? plan.kernels.at(-1))?.label;
            throw new WebGPUNNError('INVALID_ARGUMENT', `ModelGroup: expected members of one structure (numbers such as rates, penalties and seeds may differ, options switched on or off may not), got member ${m} whose kernel '${name}' differs from member 0's`);
          }
          constants.push(dry.runWords);
        }
        plan.writeWords(constants);
        await plan.finish();
        return plan;
      });
    } catch (error) {
      plan?.destroy();
      throw error;
    }
  }

  /** Writes the order of the next pass: the dataset row of each epoch position, for every member or for each. */
  writeOrder(order: Uint32Array | Uint32Array[]): void {
    const orders = Array.isArray(order) ? order : [order];
    orders.forEach((o, m) => this.device.queue.writeBuffer(this.words, m * this.layout.orderStride * 4, o));
  }

  /**
   * Writes the schedule of the next pass, whose first step follows `taken` steps of training: each step's counter,
   * and each member's optimizer's scalars for its iteration t = taken + step + 1, and whether the member trains.
   * With `only`, that step's alone, as the one after `taken` steps (a stream's steps are written as their batches
   * come).
   */
  writeSchedule(taken: number, trains: (member: number) => boolean = () => true, only?: number): void {
    const words = this.scheduleWords(this.layout, taken, trains, only === undefined ? this.steps.length : 1);
    this.device.queue.writeBuffer(this.words, (this.layout.schedule + (only ?? 0) * this.layout.perStep) * 4, words);
  }

  /** The schedule's words of `steps` steps, the first following `taken` steps of training (`writeSchedule`). */
  private scheduleWords(layout: WordsLayout, taken: number, trains: (member: number) => boolean, steps = this.steps.length): Uint32Array {
    const scalarsOf = (m: number, s: number) => {
      const { optimizer } = this.specs[m];
      return optimizerDefinition(optimizer).stepScalars(optimizer, taken + s + 1, rateAt(optimizer, taken + s));
    };
    return layout.scheduleWords(steps, taken, scalarsOf, trains);
  }

  /** Sets how many rows step `index` has (a stream's batches may be short): for its kernels and its grid. */
  setStepRows(index: number, rows: number): void {
    this.steps[index].rows = rows;
    this.device.queue.writeBuffer(this.stepTable, index * this.stepStride + 4, new Uint32Array([rows]));
  }

  /** Where dataset row `row`'s sample weight lies (f32; the members' shared set), for rows that arrive after planning. */
  sampleWeightAt(row: number): { buffer: GPUBuffer; offset: number } {
    return { buffer: this.words, offset: (this.layout.weights + row) * 4 };
  }

  /** Records step `index` into a compute pass. */
  encodeStep(pass: GPUComputePassEncoder, index: number): void {
    if (this.epoch) throw new Error('encodeStep: this plan trains its whole pass in one dispatch (encodeSteps)');
    const { rows } = this.steps[index];
    for (const d of this.dispatches) this.encode(pass, d, rows, index);
  }

  /** Records the reductions that close a pass over the data. */
  encodeReductions(pass: GPUComputePassEncoder): void {
    for (const d of this.reductions) this.encode(pass, d, 0, 0);
  }

  /** Records every step of a pass over the data: each step's dispatches, or the one dispatch of the whole pass. */
  encodeSteps(pass: GPUComputePassEncoder): void {
    if (this.epoch) this.encode(pass, this.dispatches[0], this.capacity, 0);
    else for (let s = 0; s < this.steps.length; s++) this.encodeStep(pass, s);
  }

  /** Records a pass over the data into `encoder`: its steps and its reductions in a compute pass. */
  encodePass(encoder: GPUCommandEncoder): void {
    this.epoch?.before(encoder);
    const pass = encoder.beginComputePass();
    this.encodeSteps(pass);
    this.encodeReductions(pass);
    pass.end();
    this.epoch?.after(encoder);
  }

  /** The dispatch list of one step, one line each. */
  describe(): string {
    const rows = this.steps[0].rows;
    const times = (d: Dispatch) => (d.copies > 1 ? ` × ${d.copies} members` : '');
    const lines = this.dispatches.map((d, i) => `${String(i + 1).padStart(2)}. ${d.name.padEnd(14)} ${d.text}  ${d.workgroups(rows).join('×')} workgroups${times(d)}`);
    lines.push(...this.reductions.map((d) => `then once per pass over the data: ${d.name.padEnd(14)} ${d.text}`));
    const members = this.members.count > 1 ? `, ${this.members.count} members` : '';
    return `${this.mode}, ${rows} rows per step, ${this.steps.length} step${this.steps.length === 1 ? '' : 's'}${members}:\n${lines.join('\n')}`;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
    for (const m of [this.data.x, this.data.y]) if (m?.owned) m.chunks.forEach((c) => c.buffer.destroy());
    this.owned.length = 0;
  }

  private encode(pass: GPUComputePassEncoder, d: Dispatch, rows: number, step: number): void {
    pass.setPipeline(d.pipeline);
    if (d.stepped) pass.setBindGroup(0, d.bindGroup, this.stepOffsets, step, 1);
    else pass.setBindGroup(0, d.bindGroup);
    // A grid taller than the device allows is folded into z, after which the members follow (step.wgsl unfolds
    // both); the reductions have their members in y.
    const [x, y] = d.workgroups(rows);
    const limit = this.workgroupsLimit;
    if (d.stepped) pass.dispatchWorkgroups(x, Math.min(y, limit), Math.ceil(y / limit) * d.copies);
    else pass.dispatchWorkgroups(x, y * d.copies);
  }

  /** A buffer of the plan's; in a dry plan, only its size. */
  private buffer(label: string, size: number, usage: number): GPUBuffer {
    // Whole vec4s: the kernels bind matrices as array<vec4f>.
    const bytes = Math.max(16, Math.ceil(size / 16) * 16);
    if (this.dry) return { label, size: bytes, usage, destroy() {} } as unknown as GPUBuffer;
    const buffer = this.device.createBuffer({ label, size: bytes, usage });
    this.owned.push(buffer);
    return buffer;
  }

  /** A buffer with a range of `size` bytes for each member, which, for a group, must fit one binding. */
  private memberBuffer(label: string, size: number, usage: number): GPUBuffer {
    const bytes = Math.max(16, Math.ceil(size / 16) * 16);
    const limit = bindingLimit(this.device);
    const count = this.members.count;
    if (count > 1 && count * bytes > limit) {
      throw new WebGPUNNError('INVALID_ARGUMENT', `ModelGroup: expected at most ${memberCount(Math.floor(limit / bytes))} for the ${label} (${bytes} bytes each; this device binds at most ${limit}), got ${count}`);
    }
    return this.members.register(this.buffer(label, count * bytes, usage), bytes);
  }

  /** A product's block on this device (the tuner's, or the first member's plan's, where given), and its grid. */
  private product(rows: number, cols: number, inner: number, b = blocking(rows, cols, occupancy(this.device), inner, this.members.count)): Product {
    const staged = b.workgroupMemory ? ', staged in workgroup memory' : '';
    return { blocking: b, groups: (stepRows) => matmulWorkgroups(stepRows, cols, b), text: `${4 * b.tileRows} × ${4 * b.tileCols} blocks, ${b.group.join(' × ')} invocations per workgroup${staged}` };
  }

  /**
   * Runs a layer's scheduling, its products' blocks chosen by the tuner where the model tunes (tuner.ts), or, in a
   * dry plan, those the first member's plan chose, in order. Records each product's block in `chosen`.
   */
  private async schedule<C extends LayerContext<LayerSpecBase>>(layer: (context: C) => void, context: C): Promise<void> {
    const given = this.dry ? this.given : this.tuner ? await this.tuner.choose(this.device, this.trials(layer, context)) : [];
    layer({
      ...context,
      product: (rows, cols, inner) => {
        const product = this.product(rows, cols, inner, given.shift());
        this.chosen.push(product.blocking);
        return product;
      },
    });
  }

  /**
   * A layer's scheduling on trial, for the tuner: its requests collected instead of compiled, as every member's
   * (their constants included, which the tuner's keys name), its penalties (which the loss would count) sent to
   * buffers of their own, and its run's constants numbered as the real scheduling will number them but not kept;
   * and those requests timed on this plan's buffers, with a step table and words of their own (words.ts).
   */
  private trials<C extends LayerContext<LayerSpecBase>>(layer: (context: C) => void, context: C): Trials {
    const rows = this.steps[0].rows;
    let trialWords: number[] = [];
    return {
      run: (forced) => {
        const requests: KernelRequest[] = [];
        const products: ReturnType<Trials['run']>['products'] = [];
        const base = this.runWords.length;
        trialWords = [];
        layer({
          ...context,
          constants: {
            word: (value) => `run_word(${base + trialWords.push(value) - 1}u)`,
            float: (value) => `run_f32(${base + trialWords.push(f32Bits(value)) - 1}u)`,
          },
          product: (r, c, inner) => {
            const product = this.product(r, c, inner, forced(products.length));
            products.push({ rows: r, cols: c, inner, copies: this.members.count, product });
            return product;
          },
          dispatch: (request) => void requests.push(this.memberRequest(request)),
          ...('penalty' in context ? { penalty: (perStep: number) => this.memberBuffer('penalties on trial', perStep * this.steps.length * 4, BufferUsage.STORAGE) } : {}),
        });
        return { requests, products };
      },
      time: async (requests) => {
        const kernels = requests.map((request) => ({ ...stepKernel(request), workgroups: request.workgroups, copies: this.members.count }));
        // The words as a pass would have them (words.ts): identity orders, every member with the first's run's
        // constants, and a first step in which every member trains.
        const layout = this.wordsLayout(this.runWords.length + trialWords.length);
        const words = new Uint32Array(layout.total);
        const order = Uint32Array.from({ length: layout.rows }, (_, i) => i);
        for (let m = 0; m < (layout.ownOrders ? this.members.count : 1); m++) words.set(order, m * layout.orderStride);
        const constants = [...this.runWords, ...trialWords];
        if (constants.length > 0) words.set(layout.interleave(Array.from({ length: this.members.count }, () => constants)), layout.run);
        words.set(this.scheduleWords(layout, 0, () => true), layout.schedule);
        const step = new Uint32Array(this.stepStride / 4);
        step.set([0, rows, 0, layout.run, layout.schedule]);
        const made = [this.device.createBuffer({ label: 'steps on trial', size: step.byteLength, usage: BufferUsage.UNIFORM | BufferUsage.COPY_DST }), this.device.createBuffer({ label: 'words on trial', size: words.byteLength, usage: BufferUsage.STORAGE | BufferUsage.COPY_DST })];
        this.device.queue.writeBuffer(made[0], 0, step);
        this.device.queue.writeBuffer(made[1], 0, words);
        try {
          return await timeTrials(this.device, kernels, [{ buffer: made[0], size: 20 }, made[1]], (pass, d) => this.encode(pass, d, rows, 0));
        } finally {
          made.forEach((b) => b.destroy());
        }
      },
    };
  }

  /** A request as every member's dispatch runs it: with the member constants of step.wgsl. */
  private memberRequest(request: KernelRequest, shared = false): KernelRequest {
    return { ...request, constants: { ...request.constants, ...this.stepConstants(shared ? 1 : this.members.count) } };
  }

  /**
   * A stepped dispatch: step.wgsl's bindings (the step, the words), the kernel's own from 2, then its epilogues';
   * every member's, unless `shared` (the gather, whose batch they share).
   */
  private add(request: KernelRequest, shared = false): void {
    const { kernel, bindings } = stepKernel(this.memberRequest(request, shared));
    const resources: Resource[] = [STEP_TABLE, WORDS, ...bindings.map((b) => b.resource)];
    this.compileDispatch(kernel, resources, true, request.workgroups, shared ? 1 : this.members.count, request.text, this.dispatches);
  }

  /** step.wgsl's pipeline constants for a kernel of `members` members. */
  private stepConstants(members: number): Record<string, number> {
    return { MEMBERS: members, STEP_SCALARS: this.scalars + 1, ...(this.data.ownOrders ? { ORDER_STRIDE: this.data.x.rows } : {}) };
  }

  private compileDispatch(kernel: KernelSource, resources: Resource[], stepped: boolean, workgroups: Dispatch['workgroups'], copies: number, text: string, list: Dispatch[]): void {
    this.kernels.push(kernel);
    if (this.dry) return;
    const pipeline = compile(this.device, kernel);
    pipeline.catch(() => undefined); // the failure is thrown where the plan awaits it, in order
    this.compiling.push({ list, pipeline, resources, dispatch: { name: kernel.label, stepped, workgroups, copies, text } });
  }

  /** The words, laid out once every kernel has taken its run's constants: each member's `constants`. */
  private writeWords(constants: number[][]): void {
    const { data } = this;
    const rows = data.x.rows;
    const layout = (this.layout = this.wordsLayout(this.runWords.length));
    if (this.members.count > 1 && layout.total * 4 > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `ModelGroup: expected a plan's words (orders, constants, weights and schedule) to fit one binding of ${bindingLimit(this.device)} bytes, got ${layout.total * 4} for ${this.members.count} members`);
    const table = new Uint32Array((this.steps.length * this.stepStride) / 4);
    this.steps.forEach((s, i) => table.set([s.rowStart, s.rows, i, layout.run, layout.schedule + i * layout.perStep], (i * this.stepStride) / 4));
    this.stepTable = this.buffer('steps', table.byteLength, BufferUsage.UNIFORM | BufferUsage.COPY_DST);
    this.device.queue.writeBuffer(this.stepTable, 0, table);
    this.words = this.buffer('words', layout.total * 4, BufferUsage.STORAGE | BufferUsage.COPY_DST);
    // (Deno's wgpu panics on a write of no bytes.)
    if (this.runWords.length > 0) this.device.queue.writeBuffer(this.words, layout.run * 4, layout.interleave(constants));
    const sets = data.sampleWeight === undefined ? [] : Array.isArray(data.sampleWeight) ? data.sampleWeight : [data.sampleWeight];
    const copies = sets.filter((set) => 'buffer' in set);
    const encoder = copies.length > 0 ? this.device.createCommandEncoder({ label: 'sample weights' }) : undefined;
    sets.forEach((set, m) => {
      const at = (layout.weights + m * layout.weightsStride) * 4;
      if ('data' in set) this.device.queue.writeBuffer(this.words, at, set.data);
      else encoder!.copyBufferToBuffer(set.buffer, 0, this.words, at, rows * 4);
    });
    if (encoder) this.device.queue.submit([encoder.finish()]);
  }

  /** The dispatches, once their pipelines are compiled, bound to their buffers. */
  private async finish(): Promise<void> {
    const bound = (resource: Resource) =>
      resource === STEP_TABLE
        ? { buffer: this.stepTable, size: 20 }
        : resource === WHOLE_STEP_TABLE
          ? { buffer: this.stepTable }
          : resource === WORDS
            ? { buffer: this.words }
            : 'buffer' in resource
              ? resource
              : { buffer: resource };
    for (const { list, pipeline, resources, dispatch } of this.compiling) {
      const { pipeline: compiled, layout } = await pipeline;
      const entries = resources.map((resource, binding) => ({ binding, resource: bound(resource) }));
      list.push({ ...dispatch, pipeline: compiled, bindGroup: this.device.createBindGroup({ label: dispatch.name, layout, entries }) });
    }
  }

  /** A penalised layer's buffer of penalties, [steps × perStep] per member, which the reductions add into the loss. */
  private penalty(perStep: number): GPUBuffer {
    const buffer = this.memberBuffer('penalties', perStep * this.steps.length * 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
    this.scores!.penalties.push({ buffer, perStep });
    return buffer;
  }

  /**
   * Norm clipping's buffers and dispatches: every layer's gradients in one buffer (each layer's laid out as its
   * parameters, from its offset in vec4s; each member's in turn), and, after the gradient kernels, one dispatch for
   * every variable's squared norm and one per layer to apply the update (`apply`, given the optimizer's state).
   */
  private normClipping(cores: number[], parameters: (GPUBuffer | undefined)[]) {
    const { spec, members, constants } = this;
    const vectorsOf = (l: number) => parameters[l]!.size / members.count / 16;
    const offsets = new Map<number, number>();
    let vectors = 0;
    for (const l of cores) {
      offsets.set(l, vectors);
      vectors += vectorsOf(l);
    }
    const gradients = this.memberBuffer('gradients', vectors * 16, BufferUsage.STORAGE);
    const variables = cores.flatMap((l) => {
      const layer = spec.layers[l];
      const layout = (layerDefinition(layer).gpu as CoreGpu<LayerSpecBase>).parameters;
      return layout.variables(layer).map((v) => ({ layer: l, offset: v.offset, vectors: v.vectors }));
    });
    const norms = this.memberBuffer('norms', variables.length * 4, BufferUsage.STORAGE);
    const strides = { GRADIENTS_STRIDE: members.stride(gradients), NORMS_STRIDE: members.stride(norms, 4) };
    const apply = (moments: (GPUBuffer | undefined)[]) => {
      const ranges = variables.map((v) => `vec2u(${offsets.get(v.layer)! + v.offset}u, ${v.vectors}u)`).join(', ');
      const normsKernel: KernelSource = {
        label: 'norms',
        code: `${normsSource}\n${workgroupSum}\nfn variable_range(v: u32) -> vec2u {\n  var ranges = array<vec2u, ${variables.length}>(${ranges});\n  return ranges[v];\n}\n`,
        entry: 'norms_of',
        bindings: ['read', 'write'],
        constants: strides,
      };
      this.compileDispatch(normsKernel, [gradients, norms], false, () => [variables.length, 1], members.count, `the squared norms of ${variables.length} variables' gradients`, this.dispatches);
      const optimizer = optimizerDefinition(spec.optimizer);
      const { clipnorm, globalClipnorm } = spec.optimizer;
      const limit = constants.float(clipnorm > 0 ? clipnorm : globalClipnorm);
      const norm = `norms[member * NORMS_STRIDE + v]`;
      const factor = clipnorm > 0
        ? `fn clip_factor(v: u32) -> f32 {\n  let limit = ${limit};\n  return limit / max(sqrt(${norm}), limit);\n}\n`
        : `fn clip_factor(v: u32) -> f32 {\n  let limit = ${limit};\n  var total = 0.0;\n  for (var k = 0u; k < ${variables.length}u; k++) { total += norms[member * NORMS_STRIDE + k]; }\n  return limit / max(sqrt(total), limit);\n}\n`;
      for (const l of cores) {
        const own = variables.map((v, k) => ({ ...v, k })).filter((v) => v.layer === l);
        const cases = own.map((v) => `  if (i >= ${v.offset}u && i < ${v.offset + v.vectors}u) { return ${v.k}u; }\n`).join('');
        this.add({
          name: 'apply',
          sources: [applySource, `fn variable_of(i: u32) -> u32 {\n${cases}  return NONE;\n}\n${factor}`],
          entry: 'apply',
          constants: { OFFSET: offsets.get(l)!, ...strides },
          bindings: [{ kind: 'read', resource: gradients }, { kind: 'read', resource: norms }],
          epilogues: [updateEpilogue(optimizer, spec.optimizer, parameters[l]!, moments[l], members, constants)],
          workgroups: () => [1, ceil(vectorsOf(l), 64)],
          text: `layer ${l}  its gradients clipped to ${clipnorm > 0 ? `a norm of ${clipnorm}` : `a global norm of ${globalClipnorm}`}, then updated by ${spec.optimizer.name}`,
        });
      }
    };
    return { gradients, offsets, apply };
  }

  /**
   * Where the output is scored: the scores buffer, with each stat at each epoch position (scoring.ts) for each
   * member, and which kernel writes each. Element-wise outputs are scored in the forward's epilogue; a softmax's
   * rows, and the stats that need a whole row, in the row kernel.
   */
  private heads(labels: GPUBufferBinding, units: number, rowWise: boolean, deltas: GPUBuffer | undefined): { elementHead?: ElementHead; rowHead?: RowHead } {
    const { spec } = this;
    const loss = losses[spec.loss];
    const scoring = new Scoring(spec.metrics, this.data.x.rows, units, rowWise ? 'row' : 'element', this.data.sampleWeight !== undefined);
    if (scoring.floats * 4 > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `y: expected at most ${bindingLimit(this.device)} bytes of per-row scores on this device, got ${scoring.floats * 4}`);
    const scores = this.memberBuffer('scores', scoring.floats * 4, BufferUsage.STORAGE | BufferUsage.COPY_SRC | BufferUsage.COPY_DST);
    this.scores = { buffer: scores, scoring, penalties: [], result: undefined!, resultStride: 0 };
    const metricStats = scoring.metrics.flatMap((m) => m.stats);
    const inEmit = rowWise ? [] : metricStats.filter((stat) => stat.per === 'element');
    const inRows = metricStats.filter((stat) => !inEmit.includes(stat));
    const rowKernel = rowWise || inRows.length > 0;
    const sampleWeight = this.wordsLayout().sampleWeightWgsl(this.data.sampleWeight !== undefined);
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

  /** The words' layout as far as it is known before the run's constants are (the order and the sample weights). */
  private wordsLayout(runConstants = 0): WordsLayout {
    const { data } = this;
    const weights = data.sampleWeight === undefined ? 'none' : Array.isArray(data.sampleWeight) ? 'members' : 'shared';
    return new WordsLayout(data.x.rows, this.members.count, data.ownOrders ?? false, runConstants, weights, this.steps.length, this.scalars);
  }

  private async schedulePlan(parameters: (GPUBuffer | undefined)[], moments: (GPUBuffer | undefined)[]): Promise<void> {
    const { spec, capacity, members, constants } = this;
    const { x, y } = this.data;
    const training = this.mode === 'train';
    const scoring = this.mode !== 'predict';
    const storage = BufferUsage.STORAGE;
    const { blocks } = this;
    const last = blocks.length - 1;
    const outputLayer = spec.layers.length - 1;
    const units = blocks[last].width;

    // Each block's output and, in training, the deltas dJ/dz of its layer's product, for each member: hidden blocks'
    // rows padded to vec4s, the output's [rows × units] as it is read back.
    const outputs = blocks.map((block, b) =>
      this.memberBuffer(`output of layer ${block.core}`, capacity * (b === last ? block.width : padded(block.width)) * 4, storage | BufferUsage.COPY_SRC),
    );
    this.output = outputs[last];
    const deltas = blocks.map((block) => (training ? this.memberBuffer(`deltas of layer ${block.core}`, capacity * padded(block.width) * 4, storage) : undefined));
    if (x.rows * 4 > bindingLimit(this.device)) throw new WebGPUNNError('INVALID_ARGUMENT', `x: expected at most ${bindingLimit(this.device) / 4} rows on this device, got ${x.rows}`);
    const whole = (m: DeviceMatrix, what: string) => {
      if (m.chunks.length > 1) throw new WebGPUNNError('INVALID_ARGUMENT', `${what}: expected at most ${bindingLimit(this.device)} bytes (this device's largest binding), got ${m.rows * m.cols * 4}`);
      const { buffer, offset, size } = m.chunks[0];
      return { buffer, offset, size };
    };

    const rowWise = blocks[last].softmax;
    const { elementHead, rowHead } = scoring ? this.heads(whole(y!, 'labels'), units, rowWise, deltas[last]) : {};

    // Layer 0 reads the dataset through the epoch order; a dataset too large for one binding, or an app's buffer
    // whose rows are not whole vec4s, is first gathered, chunk by chunk, into a batch buffer the members share.
    const gathered = x.chunks.length > 1 || x.stride % 4 !== 0;
    if (gathered && this.data.ownOrders) throw new WebGPUNNError('INVALID_ARGUMENT', 'fit({ shuffle }): expected one order for every member where the rows are gathered into batches (data larger than one binding, or an app buffer whose rows are not whole vec4s), got an order per member');
    const dataset = gathered ? this.buffer('batch', capacity * padded(x.cols) * 4, storage) : whole(x, 'x');
    for (const chunk of gathered ? x.chunks : []) {
      this.add(
        {
          name: 'gather',
          sources: [gather],
          entry: 'gather',
          constants: { COLS: x.cols, STRIDE: x.stride, FIRST_ROW: chunk.firstRow, CHUNK_ROWS: chunk.rows },
          bindings: [{ kind: 'read', resource: chunk }, { kind: 'write', resource: dataset }],
          workgroups: (rows) => [1, ceil(rows * x.cols, 64)],
          text: `x rows ${chunk.firstRow}..${chunk.firstRow + chunk.rows - 1} of this step into the batch`,
        },
        true,
      );
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
        members,
        constants,
        product: (r: number, c: number, inner: number) => this.product(r, c, inner),
        dispatch: (request: KernelRequest) => this.add(request),
      };
    };
    const core = (b: number) => layerDefinition(spec.layers[blocks[b].core]).gpu as CoreGpu<LayerSpecBase>;

    // A network small enough trains the whole pass in one dispatch, a workgroup for each member; the rest, step by step.
    this.epoch = training && !this.data.stepwise
      ? epochKernel({
          device: this.device, spec, blocks, capacity, steps: this.steps.length, stepStride: this.stepStride,
          dataset: gathered ? undefined : whole(x, 'x'), output: outputs[last], head: rowHead ? undefined : elementHead, parameters, moments,
          members, constants, stepConstants: this.stepConstants(members.count),
          memberBuffer: (label, size, usage) => this.memberBuffer(label, size, usage),
        })
      : undefined;
    if (this.epoch) {
      const resources: Resource[] = [WHOLE_STEP_TABLE, WORDS, ...this.epoch.bindings.map((b) => b.resource)];
      this.compileDispatch(this.epoch.kernel, resources, true, () => [1, 1], members.count, this.epoch.text, this.dispatches);
    }
    const perStep = !this.epoch;

    // Forward: each block's product, its operations and, at the output, the scores.
    for (const [b, block] of (perStep ? blocks : []).entries()) {
      const output = { buffer: outputs[b], width: block.width, padded: b !== last };
      await this.schedule((c) => core(b).forward(c), { ...context(b), emit: outputEpilogue(block.ops, output, members, b === last ? elementHead : undefined), training });
    }
    if (perStep && (rowWise || rowHead)) {
      const what = [rowWise ? 'softmax of each row' : '', rowHead?.loss ? `${spec.loss} and dJ/dz = a − y` : '', rowHead?.stats.length ? 'metrics' : '']
        .filter(Boolean)
        .join(', ');
      this.add({
        name: rowWise ? (rowHead?.loss ? 'softmax_loss' : 'softmax') : 'row_scores',
        sources: [rowKernel],
        entry: 'rows',
        constants: { UNITS: units, SOFTMAX: rowWise ? 1 : 0, OUTPUTS_STRIDE: members.stride(outputs[last], 4) },
        bindings: [{ kind: 'write', resource: outputs[last] }],
        epilogues: [scoreRow(rowHead, what, members)],
        workgroups: (stepRows) => [1, ceil(stepRows, 64)],
        text: `layer ${outputLayer}  ${what}`,
      });
    }

    // Backpropagation and the update, last block first: each layer's deltas carried back through the previous
    // block's operations, and its parameters updated by the optimizer where their gradient is computed; or, where
    // the optimizer clips by a norm, its gradients kept, and the updates made once every norm is known.
    if (training && perStep) {
      const optimizer = optimizerDefinition(spec.optimizer);
      const clipping = clipsByNorm(spec.optimizer) ? this.normClipping(blocks.map((block) => block.core), parameters) : undefined;
      for (let b = last; b >= 0; b--) {
        const l = blocks[b].core;
        const prior = b > 0 ? priorEpilogue(blocks[b - 1].ops, outputs[b - 1], blocks[b - 1].width, deltas[b - 1]!, members) : undefined;
        const update = clipping
          ? deferredEpilogue(parameters[l]!, clipping.gradients, clipping.offsets.get(l)!, members)
          : updateEpilogue(optimizer, spec.optimizer, parameters[l]!, moments[l], members, constants);
        await this.schedule((c) => core(b).backward(c), { ...context(b), deltas: deltas[b]!, prior, update, penalty: (perStep: number) => this.penalty(perStep) });
      }
      clipping?.apply(moments);
    }

    if (this.scores) {
      const { scoring, buffer, penalties } = this.scores;
      const summed = scoring.summed();
      const result = (this.scores.result = this.memberBuffer('results', (scoring.resultFloats + penalties.length) * 4, storage | BufferUsage.COPY_SRC));
      this.scores.resultStride = result.size / members.count / 4;
      const strides = { scores: members.stride(buffer, 4), results: members.stride(result, 4) };
      const kernel = reduceKernel(summed.map((stat) => [stat.offset, scoring.count(stat), 1]), 0, strides);
      const count = members.count;
      this.compileDispatch(kernel, [buffer, result], false, () => [summed.length, 1], count, `the sums of ${summed.map((stat) => stat.name).join(', ')} over ${x.rows} rows`, this.reductions);
      for (const { thresholds, stats, result: first } of scoring.curves()) {
        const bins = curveKernel(thresholds, stats, scoring.count(stats[0]), first, strides);
        this.compileDispatch(bins, [buffer, result], false, () => [thresholds.length, 1], count, `${stats[0].name.replace(' predictions', '')}'s true and false positives at ${thresholds.length} thresholds`, this.reductions);
      }
      penalties.forEach(({ buffer: values, perStep }, k) => {
        const penaltyKernel = reduceKernel([[0, perStep * this.steps.length, x.rows]], scoring.resultFloats + k, { scores: members.stride(values, 4), results: strides.results });
        this.compileDispatch(penaltyKernel, [values, result], false, () => [1, 1], count, "a layer's penalties over the pass, for the loss", this.reductions);
      });
    }
  }
}
