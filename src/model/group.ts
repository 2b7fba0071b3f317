// ModelGroup: many models of one structure trained side by side. On WebGPU the members share every dispatch of a
// step (the kernels have a member dimension: runtime/members.ts), so N small models train for little more than the
// price of one; a learning-rate sweep, seeds, k-fold cross-validation and ensembles become one run. Each member is a
// Sequential of its own: it trains exactly as it would alone from the same weights with the same options, and can
// predict, evaluate, save or fit on its own.
import type { Data, EpochLogs, GroupBackend, GroupFitRequest, Scores } from '../backend';
import { type MonitorMode, checkMode, monitorDirection } from '../callbacks/monitor';
import type { Callback } from '../callbacks/callback';
import { WebGPUNNError, describe, invalid, positiveInteger } from '../errors';
import { metricDefinition } from '../metrics/registry';
import type { GPUMatrix, Matrix, MatrixLike } from '../matrix';
import { epochOrder } from '../random';
import { CpuGroup } from '../reference/cpu-group';
import { GpuBackend, type GpuOptions } from '../runtime/gpu-backend';
import { MemberView } from '../runtime/member-view';
import type { Tuning, TuningTable } from '../runtime/tuning-table';
import type { NetworkSpec } from '../spec';
import { type FitOptions, type History, epochSize, parseFitOptions, splitRows, validationEpochs } from './fit-options';
import type { Loss, LossName } from './losses';
import type { MetricLike } from './metrics';
import { Optimizer } from './optimizers';
import { type ClassWeight, type SampleWeightLike, checkClassWeight, checkSampleWeight, classWeightsOf } from './sample-weights';
import { type BackendName, type CompileOptions, Sequential, type Settled } from './sequential';
import { TrainingSession } from './session';

/** A value for every member, a list with one per member, or a function of the member's index. */
export type PerMember<T> = T | T[] | ((member: number) => T);

/** A value for every member, or a function of the member's index (for options whose value is itself a list). */
export type EachMember<T> = T | ((member: number) => T);

export interface GroupCompileOptions {
  /** The same loss for every member (a function or list must give the same one). */
  loss: PerMember<Loss | LossName>;
  /** Each member's optimizer: of one kind for all, its hyperparameters and learning rate free. An instance given for all is copied for each. */
  optimizer?: PerMember<Optimizer | 'sgd' | 'adam' | 'adamw' | 'rmsprop'>;
  metrics?: MetricLike[];
  weightedMetrics?: MetricLike[];
  /** Each member's seed: its initial weights, its dropout masks, and its order where members shuffle on their own. */
  seed?: PerMember<number>;
  backend?: BackendName;
  device?: GPUDevice;
  gpu?: GPU;
  /** WebGPU: as Sequential's `compile({ tuning })`, for the group's products, which its members share. */
  tuning?: Tuning;
}

export interface GroupFitOptions<D = MatrixLike | GPUMatrix> extends Omit<FitOptions<D>, 'sampleWeight' | 'classWeight' | 'validationData' | 'callbacks' | 'onEpochEnd' | 'onBatchEnd' | 'shuffle' | 'verbose'> {
  /** Shuffle each epoch: one order for every member (true, the default, from member 0's seed), or 'each': each member its own, as it would alone. */
  shuffle?: boolean | 'each';
  /** Each member's weight per row (a member given undefined weighs every row 1): cross-validation folds, bootstrap counts. */
  sampleWeight?: EachMember<SampleWeightLike | undefined>;
  classWeight?: PerMember<ClassWeight | undefined>;
  /** [x, y] or [x, y, sampleWeight] with each member's weights, scored after each epoch. */
  validationData?: [D, D] | [D, D, EachMember<SampleWeightLike>];
  /** Each member's callbacks (EarlyStopping stops that member; the others train on). */
  callbacks?: (member: number) => Callback[];
  /** Called after each epoch with every member's logs (undefined for a member that no longer trains). */
  onEpochEnd?: (epoch: number, logs: (EpochLogs | undefined)[]) => void | Promise<void>;
}

/** What crossValidate reports: each fold's model's history, its scores on its held-out rows, and their mean. */
export interface CrossValidation {
  histories: History[];
  folds: Scores[];
  mean: Scores;
}

const isFunction = (value: unknown): value is (member: number) => unknown => typeof value === 'function';

