import type { Backend, Data, FitRequest, LayerSpec, NetworkSpec, Scores } from '../backend';
import { WebGPUNNError, invalid, positiveInteger } from '../errors';
import { type GPUMatrix, type Matrix, type MatrixLike, assertFinite, checkGPUMatrix, isGPUMatrix, toMatrix } from '../matrix';
import { epochOrder, glorotUniform, seededRandom } from '../random';
import { CpuBackend } from '../reference/cpu-backend';
import { BufferUsage } from '../runtime/flags';
import { GpuBackend } from '../runtime/gpu-backend';
import { Dense } from './dense';
import { type FitOptions, type History, parseFitOptions, record, splitRows } from './fit-options';
import { type Loss, type LossName, checkOutputActivation, toLoss } from './losses';
import { type AccuracyKind, accuracyKind, checkMetrics } from './metrics';
import { type LoadOptions, type ModelArtifacts, type ModelArtifactsLike, decodeModel, encodeModel } from './model-files';
import { type Optimizer, toOptimizer } from './optimizers';

export type BackendName = 'auto' | 'webgpu' | 'cpu';

export interface CompileOptions {
  loss: Loss | LossName;
  /** Default: new SGD() (learning rate 0.01). */
  optimizer?: Optimizer | 'sgd' | 'adam' | 'rmsprop';
  /** ['accuracy']: fit and evaluate also report accuracy (binary, categorical or sparse, as Keras picks). */
  metrics?: 'accuracy'[];
  /** 'auto' (default): WebGPU where an adapter exists, else the CPU reference with a console warning. */
  backend?: BackendName;
  /** Seeds the initial weights and the shuffling: same seed, same training. Default: random. */
  seed?: number;
  /** WebGPU: the app's own device, shared with the model (the model never destroys it). */
  device?: GPUDevice;
  /** WebGPU: where to request a device when none is given. Default `navigator.gpu`; in Node, the `webgpu` package's. */
  gpu?: GPU;
}

/** A linear stack of Dense layers, trained with Keras semantics. */
export class Sequential {
  readonly layers: Dense[] = [];
  /** Set to true (in onEpochEnd, say) to end the running fit after the current epoch. */
  stopTraining = false;

  private inputDim: number | undefined;
  private backend: Backend | undefined;
  private loss: Loss | undefined;
  private optimizer: Optimizer | undefined;
  private accuracy: AccuracyKind | undefined;
  private seed = 0;
  private backendKind: BackendName = 'auto';
  private gpuOptions: { device?: GPUDevice; gpu?: GPU } = {};
  private shuffleRandom: () => number = Math.random;
  private fitting = false;
  private disposed = false;

  constructor(layers: Dense[] = []) {
    if (!Array.isArray(layers)) throw invalid('Sequential(layers)', 'an array of Dense layers', layers);
    layers.forEach((layer, i) => this.check(`Sequential(layers)[${i}]`, layer, i));
    layers.forEach((layer) => this.push(layer));
  }

  /** Appends a layer (before compile). */
  add(layer: Dense): void {
    this.alive();
    if (this.loss) throw invalid('add(layer)', 'layers to be added before compile()', layer);
    this.check('add(layer)', layer, this.layers.length);
    this.push(layer);
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
    this.alive();
    this.idle('compile');
    if (options === null || typeof options !== 'object') throw invalid('compile(options)', 'an object like { loss, optimizer }', options);
    if (this.layers.length === 0) throw invalid('compile(): model.layers', 'at least one Dense layer', this.layers);
    const loss = toLoss('compile({ loss })', options.loss);
    const optimizer = toOptimizer('compile({ optimizer })', options.optimizer ?? 'sgd');
    const last = this.layers[this.layers.length - 1];
    checkOutputActivation(loss, last.activation);
    const softmax = this.layers.findIndex((layer) => layer.activation === 'softmax');
    if (softmax >= 0 && softmax < this.layers.length - 1) {
      throw invalid(`compile(): model.layers[${softmax}].activation`, "'softmax' on the last layer only", 'softmax');
    }
    const accuracy = checkMetrics('compile({ metrics })', options.metrics) ? accuracyKind(loss, last.units) : undefined;
    const backend = options.backend ?? 'auto';
    if (!['auto', 'webgpu', 'cpu'].includes(backend)) throw invalid('compile({ backend })', "'auto', 'webgpu' or 'cpu'", backend);
    const gpuOptions = { device: options.device, gpu: options.gpu };
    const seed = options.seed ?? Math.floor(Math.random() * 2 ** 32);
    if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) throw invalid('compile({ seed })', 'an integer in [0, 2^32)', seed);

