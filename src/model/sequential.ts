import type { Backend, Data, Scored, Scores, TrainingHooks } from '../backend';
import { WebGPUNNError, invalid, positiveInteger } from '../errors';
import { layerDefinition, layers } from '../layers/registry';
import type { LayerSpec } from '../layers/registry';
import { labelColumns } from '../losses/loss';
import { losses } from '../losses/registry';
import { type GPUMatrix, type Matrix, type MatrixLike, assertFinite, checkGPUMatrix, isGPUMatrix, toMatrix } from '../matrix';
import { epochOrder, seededRandom } from '../random';
import { CpuBackend } from '../reference/cpu-backend';
import { BufferUsage } from '../runtime/flags';
import type { GpuOptions } from '../runtime/gpu-backend';
import { MemberView } from '../runtime/member-view';
import { type Tuning, type TuningTable, parseTuning } from '../runtime/tuning-table';
import type { NetworkSpec } from '../spec';
import { type Batch, type BatchCheck, type BatchSource, BatchStream, type FitDatasetOptions, isRows, parseDatasetOptions } from './fit-dataset';
import { type FitOptions, type History, type ParsedFitOptions, epochSize, parseFitOptions, splitRows, validationEpochs } from './fit-options';
import { TrainingSession } from './session';
import { type SampleWeightLike, checkClassWeight, checkSampleWeight, classWeightsOf } from './sample-weights';
import { Layer } from './layer';
import { type Loss, type LossName, checkOutputActivation, toLoss } from './losses';
import { type MetricLike, compiledMetrics } from './metrics';
import { type LoadOptions, type ModelArtifacts, type ModelArtifactsLike, decodeModel, encodeModel } from './model-files';
import { type Optimizer, toOptimizer } from './optimizers';
import type { IOArtifacts, IOHandler, SaveResult } from './storage/artifacts';
import { loadFrom, saveTo } from './storage/router';

export type BackendName = 'auto' | 'webgpu' | 'cpu';

export interface CompileOptions {
  loss: Loss | LossName;
  /** Default: new SGD() (learning rate 0.01). */
  optimizer?: Optimizer | 'sgd' | 'adam' | 'adamw' | 'rmsprop';
  /**
   * What fit and evaluate report beside the loss, by Keras's and TF.js's names: 'accuracy' (binary, categorical or
   * sparse, as Keras picks), 'binaryAccuracy', 'categoricalAccuracy', 'sparseCategoricalAccuracy',
   * 'topKCategoricalAccuracy', 'mse', 'mae', 'precision', 'recall', 'auc', or { name, ...options }
   * ({ name: 'topKCategoricalAccuracy', k: 3 }). Computed on the GPU; the sample weights do not weigh them.
   */
  metrics?: MetricLike[];
  /** Metrics as `metrics`, weighted by the rows' sample weights (Σ w · v ÷ Σ w), as Keras's weighted_metrics. */
  weightedMetrics?: MetricLike[];
  /** 'auto' (default): WebGPU where an adapter exists, else the CPU reference with a console warning. */
  backend?: BackendName;
  /** Seeds the initial weights and the shuffling: same seed, same training. Default: random. */
  seed?: number;
  /** WebGPU: the app's own device, shared with the model (the model never destroys it). */
  device?: GPUDevice;
  /** WebGPU: where to request a device when none is given. Default `navigator.gpu`; in Node, the `webgpu` package's. */
  gpu?: GPU;
  /**
   * WebGPU: how the matrix products' kernels are chosen. Absent: by a model of the device. 'auto': a few candidates
   * timed on the device when a fit, predict or evaluate first plans a product, the fastest kept for the device; a
   * table from `model.getTuning()`: its kernels, on the adapter it was made on, and the others timed as with 'auto'.
   */
  tuning?: Tuning;
}

/** What a compile settled: the network as plain data lacks only the input width until the model is built. */
export interface Compiled {
  loss: LossName;
  optimizer: Optimizer;
  metrics: NetworkSpec['metrics'];
}

/** All that compile settles, before it opens a backend. */
export interface Settled {
  compiled: Compiled;
  seed: number;
  backend: BackendName;
  gpuOptions: GpuOptions;
}