export class ModelGroup {
  /** The members: Sequentials of their own, trained side by side. */
  readonly members: Sequential[];
  /** For each member, the epoch whose loss was not finite in the last fit, where it stopped while the others trained on. */
  diverged: (number | undefined)[] = [];
  private backend: GroupBackend | undefined;
  private memberOptions: CompileOptions[] = [];
  private histories: History[] = [];
  private fitting = false;

  constructor(members: Sequential[]) {
    if (!Array.isArray(members) || members.length === 0) throw invalid('ModelGroup(members)', 'a non-empty array of Sequential models', members);
    members.forEach((member, i) => {
      if (!(member instanceof Sequential)) throw invalid(`ModelGroup(members)[${i}]`, 'a Sequential', member);
      if (members.indexOf(member) !== i) throw invalid(`ModelGroup(members)[${i}]`, 'a model not already in the group', `members[${members.indexOf(member)}] again`);
    });
    this.members = [...members];
  }

  get size(): number {
    return this.members.length;
  }

  /**
   * Compiles every member with its own options (each a value, a list of one per member, or a function of the
   * index), and builds the group's backend: on WebGPU one set of buffers and pipelines for all. The members must
   * have their input width (a first layer with inputDim or inputShape) and one structure.
   */
  async compile(options: GroupCompileOptions): Promise<void> {
    this.idle('compile');
    if (options === null || typeof options !== 'object') throw invalid('ModelGroup.compile(options)', 'an object like { loss, optimizer }', options);
    const each = <T>(argument: string, value: PerMember<T> | undefined) => this.perMember(`ModelGroup.compile({ ${argument} })`, value);
    const losses = each('loss', options.loss);
    const optimizers = each('optimizer', options.optimizer);
    const seeds = each('seed', options.seed);
    const memberOptions = this.members.map((_, i): CompileOptions => {
      const optimizer = optimizers[i];
      // An instance given for every member is copied for each: each member's rate is its own to change.
      const own = optimizer instanceof Optimizer && optimizers.filter((o) => o === optimizer).length > 1 ? new Optimizer(structuredClone(optimizer.spec)) : optimizer;
      return { loss: losses[i]!, optimizer: own, metrics: options.metrics, weightedMetrics: options.weightedMetrics, seed: seeds[i], backend: options.backend, device: options.device, gpu: options.gpu, tuning: options.tuning };
    });
    const settled: Settled[] = this.members.map((member, i) => {
      try {
        return Sequential.internals(member).settle(memberOptions[i]);
      } catch (error) {
        if (error instanceof WebGPUNNError) error.message = `ModelGroup member ${i}: ${error.message}`;
        throw error;
      }
    });
    const specs = this.members.map((member, i) => {
      const internals = Sequential.internals(member);
      if (internals.inputDim() === undefined) throw invalid(`ModelGroup(members)[${i}].layers[0]`, 'a first layer with inputDim or inputShape (the group builds its members when it compiles)', 'none');
      return internals.network(settled[i].compiled);
    });
    specs.forEach((spec, i) => {
      if (spec.loss !== specs[0].loss) throw invalid(`ModelGroup.compile({ loss })(${i})`, `the loss of member 0 ('${specs[0].loss}'): one loss for the whole group`, spec.loss);
      if (shape(spec) !== shape(specs[0])) throw invalid(`ModelGroup(members)[${i}]`, `the layers of member 0 (${shape(specs[0])})`, shape(spec));
      if (spec.optimizer.name !== specs[0].optimizer.name) throw invalid(`ModelGroup.compile({ optimizer })(${i})`, `the optimizer of member 0 (${specs[0].optimizer.name}): one kind for the whole group`, spec.optimizer.name);
    });
    const weights = await Promise.all(this.members.map((member, i) => Sequential.internals(member).weights(settled[i].seed)));
    const backend = await openGroup(settled[0].backend, settled[0].gpuOptions, specs, weights);
    this.backend?.dispose();
    this.backend = backend;
    this.members.forEach((member, i) => Sequential.internals(member).adopt(settled[i], new MemberView(backend, i, false)));
    this.memberOptions = memberOptions;
  }