    // Everything that can fail happens before the model changes: a rejected compile leaves it as it was.
    let next: Backend | undefined;
    if (this.inputDim !== undefined) {
      const weights = this.backend ? await this.backend.getWeights() : this.initialWeights(seed);
      next = await openBackend(backend, gpuOptions, { layers: this.specs(), loss, optimizer, accuracy }, weights);
    }
    this.backend?.dispose();
    this.backend = next;
    this.loss = loss;
    this.optimizer = optimizer;
    this.accuracy = accuracy;
    this.seed = seed;
    this.backendKind = backend;
    this.gpuOptions = gpuOptions;
    this.shuffleRandom = seededRandom(seed ^ 0x5bd1e995);
  }

  async fit(x: MatrixLike | GPUMatrix, y: MatrixLike | GPUMatrix, options: FitOptions<MatrixLike | GPUMatrix> = {}): Promise<History> {
    const { loss } = this.compiled('fit');
    this.idle('fit');
    const o = parseFitOptions(options);
    let data = this.checkData('fit', x, y, loss);
    let validation = o.validationData && this.checkData('fit({ validationData })', o.validationData[0], o.validationData[1], loss);
    if (!validation && o.validationSplit > 0) {
      if (!('data' in data.x) || !('data' in data.y)) throw invalid('fit({ validationSplit })', 'data from the CPU (use validationData with GPU buffers)', 'a GPUBuffer');
      const split = Math.floor(data.x.shape[0] * (1 - o.validationSplit));
      if (split === 0 || split === data.x.shape[0]) throw invalid('fit({ validationSplit })', `a split that leaves rows on both sides of ${data.x.shape[0]}`, o.validationSplit);
      const [xTrain, xValidation] = splitRows(data.x, split);
      const [yTrain, yValidation] = splitRows(data.y, split);
      data = { x: xTrain, y: yTrain };
      validation = { x: xValidation, y: yValidation };
    }

    this.fitting = true;
    this.stopTraining = false;
    const history: History = { epoch: [], loss: [] };
    try {
      if (!this.backend) {
        this.inputDim = data.x.shape[1];
        const spec = { layers: this.specs(), loss, optimizer: this.optimizer!, accuracy: this.accuracy };
        this.backend = await openBackend(this.backendKind, this.gpuOptions, spec, this.initialWeights(this.seed)).catch((error) => {
          this.inputDim = undefined;
          throw error;
        });
      }
      const rows = data.x.shape[0];
      const request: FitRequest = {
        ...data,
        validation,
        epochs: o.epochs - o.initialEpoch,
        batchSize: o.batchSize,
        nextOrder: () => epochOrder(rows, o.shuffle, this.shuffleRandom),
        epochEnd: async (index, logs) => {
          const epoch = o.initialEpoch + index;
          record(history, epoch, logs);
          if (!Number.isFinite(logs.loss)) {
            throw new WebGPUNNError('DIVERGED', `fit: the loss of epoch ${epoch} is ${logs.loss}; training stopped (lower the learning rate)`);
          }
          await o.onEpochEnd?.(epoch, logs);
          return this.stopTraining;
        },
        batchEnd: o.onBatchEnd && (async (batch, scores) => void (await o.onBatchEnd!(batch, scores))),
      };
      await this.backend!.fit(request);
      return history;
    } catch (error) {
      // The epochs that did complete stay in the model and in the error's history.
      if (error instanceof WebGPUNNError) Object.assign(error, { history });
      throw error;
    } finally {
      this.fitting = false;
    }
  }

  /**
   * The outputs of the last layer for each row of x: { shape: [rows, units], data }. With `{ into }` (WebGPU), they
   * are written into that buffer on the device instead, nothing is read back, and the result names the buffer.
   */
  async predict(x: MatrixLike | GPUMatrix): Promise<Matrix>;
  async predict(x: MatrixLike | GPUMatrix, options: { into: GPUBuffer }): Promise<GPUMatrix>;
  async predict(x: MatrixLike | GPUMatrix, options?: { into: GPUBuffer }): Promise<Matrix | GPUMatrix> {
    const backend = this.built('predict');
    const input = this.checkInput('predict(x)', x);
    if (options?.into === undefined) return backend.predict(input);
    const units = this.layers[this.layers.length - 1].units;
    const { buffer } = checkGPUMatrix({ shape: [input.shape[0], units], buffer: options.into }, 'predict({ into })', BufferUsage.COPY_DST, 'COPY_DST');
    return (this.gpuBackend('predict({ into })') as GpuBackend).predict(input, buffer);
  }

  /** The mean loss over x and y, as fit reports it, and the accuracy when compiled with metrics. */
  async evaluate(x: MatrixLike | GPUMatrix, y: MatrixLike | GPUMatrix): Promise<Scores> {
    const { loss } = this.compiled('evaluate');
    const backend = this.built('evaluate');
    const data = this.checkData('evaluate', x, y, loss);
    return backend.evaluate(data.x, data.y);
  }

  /** [kernel1, bias1, kernel2, bias2, ...], each kernel [inputs × units] row-major (Keras order and layout). */
  async getWeights(): Promise<Float32Array[]> {
    return this.built('getWeights').getWeights();
  }

  async setWeights(weights: Float32Array[] | number[][]): Promise<void> {
    const backend = this.built('setWeights');
    this.idle('setWeights');
    const specs = this.specs();
    if (!Array.isArray(weights) || weights.length !== 2 * specs.length) {
      throw invalid('setWeights(weights)', `an array of ${2 * specs.length} arrays [kernel1, bias1, ...]`, weights);
    }
    const checked = weights.map((w, i) => {
      const layer = specs[i >> 1];
      const expected = i % 2 === 0 ? layer.inputs * layer.units : layer.units;
      const what = i % 2 === 0 ? `the kernel of layer ${i >> 1} [${layer.inputs} × ${layer.units}]` : `the bias of layer ${i >> 1} [${layer.units}]`;
      if (!(w instanceof Float32Array) && !Array.isArray(w)) throw invalid(`setWeights(weights)[${i}]`, `a Float32Array for ${what}`, w);
      if (w.length !== expected) {
        throw new WebGPUNNError('SHAPE_MISMATCH', `setWeights(weights)[${i}]: expected ${expected} numbers for ${what}, got ${w.length}`);
      }
      const array = Float32Array.from(w);
      assertFinite(array, `setWeights(weights)[${i}]`);
      return array;
    });
    await backend.setWeights(checked);
  }

  /** Prints (and returns) a Keras-style table of the layers, their output shapes and parameter counts. */
  summary(): string {
    const rows = this.layers.map((layer, l) => {
      const inputs = l === 0 ? this.inputDim : this.layers[l - 1].units;
      const params = inputs === undefined ? '?' : String((inputs + 1) * layer.units);
      return [`${layer.name ?? `dense_${l + 1}`} (Dense, ${layer.activation})`, `[null, ${layer.units}]`, params];
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

  /** The WebGPU dispatches of one training step at this batch size, one line each, for reading and debugging. */
  async describeTrainingStep(batchSize = 32): Promise<string> {
    const backend = this.built('describeTrainingStep');
    positiveInteger('describeTrainingStep(batchSize)', batchSize);
    if (!(backend instanceof GpuBackend)) return 'cpu reference: forward, backward and the update run as TypeScript loops';
    return backend.describeTrainingStep(batchSize, this.inputDim!);
  }

  /** Frees the model's GPU buffers. Every later call rejects. */
  dispose(): void {
    this.backend?.dispose();
    this.backend = undefined;
    this.disposed = true;
  }

  /** The model as TF.js files: the content of its model.json and the bytes of the weights.bin it names. */
  async save(): Promise<ModelArtifacts> {
    const weights = await this.built('save').getWeights();
    return encodeModel(this.layers, this.inputDim!, weights);
  }

  /**
   * A model from TF.js layers-model files (from save(), or TF.js's own), ready to predict: it is compiled with SGD
   * and a placeholder loss that suits its output layer. Call compile to train it with a loss of your choice.
   */
  static async load(artifacts: ModelArtifactsLike, options: LoadOptions = {}): Promise<Sequential> {
    if (options === null || typeof options !== 'object') throw invalid('load(artifacts, options)', 'an object like { backend }', options);
    const { layers, weights } = decodeModel(artifacts);
    const model = new Sequential(layers.map((config) => new Dense(config)));
    const loss = layers[layers.length - 1].activation === 'softmax' ? 'categoricalCrossentropy' : 'meanSquaredError';
    await model.compile({ loss, backend: options.backend, device: options.device, gpu: options.gpu });
    await model.setWeights(weights).catch((error) => {
      model.dispose();
      throw error;
    });
    return model;
  }

  // ---- internals ----

  private check(argument: string, layer: unknown, index: number): void {
    if (!(layer instanceof Dense)) throw invalid(argument, 'a Dense layer', layer);
    if (index > 0 && layer.inputDim !== undefined) {
      const previous = index === this.layers.length ? this.layers[index - 1].units : undefined;
      if (previous !== undefined && previous !== layer.inputDim) {
        throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected inputDim ${previous} (the previous layer's units), got ${layer.inputDim}`);
      }
    }
  }

  private push(layer: Dense): void {
    if (this.layers.length === 0) this.inputDim = layer.inputDim;
    this.layers.push(layer);
  }

  private specs(): LayerSpec[] {
    return this.layers.map((layer, l) => ({
      inputs: l === 0 ? this.inputDim! : this.layers[l - 1].units,
      units: layer.units,
      activation: layer.activation,
    }));
  }

  /** Glorot-uniform kernels and zero biases from the compile seed, layer by layer (Keras's defaults). */
  private initialWeights(seed: number): Float32Array[] {
    const random = seededRandom(seed);
    return this.specs().flatMap((layer) => [glorotUniform(layer.inputs, layer.units, random), new Float32Array(layer.units)]);
  }

  private alive(): void {
    if (this.disposed) throw new WebGPUNNError('DISPOSED', 'this model was disposed: create a new Sequential');
  }

  private idle(call: string): void {
    if (this.fitting) throw new WebGPUNNError('BUSY', `${call}: expected no fit in progress on this model, got one running`);
  }

  private compiled(call: string): { loss: Loss } {
    this.alive();
    if (!this.loss) throw new WebGPUNNError('NOT_COMPILED', `${call}: expected a compiled model, got one not compiled: call compile({ loss, optimizer }) first`);
    return { loss: this.loss };
  }

  private built(call: string): Backend {
    this.compiled(call);
    if (!this.backend) {
      throw new WebGPUNNError('NOT_COMPILED', `${call}: expected a built model, got one without weights yet: give the first layer inputDim or call fit first`);
    }
    return this.backend;
  }

  /** The WebGPU backend, for calls that only it serves. */
  private gpuBackend(argument: string): GpuBackend | undefined {
    if (this.backend instanceof GpuBackend) return this.backend;
    if (!this.backend && this.backendKind === 'webgpu') return undefined;
    throw invalid(argument, "a model compiled with backend 'webgpu' for data in a GPUBuffer", `backend '${this.backend?.name ?? this.backendKind}'`);
  }

  /** Checks data from the CPU, or (WebGPU) in a GPUBuffer; the latter is not read, so not checked for NaN. */
  private toData(value: unknown, argument: string): Data {
    if (!isGPUMatrix(value)) return toMatrix(value, argument);
    this.gpuBackend(argument);
    return checkGPUMatrix(value, argument, BufferUsage.STORAGE, 'STORAGE');
  }

  private checkInput(argument: string, x: unknown): Data {
    const matrix = this.toData(x, argument);
    if (this.inputDim !== undefined && matrix.shape[1] !== this.inputDim) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${argument}: expected ${this.inputDim} columns (the model's input width), got ${matrix.shape[1]}`);
    }
    return matrix;
  }

  private checkData(call: string, x: unknown, y: unknown, loss: Loss): { x: Data; y: Data } {
    const xm = this.checkInput(`${call}(x)`, x);
    const ym = this.toData(y, `${call}(y)`);
    const units = this.layers[this.layers.length - 1].units;
    const columns = loss.labelColumns(units);
    if (ym.shape[0] !== xm.shape[0]) {
      throw new WebGPUNNError('SHAPE_MISMATCH', `${call}(y): expected ${xm.shape[0]} rows (as many as x), got ${ym.shape[0]}`);
    }
    if (ym.shape[1] !== columns) {
      const why = columns === units ? "the last layer's units" : `a class index per row for ${loss.name}`;
      throw new WebGPUNNError('SHAPE_MISMATCH', `${call}(y): expected ${columns} column${columns > 1 ? 's' : ''} (${why}), got ${ym.shape[1]}`);
    }
    if ('data' in ym) loss.checkLabels(ym.data, units, `${call}(y)`);
    return { x: xm, y: ym };
  }
}

let warnedFallback = false;

/** The backend a compile asked for. 'auto' is WebGPU where an adapter exists, else the CPU reference. */
async function openBackend(
  kind: BackendName,
  gpu: { device?: GPUDevice; gpu?: GPU },
  spec: NetworkSpec,
  weights: Float32Array[],
): Promise<Backend> {
  if (kind === 'cpu') return new CpuBackend(spec, weights);
  try {
    return await GpuBackend.create(spec, weights, gpu);
  } catch (error) {
    if (kind === 'auto' && error instanceof WebGPUNNError && error.code === 'WEBGPU_UNAVAILABLE') {
      if (!warnedFallback) console.warn(`webgpu-nn: ${error.message}; training on the CPU reference instead`);
      warnedFallback = true;
      return new CpuBackend(spec, weights);
    }
    throw error;
  }
}