/** The names of a call's x and y in errors: 'fit(x)', 'fit(y)'. */
const argumentsOf = (call: string) => ({ x: `${call}(x)`, y: `${call}(y)` });

/** A linear stack of layers, trained with Keras semantics. */
export class Sequential {
  readonly layers: Layer[] = [];
  /** Set to true (in onEpochEnd, say) to end the running fit after the current epoch. */
  stopTraining = false;

  private inputDim: number | undefined;
  private backend: Backend | undefined;
  private compiled: Compiled | undefined;
  private seed = 0;
  private backendKind: BackendName = 'auto';
  private gpuOptions: GpuOptions = {};
  private shuffleRandom: () => number = Math.random;
  private fitting = false;
  private disposed = false;

  constructor(layers: Layer[] = []) {
    if (!Array.isArray(layers)) throw invalid('Sequential(layers)', 'an array of layers', layers);
    layers.forEach((layer, i) => this.check(`Sequential(layers)[${i}]`, layer, i));
    layers.forEach((layer) => this.push(layer));
  }

  /** Appends a layer (before compile). */
  add(layer: Layer): void {
    this.alive();
    if (this.compiled) throw invalid('add(layer)', 'layers to be added before compile()', layer);
    this.check('add(layer)', layer, this.layers.length);
    this.push(layer);
  }

  /** The optimizer compile was given: set its learningRate between epochs to change the rate. */
  get optimizer(): Optimizer | undefined {
    return this.compiled?.optimizer;
  }

  /** 'webgpu' or 'cpu' once compiled. */
  get backendName(): 'webgpu' | 'cpu' | undefined {
    return this.backend?.name;
  }

  /** The WebGPU adapter that runs the model, e.g. 'swiftshader (fallback)'. */
  get adapterInfo(): string | undefined {
    return this.backend?.adapterInfo;
  }

  async compile(options: CompileOptions): Promise<void> {
    const settled = this.settle(options);
    // Everything that can fail happens before the model changes: a rejected compile leaves it as it was.
    let next: Backend | undefined;
    if (this.inputDim !== undefined) {
      const weights = this.backend ? await this.backend.getWeights() : this.initialWeights(settled.seed);
      next = await openBackend(settled.backend, settled.gpuOptions, this.network(settled.compiled), weights);
    }
    this.adopt(settled, next);
  }

  async fit(x: MatrixLike | GPUMatrix, y: MatrixLike | GPUMatrix, options: FitOptions<MatrixLike | GPUMatrix> = {}): Promise<History> {
    const compiled = this.compiledState('fit');
    this.idle('fit');
    const o = parseFitOptions(options);
    const { data, validation } = this.fitData(x, y, o, compiled.loss);
    const rows = data.x.shape[0];
    const session = new TrainingSession(this, 'fit', o, compiled.metrics, epochSize(o, rows), 'throw');
    let unshuffled: Uint32Array | undefined;
    return this.train(session, compiled, async () => data.x.shape[1], (hooks) =>
      this.backend!.fit({
        ...data,
        ...hooks,
        validation: validation && { ...validation, batchSize: o.validationBatchSize, freq: validationEpochs(o) },
        batchSize: o.batchSize,
        nextOrder: o.shuffle ? () => epochOrder(rows, true, this.shuffleRandom) : () => (unshuffled ??= epochOrder(rows, false, this.shuffleRandom)),
      }),
    );
  }