  /** Trains every member side by side; resolves with each member's history. */
  async fit(x: MatrixLike | GPUMatrix, y: MatrixLike | GPUMatrix, options: GroupFitOptions = {}): Promise<History[]> {
    const backend = this.built('fit');
    this.idle('fit');
    if (options === null || typeof options !== 'object') throw invalid('ModelGroup.fit(x, y, options)', 'an object like { epochs, batchSize }', options);
    const { shuffle = true, sampleWeight, classWeight, validationData, callbacks, onEpochEnd, ...shared } = options;
    if (shuffle !== true && shuffle !== false && shuffle !== 'each') throw invalid('ModelGroup.fit({ shuffle })', "true, false or 'each'", shuffle);
    if (callbacks !== undefined && !isFunction(callbacks)) throw invalid('ModelGroup.fit({ callbacks })', 'a function of the member index returning its callbacks', callbacks);
    if (onEpochEnd !== undefined && !isFunction(onEpochEnd)) throw invalid('ModelGroup.fit({ onEpochEnd })', 'a function (epoch, logs of every member) => void', onEpochEnd);
    if (validationData !== undefined && (!Array.isArray(validationData) || (validationData.length !== 2 && validationData.length !== 3))) {
      throw invalid('ModelGroup.fit({ validationData })', '[x, y] or [x, y, sampleWeight]', validationData);
    }
    const first = Sequential.internals(this.members[0]);
    // The shared options, checked once; the data, checked once, split once.
    const o = parseFitOptions({ ...shared, shuffle: shuffle !== false, validationData: validationData && [validationData[0], validationData[1]] });
    const { data, validation } = first.fitData(x, y, o);
    const rows = data.x.shape[0];
    const gpu = first.runsOnWebGPU();
    // With validationSplit, the weights are given for every row and split as the rows were.
    const given = !validationData && o.validationSplit > 0 ? rows + validation!.x.shape[0] : rows;
    const classWeights = this.perMember('ModelGroup.fit({ classWeight })', classWeight);
    // Each member's training weights and, where validationSplit split them with the rows, its validation weights.
    const splitWeights: (Data | undefined)[] = this.members.map(() => undefined);
    const weights = this.members.map((_, i) => {
      const own = this.eachMember('ModelGroup.fit({ sampleWeight })', sampleWeight, i);
      if (own !== undefined && classWeights[i] !== undefined) throw invalid(`ModelGroup.fit({ classWeight })(${i})`, 'no classWeight beside sampleWeight (give one or the other)', classWeights[i]);
      if (classWeights[i] !== undefined) {
        if (!('data' in data.y)) throw invalid('ModelGroup.fit({ classWeight })', 'labels from the CPU (give sampleWeight for labels in a GPUBuffer)', 'a GPUBuffer');
        return classWeightsOf(checkClassWeight(`ModelGroup.fit({ classWeight })(${i})`, classWeights[i]), data.y as Matrix);
      }
      if (own === undefined) return undefined;
      const checked = checkSampleWeight(`ModelGroup.fit({ sampleWeight })(${i})`, own, given, gpu);
      if (given === rows) return checked;
      if (!('data' in checked)) throw invalid('ModelGroup.fit({ validationSplit })', 'data from the CPU (use validationData with GPU buffers)', 'a GPUBuffer');
      const [train, held] = splitRows(checked, rows);
      splitWeights[i] = held;
      return train;
    });
    const validationRows = validation?.x.shape[0] ?? 0;
    const validationWeights = validation && validationData?.length === 3
      ? this.members.map((_, i) => checkSampleWeight(`ModelGroup.fit({ validationData })[2](${i})`, this.eachMember('ModelGroup.fit({ validationData })[2]', validationData[2], i), validationRows, gpu))
      : splitWeights.some((w) => w !== undefined)
        ? splitWeights.map((w) => w ?? ones(validationRows))
        : undefined;
    const memberOptions = this.members.map((_, i) => parseFitOptions({ ...shared, shuffle: shuffle !== false, callbacks: callbacks?.(i) ?? [] }));
    const sessions = this.members.map((member, i) => new TrainingSession(member, 'ModelGroup.fit', memberOptions[i], Sequential.internals(member).compiled('fit').metrics, epochSize(o, rows), 'stop'));
    const randoms = this.members.map((member) => Sequential.internals(member).shuffleRandom());
    let unshuffled: Uint32Array | undefined;

    this.fitting = true;
    this.members.forEach((member) => Sequential.internals(member).setFitting(true));
    try {
      for (const session of sessions) await session.begin();
      const request: GroupFitRequest = {
        ...data,
        sampleWeight: weights.some((w) => w !== undefined) ? weights.map((w) => w ?? ones(rows)) : undefined,
        validation: validation && { ...validation, sampleWeight: validationWeights, batchSize: o.validationBatchSize, freq: validationEpochs(o) },
        epochs: o.epochs - o.initialEpoch,
        batchSize: o.batchSize,
        ownOrders: shuffle === 'each',
        nextOrder:
          shuffle === 'each' ? () => randoms.map((random) => epochOrder(rows, true, random)) : o.shuffle ? () => epochOrder(rows, true, randoms[0]) : () => (unshuffled ??= epochOrder(rows, false, randoms[0])),
        epochBegin: sessions.some((s) => s.has('onEpochBegin')) ? async (index) => void (await Promise.all(sessions.map((s) => s.epochBegin(index)))) : undefined,
        epochEnd: async (index, logs) => {
          const stops: boolean[] = [];
          for (const [i, session] of sessions.entries()) stops.push(logs[i] === undefined || (await session.epochEnd(index, logs[i]!)));
          await onEpochEnd?.(o.initialEpoch + index, logs);
          return stops;
        },
        batchEnd: sessions.some((s) => s.has('onBatchEnd'))
          ? async (batch, scores) => {
              for (const [i, session] of sessions.entries()) if (scores[i]) await session.batchEnd(batch, scores[i]!);
            }
          : undefined,
      };
      await backend.fit(request);
      this.members.forEach((member) => Sequential.internals(member).setFitting(false));
      for (const session of sessions) await session.end();
      this.histories = sessions.map((s) => s.history);
      this.diverged = sessions.map((s) => s.diverged);
      const diverged = this.diverged.flatMap((epoch, i) => (epoch === undefined ? [] : [`member ${i} at epoch ${epoch}`]));
      if (diverged.length > 0) console.warn(`webgpu-nn: ModelGroup.fit: the loss of ${diverged.join(', ')} was not finite; they stopped there, the others trained on`);
      return this.histories;
    } finally {
      this.fitting = false;
      this.members.forEach((member) => Sequential.internals(member).setFitting(false));
    }
  }