  /**
   * Trains on batches { xs, ys } or { xs, ys, sampleWeight } as a source gives them: an iterable, an async iterable
   * (a generator that makes or augments data as training runs) or a function that returns a new one per epoch
   * (TF.js's fitDataset). No batch may have more rows than the first; any may have fewer. An epoch is one pass over
   * the source, or `batchesPerEpoch` batches. Each batch is checked as it comes; a bad one rejects, and the model
   * keeps the weights of its last completed epoch. The history, callbacks and batch logs are fit's.
   */
  async fitDataset(source: BatchSource, options: FitDatasetOptions = {}): Promise<History> {
    const compiled = this.compiledState('fitDataset');
    this.idle('fitDataset');
    const o = parseDatasetOptions(options);
    const check: BatchCheck = (batch, where) => this.checkBatch(batch, where, compiled.loss);
    const stream = new BatchStream('fitDataset(source)', source, o.batchesPerEpoch, check, true);
    const { validationData } = o;
    const validation =
      validationData === undefined
        ? undefined
        : isRows(validationData)
          ? { ...this.validationRows('fitDataset({ validationData })', validationData, compiled.loss), batchSize: o.validationBatchSize }
          : new BatchStream('fitDataset({ validationData })', validationData, o.validationBatches, check, false);
    // Until an epoch has ended, its batches and rows are unknown (NaN) unless batchesPerEpoch says how many batches.
    const session = new TrainingSession(this, 'fitDataset', o, compiled.metrics, { steps: o.batchesPerEpoch ?? NaN, samples: NaN }, 'throw');
    try {
      return await this.train(session, compiled, async () => (await stream.first(o.initialEpoch)).x.shape[1], (hooks) =>
        this.backend!.fitStream({
          ...hooks,
          batches: (index) => stream.epoch(o.initialEpoch + index),
          validation: validation && {
            ...(validation instanceof BatchStream ? { batches: (index: number) => validation.epoch(o.initialEpoch + index) } : validation),
            freq: validationEpochs(o),
          },
          epochEnd: async (index, logs) => {
            [session.params.steps, session.params.samples] = [stream.count, stream.rows];
            return (await hooks.epochEnd(index, logs)) || stream.exhausted;
          },
        }),
      );
    } finally {
      await Promise.all([stream.close(), validation instanceof BatchStream && validation.close()]);
    }
  }

  /**
   * The outputs of the last layer for each row of x: { shape: [rows, units], data }, `batchSize` rows per step
   * (memory, not results). With `{ into }` (WebGPU), they are written into that buffer on the device instead, nothing
   * is read back, and the result names the buffer.
   */
  async predict(x: MatrixLike | GPUMatrix, options?: { batchSize?: number }): Promise<Matrix>;
  async predict(x: MatrixLike | GPUMatrix, options: { into: GPUBuffer; batchSize?: number }): Promise<GPUMatrix>;
  async predict(x: MatrixLike | GPUMatrix, options: { into?: GPUBuffer; batchSize?: number } = {}): Promise<Matrix | GPUMatrix> {
    const backend = this.built('predict');
    if (options === null || typeof options !== 'object') throw invalid('predict(x, options)', 'an object like { batchSize }', options);
    const input = this.checkInput('predict(x)', x);
    const batchSize = options.batchSize === undefined ? undefined : positiveInteger('predict({ batchSize })', options.batchSize);
    if (options.into === undefined) return backend.predict(input, batchSize);
    this.acceptsGPUData('predict({ into })');
    const { buffer } = checkGPUMatrix({ shape: [input.shape[0], this.outputWidth()], buffer: options.into }, 'predict({ into })', BufferUsage.COPY_DST, 'COPY_DST');
    return backend.predictInto!(input, buffer, batchSize);
  }

  /**
   * The loss over x and y as fit reports it (with sample weights, Keras's Σ w · loss ÷ rows), and the metrics compile
   * asked for; `batchSize` rows per step (memory, not results).
   */
  async evaluate(x: MatrixLike | GPUMatrix, y: MatrixLike | GPUMatrix, options: { batchSize?: number; sampleWeight?: SampleWeightLike } = {}): Promise<Scores> {
    const { loss } = this.compiledState('evaluate');
    const backend = this.built('evaluate');
    if (options === null || typeof options !== 'object') throw invalid('evaluate(x, y, options)', 'an object like { batchSize, sampleWeight }', options);
    const data: Scored = this.checkData(argumentsOf('evaluate'), x, y, loss);
    if (options.sampleWeight !== undefined) data.sampleWeight = checkSampleWeight('evaluate({ sampleWeight })', options.sampleWeight, data.x.shape[0], this.runsOnWebGPU());
    const batchSize = options.batchSize === undefined ? undefined : positiveInteger('evaluate({ batchSize })', options.batchSize);
    return backend.evaluate(data, batchSize);
  }

  /** [kernel1, bias1, kernel2, bias2, ...], each kernel [inputs × units] row-major (Keras order and layout). */
  async getWeights(): Promise<Float32Array[]> {
    return this.built('getWeights').getWeights();
  }

  async setWeights(weights: Float32Array[] | number[][]): Promise<void> {
    const backend = this.built('setWeights');
    this.idle('setWeights');
    const expected = this.specs().flatMap((spec, l) => layerDefinition(spec).weights(spec).map((w) => ({ ...w, layer: l })));
    if (!Array.isArray(weights) || weights.length !== expected.length) {
      throw invalid('setWeights(weights)', `an array of ${expected.length} arrays [kernel1, bias1, ...]`, weights);
    }
    const checked = weights.map((w, i) => {
      const { name, shape, layer } = expected[i];
      const size = shape.reduce((a, b) => a * b, 1);
      const what = `the ${name} of layer ${layer} [${shape.join(' × ')}]`;
      if (!(w instanceof Float32Array) && !Array.isArray(w)) throw invalid(`setWeights(weights)[${i}]`, `a Float32Array for ${what}`, w);
      if (w.length !== size) {
        throw new WebGPUNNError('SHAPE_MISMATCH', `setWeights(weights)[${i}]: expected ${size} numbers for ${what}, got ${w.length}`);
      }
      const array = Float32Array.from(w);
      assertFinite(array, `setWeights(weights)[${i}]`);
      return array;
    });
    await backend.setWeights(checked);
  }

  /** Prints (and returns) a Keras-style table of the layers, their output shapes and parameter counts. */
  summary(): string {
    const specs = this.inputDim === undefined ? undefined : this.specs();
    const names = this.names();
    let width = NaN;
    const rows = this.layers.map((layer, l) => {
      width = layer.outputWidth(width);
      const spec = specs?.[l];
      const params = spec ? String(layerDefinition(spec).weights(spec).reduce((sum, w) => sum + w.shape.reduce((a, b) => a * b, 1), 0)) : '?';
      return [`${names[l]} (${layer.className}${layer.activation ? `, ${layer.activation}` : ''})`, `[null, ${Number.isNaN(width) ? '?' : width}]`, params];
    });
    const total = rows.reduce((sum, r) => sum + (r[2] === '?' ? 0 : Number(r[2])), 0);
    const widths = [36, 16, 10];
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('');
    const text = [
      line(['Layer (type)', 'Output shape', 'Param #']),
      '='.repeat(62),
      ...rows.map(line),
      '='.repeat(62),
      `Total params: ${this.inputDim === undefined ? '? (built by the first fit)' : total}`,
      `Backend: ${this.backend ? `${this.backend.name}${this.backend.adapterInfo ? ` · ${this.backend.adapterInfo}` : ''}` : 'not compiled'}`,
    ].join('\n');
    console.log(text);
    return text;
  }

  /** The dispatches of one training step at this batch size, one line each, for reading and debugging. */
  async describeTrainingStep(batchSize = 32): Promise<string> {
    const backend = this.built('describeTrainingStep');
    positiveInteger('describeTrainingStep(batchSize)', batchSize);
    return backend.describeTrainingStep(batchSize);
  }

  /**
   * The matrix products' kernels chosen so far by `compile({ tuning })`, by product, as JSON-ready data: give it to
   * a later `compile({ tuning })` to make the same kernels without timing them. Undefined without tuning or on the CPU.
   */
  getTuning(): TuningTable | undefined {
    this.alive();
    return this.backend?.tuning?.();
  }

  /** Frees the model's GPU buffers. Every later call rejects. */
  dispose(): void {
    this.backend?.dispose();
    this.backend = undefined;
    this.disposed = true;
  }