  /** Each member's outputs for the rows of x; with `mean`, the ensemble's: their mean. */
  async predict(x: MatrixLike | GPUMatrix, options?: { batchSize?: number; mean?: false }): Promise<Matrix[]>;
  async predict(x: MatrixLike | GPUMatrix, options: { batchSize?: number; mean: true }): Promise<Matrix>;
  async predict(x: MatrixLike | GPUMatrix, options: { batchSize?: number; mean?: boolean } = {}): Promise<Matrix[] | Matrix> {
    const backend = this.built('predict');
    if (options === null || typeof options !== 'object') throw invalid('ModelGroup.predict(x, options)', 'an object like { mean: true }', options);
    const input = Sequential.internals(this.members[0]).checkInput('ModelGroup.predict(x)', x);
    const batchSize = options.batchSize === undefined ? undefined : positiveInteger('ModelGroup.predict({ batchSize })', options.batchSize);
    const outputs = await backend.predict(input, batchSize);
    if (!options.mean) return outputs;
    const mean = new Float32Array(outputs[0].data.length);
    for (const { data } of outputs) for (let i = 0; i < mean.length; i++) mean[i] += data[i] / outputs.length;
    return { shape: outputs[0].shape, data: mean };
  }

  /** Each member's scores on x and y (with each member's sample weights, where given). */
  async evaluate(x: MatrixLike | GPUMatrix, y: MatrixLike | GPUMatrix, options: { batchSize?: number; sampleWeight?: EachMember<SampleWeightLike> } = {}): Promise<Scores[]> {
    const backend = this.built('evaluate');
    if (options === null || typeof options !== 'object') throw invalid('ModelGroup.evaluate(x, y, options)', 'an object like { sampleWeight }', options);
    const first = Sequential.internals(this.members[0]);
    const data = first.checkData('ModelGroup.evaluate', x, y);
    const { sampleWeight } = options;
    const weights = sampleWeight === undefined ? undefined : this.members.map((_, i) => checkSampleWeight(`ModelGroup.evaluate({ sampleWeight })(${i})`, this.eachMember('ModelGroup.evaluate({ sampleWeight })', sampleWeight, i), data.x.shape[0], first.runsOnWebGPU()));
    const batchSize = options.batchSize === undefined ? undefined : positiveInteger('ModelGroup.evaluate({ batchSize })', options.batchSize);
    return backend.evaluate({ ...data, sampleWeight: weights }, batchSize);
  }