  /**
   * The model as TF.js files: the content of its model.json and the bytes of the weights.bin it names. Given a URL
   * ('indexeddb://name', 'localstorage://name', 'downloads://name', 'file://dir') or a TF.js IOHandler, it saves
   * them there instead and returns what TF.js's save returns.
   */
  async save(): Promise<ModelArtifacts>;
  async save(destination: string | IOHandler): Promise<SaveResult>;
  async save(destination?: string | IOHandler): Promise<ModelArtifacts | SaveResult> {
    const weights = await this.built('save').getWeights();
    const artifacts = encodeModel(this.layers, this.specs(), weights);
    return destination === undefined ? artifacts : saveTo(destination, artifacts);
  }

  /**
   * A model from TF.js layers-model files, ready to predict: from a URL ('indexeddb://name', 'localstorage://name',
   * 'file://dir', 'https://…/model.json'), a TF.js IOHandler, or the artifacts themselves (from save(), TF.js, or
   * tensorflowjs_converter). It is compiled with SGD and a placeholder loss that suits its output layer. Call
   * compile to train it with a loss of your choice.
   */
  static async load(source: string | IOHandler | ModelArtifactsLike | IOArtifacts, options: LoadOptions = {}): Promise<Sequential> {
    if (options === null || typeof options !== 'object') throw invalid('load(artifacts, options)', 'an object like { backend }', options);
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw invalid('load(artifacts, { fetch })', 'a fetch function', options.fetch);
    const { artifacts, argument } = await loadFrom(source, options.fetch);
    const { layers, weights } = decodeModel(artifacts, argument);
    const model = new Sequential(layers);
    const loss = layers[layers.length - 1].activation === 'softmax' ? 'categoricalCrossentropy' : 'meanSquaredError';
    await model.compile({ loss, backend: options.backend, device: options.device, gpu: options.gpu });
    await model.setWeights(weights).catch((error) => {
      model.dispose();
      throw error;
    });
    return model;
  }

  /**
   * What ModelGroup needs of its members, which are Sequentials trained side by side: compile's checks without a
   * backend, the adoption of a member's view of the group's backend, and fit's checks of the data.
   * @internal
   */
  static internals(model: Sequential) {
    return {
      settle: (options: CompileOptions) => model.settle(options),
      adopt: (settled: Settled, backend: Backend) => model.adopt(settled, backend),
      inputDim: () => model.inputDim,
      network: (compiled: Compiled) => model.network(compiled),
      weights: async (seed: number) => (model.backend ? model.backend.getWeights() : model.initialWeights(seed)),
      compiled: (call: string) => model.compiledState(call),
      idle: (call: string) => model.idle(call),
      fitData: (x: unknown, y: unknown, o: ParsedFitOptions<unknown>) => model.fitData(x, y, o, model.compiledState('fit').loss),
      checkData: (call: string, x: unknown, y: unknown) => model.checkData(argumentsOf(call), x, y, model.compiledState(call).loss),
      checkInput: (argument: string, x: unknown) => model.checkInput(argument, x),
      shuffleRandom: () => model.shuffleRandom,
      setFitting: (fitting: boolean) => (model.fitting = fitting),
      runsOnWebGPU: () => model.runsOnWebGPU(),
    };
  }

  // ---- internals ----

  /** compile's checks: what compiling with `options` would settle, the model unchanged. */
  private settle(options: CompileOptions): Settled {
    this.alive();
    this.idle('compile');
    if (options === null || typeof options !== 'object') throw invalid('compile(options)', 'an object like { loss, optimizer }', options);
    if (this.layers.length === 0) throw invalid('compile(): model.layers', 'at least one Dense layer', this.layers);
    const loss = toLoss('compile({ loss })', options.loss).name;
    const optimizer = toOptimizer('compile({ optimizer })', options.optimizer ?? 'sgd');
    const last = this.layers.length - 1;
    checkOutputActivation(loss, this.layers[last].activation ?? 'linear');
    const softmax = this.layers.findIndex((layer) => layer.activation === 'softmax');
    if (softmax >= 0 && softmax < last) {
      throw invalid(`compile(): model.layers[${softmax}].activation`, "'softmax' on the last layer only", 'softmax');
    }
    const metrics = compiledMetrics(options.metrics, options.weightedMetrics, loss, this.outputWidth());
    const backend = options.backend ?? 'auto';
    if (!['auto', 'webgpu', 'cpu'].includes(backend)) throw invalid('compile({ backend })', "'auto', 'webgpu' or 'cpu'", backend);
    const gpuOptions = { device: options.device, gpu: options.gpu, tuning: parseTuning('compile({ tuning })', options.tuning) };
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw invalid('compile({ seed })', 'an integer in [0, 2^32)', seed);
    return { compiled: { loss, optimizer, metrics }, seed, backend, gpuOptions };
  }

  /** Takes what a compile settled, with its backend (none until the model is built). */
  private adopt(settled: Settled, backend: Backend | undefined): void {
    this.backend?.dispose();
    this.backend = backend;
    this.compiled = settled.compiled;
    this.seed = settled.seed;
    this.backendKind = settled.backend;
    this.gpuOptions = settled.gpuOptions;
    this.shuffleRandom = seededRandom(settled.seed ^ 0x5bd1e995);
  }

  /**
   * A training run, fit's or fitDataset's, with its session (callbacks and history): the model built, where it is
   * not yet, for the input width that `width` finds (fitDataset reads its first batch for it), then `run` with the
   * session's hooks; errors carry the history of the epochs that completed.
   */
  private async train(session: TrainingSession, compiled: Compiled, width: () => Promise<number>, run: (hooks: TrainingHooks) => Promise<void>): Promise<History> {
    this.fitting = true;
    try {
      if (!this.backend) {
        this.inputDim = await width();
        this.backend = await openBackend(this.backendKind, this.gpuOptions, this.network(compiled), this.initialWeights(this.seed)).catch((error) => {
          this.inputDim = undefined;
          throw error;
        });
      }
      await session.begin();
      await run(session.hooks());
      this.fitting = false;
      await session.end();
      return session.history;
    } catch (error) {
      // The epochs that did complete stay in the model and in the error's history.
      if (error instanceof WebGPUNNError) Object.assign(error, { history: session.history });
      throw error;
    } finally {
      this.fitting = false;
    }
  }