  getWeights(member: number): Promise<Float32Array[]> {
    return this.member('getWeights', member).getWeights();
  }

  setWeights(member: number, weights: Float32Array[] | number[][]): Promise<void> {
    return this.member('setWeights', member).setWeights(weights);
  }

  /**
   * The member that did best in the last fit by `monitor` at its last epoch (mode 'auto': smaller losses, a metric's
   * own way), as a standalone Sequential compiled with that member's options and holding its weights.
   */
  async best(monitor = 'val_loss', mode: MonitorMode = 'auto'): Promise<Sequential> {
    this.built('best');
    checkMode('ModelGroup.best(monitor, mode)', mode);
    if (this.histories.length === 0) throw new WebGPUNNError('NOT_COMPILED', 'ModelGroup.best(): expected a fit to have run, got none');
    const metrics = Sequential.internals(this.members[0]).compiled('best').metrics;
    const params = { epochs: 0, steps: 0, samples: 0, verbose: 0, metrics: Object.fromEntries(metrics.map((m) => [m.key, metricDefinition(m).direction])) };
    const direction = monitorDirection('ModelGroup.best(monitor)', monitor, mode, params);
    const finals = this.histories.map((h) => h[monitor]?.at(-1));
    if (finals.every((v) => v === undefined)) throw invalid('ModelGroup.best(monitor)', `a column of the last fit's histories (${Object.keys(this.histories[0]).join(', ')})`, monitor);
    const better = (a: number, b: number) => (direction === 'up' ? a > b : a < b);
    let best = -1;
    finals.forEach((v, i) => {
      if (v !== undefined && Number.isFinite(v) && (best < 0 || better(v, finals[best]!))) best = i;
    });
    if (best < 0) throw new WebGPUNNError('DIVERGED', `ModelGroup.best('${monitor}'): every member's last ${monitor} is not finite`);
    const model = new Sequential(this.members[best].layers);
    const optimizer = this.members[best].optimizer!;
    await model.compile({ ...this.memberOptions[best], optimizer: new Optimizer(structuredClone(optimizer.spec)) });
    await model.setWeights(await this.members[best].getWeights());
    return model;
  }

  /**
   * k-fold cross-validation in one run: member i (of k = the group's size) trains on every row but fold i's (sample
   * weight 0 on them) and validates on fold i's (weight 1 there, 0 elsewhere). Folds are contiguous, the first
   * rows % k one row longer (scikit-learn's KFold without shuffling: shuffle the rows first for random folds). With
   * sample weights Keras's val_loss is Σ w · L over all the rows, so the history's val_ scores are scaled by the
   * fold's share of the rows; `folds` are each member's scores on its held-out rows alone, and `mean` their mean.
   */
  async crossValidate(x: MatrixLike, y: MatrixLike, options: Omit<GroupFitOptions<MatrixLike>, 'sampleWeight' | 'classWeight' | 'validationData' | 'validationSplit'> = {}): Promise<CrossValidation> {
    this.built('crossValidate');
    const first = Sequential.internals(this.members[0]);
    const data = first.checkData('ModelGroup.crossValidate', x, y);
    if (!('data' in data.x) || !('data' in data.y)) throw invalid('ModelGroup.crossValidate(x, y)', 'data from the CPU', 'a GPUBuffer');
    const [rows, k] = [data.x.shape[0], this.size];
    if (rows < k) throw invalid('ModelGroup.crossValidate(x)', `at least as many rows as folds (${k}, the group's size)`, rows);
    const bounds = Array.from({ length: k + 1 }, (_, i) => i * Math.floor(rows / k) + Math.min(i, rows % k));
    const inFold = (i: number) => Float32Array.from({ length: rows }, (_, r) => Number(r >= bounds[i] && r < bounds[i + 1]));
    const histories = await this.fit(data.x, data.y, {
      ...options,
      sampleWeight: (i) => inFold(i).map((v) => 1 - v),
      validationData: [data.x, data.y, (i) => inFold(i)],
    });
    const fold = (m: Matrix, i: number) => ({ shape: [bounds[i + 1] - bounds[i], m.shape[1]] as [number, number], data: m.data.subarray(bounds[i] * m.shape[1], bounds[i + 1] * m.shape[1]) });
    const folds = await Promise.all(this.members.map((member, i) => member.evaluate(fold(data.x as Matrix, i), fold(data.y as Matrix, i))));
    const mean = Object.fromEntries(Object.keys(folds[0]).map((key) => [key, folds.reduce((s, f) => s + f[key], 0) / k])) as Scores;
    return { histories, folds, mean };
  }

  /** What one training step of every member at this batch size runs: the same dispatches as one member's. */
  describeTrainingStep(batchSize = 32): Promise<string> {
    const backend = this.built('describeTrainingStep');
    return backend.describeTrainingStep(positiveInteger('ModelGroup.describeTrainingStep(batchSize)', batchSize));
  }

  /**
   * The group's matrix products' kernels chosen so far by `compile({ tuning })`, as Sequential's `getTuning()`: for
   * a later group of the same size and structure. Undefined before compile, without tuning or on the CPU.
   */
  getTuning(): TuningTable | undefined {
    return this.backend?.tuning?.();
  }

  /** Frees the group's buffers; the members are disposed with it. */
  dispose(): void {
    this.members.forEach((member) => member.dispose());
    this.backend?.dispose();
    this.backend = undefined;
  }

  private built(call: string): GroupBackend {
    if (!this.backend) throw new WebGPUNNError('NOT_COMPILED', `ModelGroup.${call}: expected a compiled group, got one not compiled: call compile({ loss, optimizer }) first`);
    return this.backend;
  }

  private idle(call: string): void {
    if (this.fitting) throw new WebGPUNNError('BUSY', `ModelGroup.${call}: expected no fit in progress on this group, got one running`);
  }

  private member(call: string, index: number): Sequential {
    this.built(call);
    if (!Number.isInteger(index) || index < 0 || index >= this.size) throw invalid(`ModelGroup.${call}(member)`, `a member index in [0, ${this.size})`, index);
    return this.members[index];
  }

  /** An option's value for each member: one value for all, a list of one per member, or a function of the index. */
  private perMember<T>(argument: string, value: PerMember<T> | undefined): (T | undefined)[] {
    if (Array.isArray(value)) {
      if (value.length !== this.size) throw invalid(argument, `one value per member (${this.size})`, value);
      return value;
    }
    return this.members.map((_, i) => this.eachMember(argument, value as EachMember<T> | undefined, i));
  }

  /** An option's value for member i: one value for all, or a function of the index. */
  private eachMember<T>(argument: string, value: EachMember<T> | undefined, i: number): T | undefined {
    if (!isFunction(value)) return value;
    try {
      return value(i) as T;
    } catch (error) {
      throw invalid(`${argument}(${i})`, 'a function of the member index that returns its value', `an error: ${describe((error as Error).message)}`);
    }
  }
}

/** A network's layers, for messages: 'dense 400 → 25 sigmoid → ...'. */
function shape(spec: NetworkSpec): string {
  return [String(spec.layers[0].inputs), ...spec.layers.map((l) => `${l.kind} ${l.units}${l.activation ? ` ${l.activation}` : ''}`)].join(' → ');
}

const ones = (rows: number): Matrix => ({ shape: [rows, 1], data: new Float32Array(rows).fill(1) });

let warnedFallback = false;

/** The group's backend: WebGPU (one set of buffers and pipelines for all), or the CPU reference. */
async function openGroup(kind: BackendName, gpu: GpuOptions, specs: NetworkSpec[], weights: Float32Array[][]): Promise<GroupBackend> {
  if (kind === 'cpu') return new CpuGroup(specs, weights);
  try {
    return await GpuBackend.create(specs, weights, gpu);
  } catch (error) {
    if (kind === 'auto' && error instanceof WebGPUNNError && error.code === 'WEBGPU_UNAVAILABLE') {
      if (!warnedFallback) console.warn(`webgpu-nn: ${error.message}; training the group on the CPU reference instead`);
      warnedFallback = true;
      return new CpuGroup(specs, weights);
    }
    throw error;
  }
}