  private check(argument: string, layer: unknown, index: number): void {
    if (!(layer instanceof Layer)) throw invalid(argument, 'a layer (new Dense({ units }), ...)', layer);
    // An element-wise layer (Dropout, Activation) acts on the output of the layer before it, so it cannot come first.
    if (index === 0 && layers[layer.kind].gpu.role === 'pointwise') {
      throw invalid(argument, 'a first layer with weights (Dense, BatchNormalization): Dropout and Activation act on the output of a layer before them', `a ${layer.className} layer`);
    }
    if (index > 0 && layer.inputDim !== undefined && index === this.layers.length) {
      const previous = this.layers[index - 1].outputWidth(this.inputDim ?? NaN);
      if (!Number.isNaN(previous) && previous !== layer.inputDim) {
        throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected inputDim ${previous} (the previous layer's units), got ${layer.inputDim}`);
      }
    }
  }

  private push(layer: Layer): void {
    if (this.layers.length === 0) this.inputDim = layer.inputDim;
    this.layers.push(layer);
  }

  /** Each layer's name: its own, or Keras's default, its class in snake case and its count among its class (dense_1). */
  private names(): string[] {
    const counts = new Map<string, number>();
    return this.layers.map((layer) => {
      const base = layer.className.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase();
      counts.set(base, (counts.get(base) ?? 0) + 1);
      return layer.name ?? `${base}_${counts.get(base)}`;
    });
  }

  /** The layers as plain data, once the input width is known; each layer's seed is drawn from the compile seed. */
  private specs(): LayerSpec[] {
    const names = this.names();
    const seeds = seededRandom(this.seed ^ 0x632be5ab);
    let inputs = this.inputDim!;
    return this.layers.map((layer, l) => {
      const spec = layer.spec(inputs, { name: names[l], seed: Math.floor(seeds() * 2 ** 32) });
      inputs = layer.outputWidth(inputs);
      return spec;
    });
  }

  /** The width of the network's output rows (known before the input width: the last layer with units sets it). */
  private outputWidth(): number {
    return this.layers.reduce((width, layer) => layer.outputWidth(width), this.inputDim ?? NaN);
  }

  private network(compiled: Compiled): NetworkSpec {
    return { layers: this.specs(), loss: compiled.loss, optimizer: compiled.optimizer.spec, metrics: compiled.metrics };
  }

  /** The initial weights from the compile seed, layer by layer, each layer's as its kind draws them (Keras's defaults). */
  private initialWeights(seed: number): Float32Array[] {
    const random = seededRandom(seed);
    return this.specs().flatMap((spec, l) => this.layers[l].initialWeights(spec, random));
  }

  private alive(): void {
    if (this.disposed) throw new WebGPUNNError('DISPOSED', 'this model was disposed: create a new Sequential');
  }

  private idle(call: string): void {
    if (this.fitting) throw new WebGPUNNError('BUSY', `${call}: expected no fit in progress on this model, got one running`);
  }

  private compiledState(call: string): Compiled {
    this.alive();
    if (!this.compiled) throw new WebGPUNNError('NOT_COMPILED', `${call}: expected a compiled model, got one not compiled: call compile({ loss, optimizer }) first`);
    return this.compiled;
  }

  private built(call: string): Backend {
    this.compiledState(call);
    if (!this.backend) {
      throw new WebGPUNNError('NOT_COMPILED', `${call}: expected a built model, got one without weights yet: give the first layer inputDim or call fit first`);
    }
    return this.backend;
  }

  /** Whether the model runs (or will run) on WebGPU, which alone takes data in GPU buffers. */
  private runsOnWebGPU(): boolean {
    return (this.backend?.name ?? this.backendKind) === 'webgpu';
  }

  /** Throws unless the model runs (or will run) on WebGPU. */
  private acceptsGPUData(argument: string): void {
    if (!this.runsOnWebGPU()) throw invalid(argument, "a model compiled with backend 'webgpu' for data in a GPUBuffer", `backend '${this.backend?.name ?? this.backendKind}'`);
  }

  /**
   * fit's rows, checked: the training rows with their weights (sampleWeight, or classWeight's from the labels), and
   * the validation's, given or split from the end of the training rows before any shuffling (Keras).
   */
  private fitData(x: unknown, y: unknown, o: ParsedFitOptions<unknown>, loss: LossName): { data: Scored; validation: Scored | undefined } {
    const gpu = this.runsOnWebGPU();
    let data: Scored = this.checkData(argumentsOf('fit'), x, y, loss);
    if (o.sampleWeight !== undefined) data.sampleWeight = checkSampleWeight('fit({ sampleWeight })', o.sampleWeight, data.x.shape[0], gpu);
    const classWeight = o.classWeight === undefined ? undefined : checkClassWeight('fit({ classWeight })', o.classWeight);
    if (classWeight && !('data' in data.y)) throw invalid('fit({ classWeight })', 'labels from the CPU (give sampleWeight for labels in a GPUBuffer)', 'a GPUBuffer');
    let validation: Scored | undefined;
    if (o.validationData) {
      validation = this.validationRows('fit({ validationData })', o.validationData, loss);
    } else if (o.validationSplit > 0) {
      const cpu = (m: Data | undefined): m is Matrix | undefined => m === undefined || 'data' in m;
      if (!cpu(data.x) || !cpu(data.y) || !cpu(data.sampleWeight)) throw invalid('fit({ validationSplit })', 'data from the CPU (use validationData with GPU buffers)', 'a GPUBuffer');
      const split = Math.floor(data.x.shape[0] * (1 - o.validationSplit));
      if (split === 0 || split === data.x.shape[0]) throw invalid('fit({ validationSplit })', `a split that leaves rows on both sides of ${data.x.shape[0]}`, o.validationSplit);
      const [xTrain, xValidation] = splitRows(data.x, split);
      const [yTrain, yValidation] = splitRows(data.y, split);
      const [wTrain, wValidation] = data.sampleWeight ? splitRows(data.sampleWeight, split) : [];
      data = { x: xTrain, y: yTrain, sampleWeight: wTrain };
      validation = { x: xValidation, y: yValidation, sampleWeight: wValidation };
    }
    // Class weights weigh the training rows only.
    if (classWeight) data.sampleWeight = classWeightsOf(classWeight, data.y as Matrix);
    return { data, validation };
  }


  /**
   * Checks data from the CPU, or (WebGPU) in a GPUBuffer with `usage` (STORAGE, where the kernels read it in place);
   * the latter is not read, so not checked for NaN.
   */
  private toData(value: unknown, argument: string, usage: 'STORAGE' | 'COPY_SRC' = 'STORAGE'): Data {
    if (!isGPUMatrix(value)) return toMatrix(value, argument);
    this.acceptsGPUData(argument);
    return checkGPUMatrix(value, argument, BufferUsage[usage], usage);
  }

  private checkInput(argument: string, x: unknown, usage?: 'STORAGE' | 'COPY_SRC'): Data {
    const matrix = this.toData(x, argument, usage);
    if (this.inputDim !== undefined && matrix.shape[1] !== this.inputDim) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected ${this.inputDim} columns (the model's input width), got ${matrix.shape[1]}`);
    }
    return matrix;
  }

  /** Inputs and labels, named `names` in errors, checked against the model and each other. */
  private checkData(names: { x: string; y: string }, x: unknown, y: unknown, loss: LossName, usage?: 'STORAGE' | 'COPY_SRC'): { x: Data; y: Data } {
    const xm = this.checkInput(names.x, x, usage);
    const ym = this.toData(y, names.y, usage);
    const units = this.outputWidth();
    const definition = losses[loss];
    const columns = labelColumns(definition, units);
    if (ym.shape[0] !== xm.shape[0]) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${names.y}: expected ${xm.shape[0]} rows (as many as ${names.x}), got ${ym.shape[0]}`);
    }
    if (ym.shape[1] !== columns) {
      const why = columns === units ? "the last layer's units" : `a class index per row for ${loss}`;
      throw new WebGPUNNError('SHAPE_MISMATCH', `${names.y}: expected ${columns} column${columns > 1 ? 's' : ''} (${why}), got ${ym.shape[1]}`);
    }
    if ('data' in ym) definition.checkLabels(ym.data, units, names.y, invalid);
    return { x: xm, y: ym };
  }

  /** `call`'s validation rows [x, y] or [x, y, sampleWeight], checked. */
  private validationRows(call: string, [x, y, weights]: [unknown, unknown] | [unknown, unknown, unknown], loss: LossName): Scored {
    const validation: Scored = this.checkData(argumentsOf(call), x, y, loss);
    if (weights !== undefined) validation.sampleWeight = checkSampleWeight(`${call}[2]`, weights, validation.x.shape[0], this.runsOnWebGPU());
    return validation;
  }

  /** A batch of fitDataset's, checked, named `where`; in GPU buffers, its parts are copied (COPY_SRC). */
  private checkBatch({ xs, ys, sampleWeight }: Batch<unknown>, where: string, loss: LossName): Scored {
    const batch: Scored = this.checkData({ x: `${where} xs`, y: `${where} ys` }, xs, ys, loss, 'COPY_SRC');
    if (sampleWeight !== undefined) batch.sampleWeight = checkSampleWeight(`${where} sampleWeight`, sampleWeight, batch.x.shape[0], this.runsOnWebGPU());
    return batch;
  }
}

let warnedFallback = false;

/** The backend a compile asked for. 'auto' is WebGPU where an adapter exists, else the CPU reference. */
async function openBackend(
  kind: BackendName,
  gpu: GpuOptions,
  spec: NetworkSpec,
  weights: Float32Array[],
): Promise<Backend> {
  if (kind === 'cpu') return new CpuBackend(spec, weights);
  try {
    return await MemberView.single(spec, weights, gpu);
  } catch (error) {
    if (kind === 'auto' && error instanceof WebGPUNNError && error.code === 'WEBGPU_UNAVAILABLE') {
      if (!warnedFallback) console.warn(`webgpu-nn: ${error.message}; training on the CPU reference instead`);
      warnedFallback = true;
      return new CpuBackend(spec, weights);
    }
    throw error;
  }
}
