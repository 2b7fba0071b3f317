// The GPU runtime checked against the CPU reference: one list of checks, run by the Node suite (Dawn) and by
// the browser suite (Chromium's WebGPU). Each check returns the largest error it measured and the tolerance.
//
// Tolerance: 1e-5, relative to max(1, |expected|). The GPU sums in another order than the CPU reference (tiles
// of 16, then a tree), and float32 sums of n terms in two orders differ by up to about n·2⁻²⁴ of the terms'
// magnitude: 400 terms of size ~1 give a few 1e-6 at most. Training checks hold to the same bound after 20
// epochs; the measured errors are near 1e-7.
import { Activation, Adam, AdamW, BatchNormalization, BinaryCrossentropy, CategoricalCrossentropy, Dense, Dropout, type Layer, type Loss, MeanSquaredError, type Optimizer, RMSprop, SGD, Sequential, SparseCategoricalCrossentropy, type WebGPUNNError, regularizers } from '../../src/index';
import { type ActivationName, type ElementwiseName, activateRow, elementwise } from '../../src/activations/activations';
import type { DenseSpec } from '../../src/layers/dense/definition';
import forwardSource from '../../src/layers/dense/forward.wgsl?raw';
import { noPenalty } from '../../src/layers/dense/penalty';
import updateSource from '../../src/layers/dense/update.wgsl?raw';
import type { ElementLoss, RowLoss } from '../../src/losses/loss';
import { maskHash, threshold } from '../../src/layers/dropout/mask';
import { labelColumns } from '../../src/losses/loss';
import { losses } from '../../src/losses/registry';
import { binaryAccuracy, categoricalAccuracy } from '../../src/metrics/accuracy';
import { labelDistribution } from '../../src/losses/loss';
import type { OptimizerSpec } from '../../src/optimizers/optimizer';
import { optimizerDefinition } from '../../src/optimizers/registry';
import { matmul } from '../../src/reference/matmul';
import { outputDeltas } from '../../src/reference/network';
import { activationOp, outputEpilogue, updateEpilogue } from '../../src/runtime/epilogues';
import { type Blocking, matmulWorkgroups } from '../../src/runtime/kernels';
import { padded } from '../../src/runtime/layout';
import { reduceKernel } from '../../src/runtime/sources';
import { scoreRow } from '../../src/runtime/rows';
import rowsSource from '../../src/shaders/rows.wgsl?raw';
import { halvesDataset, maxRelativeError, randomMatrix } from '../support/data';
import { denseBlockings, denseChecks } from '../../src/layers/dense/checks';
import { padRows, read, unpadRows, withHarness, write } from './kernel-harness';
import { trainingControlChecks } from './control-checks';
import { epochKernelChecks } from './epoch-checks';
import { groupChecks } from './group-checks';
import { reportedAs } from './reported';
import { streamChecks } from './stream-checks';

import type { Check } from './check';

export type { Check, CheckResult } from './check';

/**
 * The blockings the loss and optimizer checks run with: 1 × 1 tiles in a GPU's wide workgroups, and a CPU's 2 × 4,
 * 8 × 7 and 3 × 8 tiles (layers/dense/checks.ts runs each Dense kernel with all of them).
 */
const blockings = denseBlockings;
const blockName = ({ tileRows, tileCols }: Blocking) => `${4 * tileRows} × ${4 * tileCols} blocks`;
const ops = (...names: ElementwiseName[]) => names.flatMap((name) => activationOp(name) ?? []);
const g = (name: ElementwiseName) => elementwise[name];

const lessonLayer = (inputs: number, units: number, activation: ActivationName): DenseSpec => ({ kind: 'dense', name: 'output', inputs, units, activation, useBias: true });

function lossCheck(loss: Loss, activation: ElementwiseName, blocks: Blocking): Check {
  const [m, k, n] = [33, 40, 3];
  return {
    name: `forward_loss (${activation} output, ${loss.name}): activations, element losses, right answers and dJ/dz, ${m} rows × ${n} units, ${blockName(blocks)}`,
    run: (device) => withHarness(device, async (h) => {
      const x = randomMatrix(m, k, 9, 0, 1).data;
      const w = randomMatrix(k + 1, n, 10, -0.1, 0.1).data;
      const y = randomMatrix(m, n, 11, 0, 1).data.map((v) => Math.round(v));
      const definition = losses[loss.name] as ElementLoss;
      const [out, padDeltas, scores] = [h.output(m * n), h.output(m * padded(n)), h.output(2 * m * n)];
      const accuracy = binaryAccuracy().sums[0];
      const head = {
        lossName: loss.name, loss: definition, labels: h.input(y), deltas: padDeltas, scores, sampleWeight: 'fn sample_weight(source: u32) -> f32 { return 1.0; }\n',
        lossStat: { name: 'loss', offset: 0, per: 'element' as const, weighted: false, wgsl: '' }, stats: [{ name: 'accuracy', offset: m * n, per: 'element' as const, weighted: false, wgsl: accuracy.wgsl }],
      };
      await h.run({ name: 'forward', sources: [forwardSource], entry: 'forward', constants: { INPUTS: k, UNITS: n, GATHER: 1 },
        bindings: [read(h.input(padRows(x, m, k))), read(h.input(padRows(w, k + 1, n)))], epilogues: [outputEpilogue(ops(activation), { buffer: out, width: n, padded: false }, h.members, head)], blocking: blocks },
        matmulWorkgroups(m, n, blocks), { rowStart: 0, rows: m });
      const a = await h.read(out, m * n);
      const deltas = unpadRows(await h.read(padDeltas), m, n);
      const all = await h.read(scores, 2 * m * n);
      const [elementLosses, correct] = [all.subarray(0, m * n), all.subarray(m * n)];
      const z = matmul(x, w, m, k, n).map((v, i) => v + w[k * n + (i % n)]);
      const expectedA = z.map((v) => g(activation).value(v));
      const expectedDeltas = outputDeltas([lessonLayer(k, n, activation)], definition, expectedA, y, m);
      const fused = definition.fused?.activation === activation ? definition.fused : undefined;
      const expectedLosses = expectedA.map((v, i) => (fused ? fused.value(z[i], y[i]) : definition.value(v, y[i])));
      const expectedCorrect = expectedA.map((v, i) => accuracy.value(v, y[i]));
      const errors = [a, deltas, elementLosses, correct].map((got, i) => maxRelativeError(got, [expectedA, expectedDeltas, expectedLosses, expectedCorrect][i]));
      return { maxError: Math.max(...errors), tolerance: 1e-5, detail: `activations, deltas, losses, right answers: ${errors.map((e) => e.toExponential(2)).join(', ')}` };
    }),
  };
}

function softmaxCheck(loss: Loss): Check {
  const [m, n] = [70, 10];
  const definition = losses[loss.name] as RowLoss;
  const sparse = labelColumns(definition, n) === 1;
  return {
    name: `softmax_loss (${loss.name}): softmax rows, row losses, right answers and dJ/dz = a − y, ${m} rows × ${n} classes`,
    run: (device) => withHarness(device, async (h) => {
      const z = randomMatrix(m, n, 13, -4, 4).data;
      const classes = Array.from({ length: m }, (_, r) => (r * 3) % n);
      const y = sparse ? Float32Array.from(classes) : Float32Array.from({ length: m * n }, (_, i) => Number(classes[Math.floor(i / n)] === i % n));
      const [outputs, padDeltas, scores] = [h.input(z), h.output(m * padded(n)), h.output(2 * m)];
      const accuracy = categoricalAccuracy().sums[0];
      const head = {
        labels: h.input(y), labelColumns: sparse ? 1 : n, units: n, scores, sampleWeight: 'fn sample_weight(source: u32) -> f32 { return 1.0; }\n',
        loss: { definition, stat: { name: 'loss', offset: 0, per: 'row' as const, weighted: false, wgsl: '' }, deltas: padDeltas },
        stats: [{ name: 'accuracy', offset: m, per: 'row' as const, weighted: false, wgsl: accuracy.wgsl }],
      };
      await h.run({ name: 'softmax', sources: [rowsSource], entry: 'rows', constants: { UNITS: n, SOFTMAX: 1 }, bindings: [write(outputs)], epilogues: [scoreRow(head, '', h.members)] },
        [1, Math.ceil(m / 64)], { rowStart: 0, rows: m });
      const a = await h.read(outputs, m * n);
      const deltas = unpadRows(await h.read(padDeltas), m, n);
      const all = await h.read(scores, 2 * m);
      const [rowLosses, correct] = [all.subarray(0, m), all.subarray(m)];
      const expectedA = z.slice();
      for (let r = 0; r < m; r++) activateRow('softmax', expectedA.subarray(r * n, (r + 1) * n));
      const labels = sparse ? 1 : n;
      const rowsOf = (f: (r: number) => number) => Float32Array.from({ length: m }, (_, r) => f(r));
      const expectedLosses = rowsOf((r) => definition.value(expectedA.subarray(r * n, (r + 1) * n), y.subarray(r * labels, (r + 1) * labels)));
      const expectedCorrect = rowsOf((r) => accuracy.value(expectedA.subarray(r * n, (r + 1) * n), labelDistribution(definition, y.subarray(r * labels, (r + 1) * labels), n)));
      const expectedDeltas = outputDeltas([lessonLayer(1, n, 'softmax')], definition, expectedA, y, m);
      const errors = [a, deltas, rowLosses, correct].map((got, i) => maxRelativeError(got, [expectedA, expectedDeltas, expectedLosses, expectedCorrect][i]));
      return { maxError: Math.max(...errors), tolerance: 1e-5, detail: `activations, deltas, losses, right answers: ${errors.map((e) => e.toExponential(2)).join(', ')}` };
    }),
  };
}

function optimizerKernelCheck(optimizer: Optimizer): Check {
  const [rows, inputs, units] = [20, 13, 7];
  const blocks = blockings[1];
  const spec: OptimizerSpec = optimizer.spec;
  const definition = optimizerDefinition(spec);
  return {
    name: `update_${spec.name} at iteration 6 against the optimizer's CPU rule, (${rows}×${inputs})ᵀ · ${rows}×${units}`,
    run: (device) => withHarness(device, async (h) => {
      const input = randomMatrix(rows, inputs, 14).data;
      const deltas = randomMatrix(rows, units, 15).data;
      const size = (inputs + 1) * units;
      const w = randomMatrix(inputs + 1, units, 16).data;
      const slots = definition.slots(spec);
      const moments = randomMatrix(slots, size, 17, 0, 0.01).data;
      const slot = (i: number) => padRows(moments.subarray(i * size, (i + 1) * size), inputs + 1, units);
      const padMoments = new Float32Array(slots * (inputs + 1) * padded(units));
      for (let i = 0; i < slots; i++) padMoments.set(slot(i), i * (inputs + 1) * padded(units));
      const [weights, state] = [h.input(padRows(w, inputs + 1, units)), h.input(padMoments)];
      // Step 1 of the epoch at t = 6: the kernel reads that step's scalars from slot 1 of the schedule.
      const scalars = definition.stepScalars(spec, 6, spec.learningRate);
      await h.run({ name: 'update', sources: [updateSource], entry: 'gradient', constants: { INPUTS: inputs, UNITS: units, GATHER: 0 },
        bindings: [read(h.input(padRows(input, rows, inputs))), read(h.input(padRows(deltas, rows, units)))], epilogues: [noPenalty, updateEpilogue(definition, spec, weights, state, h.members, h.constants)], blocking: blocks },
        matmulWorkgroups(inputs + 1, units, blocks), { rowStart: 0, rows, index: 1, schedule: [[0, ...scalars.map(() => 0)], [5, ...scalars]] });
      const updated = unpadRows(await h.read(weights), inputs + 1, units);
      const stateAfter = unpadRows(await h.read(state), slots * (inputs + 1), units);
      // The gradient [a | 1]ᵀ · dz, then the rule at t = 6.
      const withOnes = new Float32Array(rows * (inputs + 1));
      for (let r = 0; r < rows; r++) {
        withOnes.set(input.subarray(r * inputs, (r + 1) * inputs), r * (inputs + 1));
        withOnes[r * (inputs + 1) + inputs] = 1;
      }
      const gradient = matmul(withOnes, deltas, inputs + 1, rows, units, { transposeA: true });
      const expectedWeights = w.slice();
      const expectedMoments = moments.slice();
      definition.apply(spec, expectedWeights, gradient, Array.from({ length: slots }, (_, i) => expectedMoments.subarray(i * size, (i + 1) * size)), scalars);
      const errors = [maxRelativeError(updated, expectedWeights), maxRelativeError(stateAfter, expectedMoments)];
      return { maxError: Math.max(...errors), tolerance: 1e-5, detail: `weights ${errors[0].toExponential(2)}, moments ${errors[1].toExponential(2)}` };
    }),
  };
}

const lossSumChecks: Check[] = [1, 1000, 12345].map((count) => ({
  name: `loss_sum: the mean of ${count} element losses`,
  run: (device) => withHarness(device, async (h) => {
    const values = randomMatrix(1, count, 12, 0, 2).data;
    const result = h.output(1);
    await h.runUnstepped(reduceKernel([[0, count, count]]), [h.input(values), result], [1, 1]);
    const expected = values.reduce((s, v) => s + v, 0) / count;
    return { maxError: maxRelativeError([(await h.read(result, 1))[0]], [expected]), tolerance: 1e-5 };
  }),
}));

// ---- whole models: the 'webgpu' backend against the 'cpu' backend from the same weights ----

async function lessonPair(device: GPUDevice, loss: Loss, inputs: number, learningRate = 0.5) {
  const make = () =>
    new Sequential([
      new Dense({ units: 25, activation: 'sigmoid', inputDim: inputs }),
      new Dense({ units: 15, activation: 'sigmoid' }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ]);
  const gpu = make();
  const cpu = make();
  await gpu.compile({ loss, optimizer: new SGD({ learningRate }), backend: 'webgpu', device, seed: 4 });
  await cpu.compile({ loss, optimizer: new SGD({ learningRate }), backend: 'cpu', seed: 4 });
  return { gpu, cpu };
}

/**
 * Training on this adapter, whose blocks (kernels.ts `occupancy`) are a CPU's, or on the same device described as
 * a GPU's, so that the 4 × 4 blocks in wide workgroups that GPUs get train end to end here too (at batch 64: at
 * batch 32 a GPU trains the lesson's epochs in one dispatch each, which epoch-checks.ts checks).
 */
function trainingCheck(loss: Loss, epochs: number, batchSize: number | 'full', asGPU = false): Check {
  const rows = 200;
  const batch = batchSize === 'full' ? rows : batchSize;
  return {
    name: `training${asGPU ? ' with a GPU\'s blocks' : ''} matches the CPU reference after ${epochs} epoch${epochs > 1 ? 's' : ''}: ${loss.name}, ${batchSize === 'full' ? 'full batch' : `batch ${batch} of ${rows} rows (last batch ${rows % batch})`}`,
    async run(device) {
      const { x, y } = halvesDataset(rows, 400, 21);
      const { gpu, cpu } = await lessonPair(asGPU ? reportedAs(device, { adapterInfo: { vendor: 'nvidia', architecture: 'hopper' } }) : device, loss, 400);
      const options = { epochs, batchSize: batch, shuffle: false };
      const [gpuHistory, cpuHistory] = [await gpu.fit(x, y, options), await cpu.fit(x, y, options)];
      const gpuWeights = await gpu.getWeights();
      const cpuWeights = await cpu.getWeights();
      const blocks = [...(await gpu.describeTrainingStep(batch)).matchAll(/(\d+ × \d+) blocks/g)].map((m) => m[1]);
      const expectedBlocks = !asGPU || (blocks.length > 0 && blocks.every((b) => b === '4 × 4'));
      const errors = {
        loss: maxRelativeError(gpuHistory.loss, cpuHistory.loss),
        weights: Math.max(...gpuWeights.map((w, i) => maxRelativeError(w, cpuWeights[i]))),
        predictions: maxRelativeError((await gpu.predict(x)).data, (await cpu.predict(x)).data),
        evaluate: maxRelativeError([(await gpu.evaluate(x, y)).loss], [(await cpu.evaluate(x, y)).loss]),
      };
      gpu.dispose();
      cpu.dispose();
      const moved = cpuHistory.loss[epochs - 1] < cpuHistory.loss[0] || epochs === 1;
      return {
        maxError: moved && expectedBlocks ? Math.max(...Object.values(errors)) : Infinity,
        tolerance: 1e-5,
        detail: `${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}; blocks ${blocks.join(', ')}`,
      };
    },
  };
}

/** Every element-wise activation in a hidden layer, trained on the GPU and on the CPU reference from the same weights. */
const activationChecks: Check[] = (Object.keys(elementwise) as ElementwiseName[]).map((activation) => ({
  name: `training with a ${activation} hidden layer matches the CPU reference after 3 epochs: history and weights`,
  async run(device) {
    const { x, y } = halvesDataset(60, 12, 14);
    const results = await onBoth(
      async (backend) => {
        const model = new Sequential([new Dense({ units: 6, activation, inputDim: 12 }), new Dense({ units: 1, activation: 'sigmoid' })]);
        await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend, device, seed: 11 });
        return model;
      },
      async (model) => {
        const history = await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false });
        return [...history.loss, ...(await model.getWeights()).flatMap((w) => Array.from(w))];
      },
    );
    return { maxError: maxRelativeError(results[0], results[1]), tolerance: 1e-5 };
  },
}));

/**
 * The layers beyond Dense, trained on the GPU and on the CPU reference from the same weights: dropout's masks, the
 * batch's statistics and the moving ones, an Activation layer after a linear Dense; then predict and evaluate, in
 * inference, without dropout and with the moving statistics.
 */
function layersCheck(name: string, layers: () => Layer[], optimizer: () => Optimizer, batchSize: number): Check {
  return {
    name: `training with ${name} matches the CPU reference after 4 epochs: history, weights (moving statistics included), predict`,
    async run(device) {
      const { x, y } = halvesDataset(90, 20, 15);
      const results = await onBoth(
        async (backend) => {
          const model = new Sequential(layers());
          await model.compile({ loss: 'binaryCrossentropy', optimizer: optimizer(), metrics: ['accuracy'], backend, device, seed: 21 });
          return model;
        },
        async (model) => {
          const history = await model.fit(x, y, { epochs: 4, batchSize, shuffle: true, validationData: [x, y] });
          const weights = (await model.getWeights()).flatMap((w) => Array.from(w));
          return { history, weights, predicted: (await model.predict(x)).data, evaluated: (await model.evaluate(x, y)).loss };
        },
      );
      const [gpu, cpu] = results;
      const columns = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];
      const errors = {
        history: Math.max(...columns.map((c) => maxRelativeError(gpu.history[c] ?? [NaN], cpu.history[c] ?? [NaN]))),
        weights: maxRelativeError(gpu.weights, cpu.weights),
        predict: maxRelativeError(gpu.predicted, cpu.predicted),
        evaluate: maxRelativeError([gpu.evaluated], [cpu.evaluated]),
      };
      const learned = cpu.history.loss[3] < cpu.history.loss[0];
      return { maxError: learned ? Math.max(...Object.values(errors)) : Infinity, tolerance: 1e-5, detail: Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ') };
    },
  };
}

const layersChecks: Check[] = [
  layersCheck('Dropout(0.3) between Dense layers (batch 16, last batch 10)', () => [new Dense({ units: 16, activation: 'relu', inputDim: 20 }), new Dropout({ rate: 0.3 }), new Dense({ units: 8, activation: 'tanh' }), new Dropout({ rate: 0.5, seed: 7 }), new Dense({ units: 1, activation: 'sigmoid' })], () => new SGD({ learningRate: 0.2 }), 16),
  layersCheck('Dense(linear, no bias) → BatchNormalization → Activation(relu) → Dropout (batch 32, last batch 26)', () => [new Dense({ units: 12, inputDim: 20, useBias: false }), new BatchNormalization(), new Activation({ activation: 'relu' }), new Dropout({ rate: 0.2 }), new Dense({ units: 1, activation: 'sigmoid' })], () => new Adam({ learningRate: 0.01 }), 32),
  layersCheck('BatchNormalization first, and before the output (momentum 0.9, no shift)', () => [new BatchNormalization({ inputDim: 20, momentum: 0.9 }), new Dense({ units: 6, activation: 'sigmoid' }), new BatchNormalization({ center: false }), new Dense({ units: 1, activation: 'sigmoid' })], () => new RMSprop({ learningRate: 0.01 }), 30),
];

/**
 * Dropout's masks read back from a step, against the hash itself (mask.ts): Dense(64 → 512, linear, no bias, W = 1) →
 * Dropout → Dense(512 → 1, W = 1) on the 64 rows of the identity, with y = 0 and mean squared error. Row r of the
 * batch reaches only row r of the first kernel, whose unit j receives the gradient 2·out_r/64 · mask · 1/(1 − rate):
 * exactly 0 where the unit was dropped. So one SGD step leaves W[r][j] = 1 exactly where the mask at (step, r, j)
 * dropped it. Three fits of one step each (the weights reset between them, the step counter running on) give
 * 3 × 64 × 512 = 98,304 masks of each rate, on the GPU and on the CPU reference; every one must be the hash's.
 */
function dropoutMaskCheck(rate: number, seed: number): Check {
  const [rows, units, steps] = [64, 512, 3];
  return {
    name: `dropout's masks at rate ${rate} (seed ${seed}) equal the hash of (seed, step, row, unit) over ${steps} steps × ${rows} rows × ${units} units, on GPU and CPU`,
    async run(device) {
      const x = { shape: [rows, rows] as [number, number], data: Float32Array.from({ length: rows * rows }, (_, i) => Number(i % (rows + 1) === 0)) };
      const y = { shape: [rows, 1] as [number, number], data: new Float32Array(rows) };
      const ones = [new Float32Array(rows * units).fill(1), new Float32Array(units).fill(1)];
      const results = await onBoth(
        async (backend) => {
          const model = new Sequential([new Dense({ units, inputDim: rows, useBias: false }), new Dropout({ rate, seed }), new Dense({ units: 1, useBias: false })]);
          await model.compile({ loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 0.001 }), backend, device, seed: 1 });
          return model;
        },
        async (model) => {
          let [wrong, dropped] = [0, 0];
          for (let step = 0; step < steps; step++) {
            await model.setWeights(ones);
            await model.fit(x, y, { epochs: 1, batchSize: rows, shuffle: false });
            const [kernel] = await model.getWeights();
            for (let r = 0; r < rows; r++) {
              for (let j = 0; j < units; j++) {
                const kept = kernel[r * units + j] !== 1;
                dropped += Number(!kept);
                wrong += Number(kept !== maskHash(seed, step, r, j) >= threshold(rate));
              }
            }
          }
          return { wrong, fraction: dropped / (steps * rows * units) };
        },
      );
      const [gpu, cpu] = results;
      return { maxError: gpu.wrong + cpu.wrong, tolerance: 0, detail: `masks unlike the hash: GPU ${gpu.wrong}, CPU ${cpu.wrong}; dropped fraction GPU ${gpu.fraction.toFixed(5)}, CPU ${cpu.fraction.toFixed(5)}` };
    },
  };
}

/**
 * Dropout only trains: after training with it, predict and evaluate give exactly what the same weights give without
 * the Dropout layers (on the GPU, the kernels of inference carry no dropout at all), on GPU and CPU.
 */
const dropoutInferenceCheck: Check = {
  name: 'after training with Dropout, predict and evaluate equal those of the same weights without the Dropout layers, on GPU and CPU',
  async run(device) {
    const { x, y } = halvesDataset(70, 20, 23);
    const layers = (withDropout: boolean) => [
      new Dense({ units: 16, activation: 'relu', inputDim: 20 }),
      ...(withDropout ? [new Dropout({ rate: 0.4 })] : []),
      new BatchNormalization(),
      new Dense({ units: 8, activation: 'tanh' }),
      ...(withDropout ? [new Dropout({ rate: 0.2, seed: 9 })] : []),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ];
    const results = await onBoth(
      async (backend) => {
        const model = new Sequential(layers(true));
        await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.01 }), backend, device, seed: 3 });
        return model;
      },
      async (model) => {
        await model.fit(x, y, { epochs: 3, batchSize: 16 });
        const without = new Sequential(layers(false));
        await without.compile({ loss: 'binaryCrossentropy', backend: model.backendName, device, seed: 1 });
        await without.setWeights(await model.getWeights());
        const [a, b] = [(await model.predict(x)).data, (await without.predict(x)).data];
        const [ea, eb] = [(await model.evaluate(x, y)).loss, (await without.evaluate(x, y)).loss];
        without.dispose();
        return Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])), Math.abs(ea - eb));
      },
    );
    return { maxError: Math.max(...results), tolerance: 0, detail: `largest difference: GPU ${results[0]}, CPU ${results[1]}` };
  },
};

/**
 * The optimizers' options and the weights' penalties, on the GPU and the CPU reference from the same weights:
 * every epoch's loss (the penalties included), every batch's, the validation's, and the weights.
 */
function optimizerCheck(name: string, optimizer: () => Optimizer, { regularized = false, normalized = false } = {}): Check {
  return {
    name: `fit with ${name} matches the CPU reference: history (penalties in the loss), batch logs, weights`,
    async run(device) {
      const { x, y } = halvesDataset(80, 16, 17);
      const validation = halvesDataset(40, 16, 18);
      const results = await onBoth(
        async (backend) => {
          const penalties = regularized ? { kernelRegularizer: regularizers.l1l2({ l1: 0.001, l2: 0.01 }), biasRegularizer: regularizers.l2({ l2: 0.05 }) } : {};
          const model = new Sequential([
            new Dense({ units: 10, activation: 'relu', inputDim: 16, ...penalties }),
            ...(normalized ? [new BatchNormalization()] : []),
            new Dense({ units: 1, activation: 'sigmoid', ...(regularized ? { kernelRegularizer: 'l2' as const } : {}) }),
          ]);
          await model.compile({ loss: 'binaryCrossentropy', optimizer: optimizer(), backend, device, seed: 5 });
          return model;
        },
        async (model) => {
          const batches: number[] = [];
          const history = await model.fit(x, y, { epochs: 3, batchSize: 16, validationData: [validation.x, validation.y], onBatchEnd: (_, logs) => void batches.push(logs.loss) });
          return { history, batches, weights: (await model.getWeights()).flatMap((w) => Array.from(w)), evaluated: (await model.evaluate(x, y)).loss };
        },
      );
      const [gpu, cpu] = results;
      const errors = {
        history: Math.max(maxRelativeError(gpu.history.loss, cpu.history.loss), maxRelativeError(gpu.history.val_loss, cpu.history.val_loss)),
        batches: gpu.batches.length === 15 ? maxRelativeError(gpu.batches, cpu.batches) : Infinity,
        weights: maxRelativeError(gpu.weights, cpu.weights),
        evaluate: maxRelativeError([gpu.evaluated], [cpu.evaluated]),
      };
      return { maxError: Math.max(...Object.values(errors)), tolerance: 1e-5, detail: `${Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}; losses ${cpu.history.loss.map((l) => l.toFixed(4)).join(', ')}` };
    },
  };
}

const optimizerChecks: Check[] = [
  optimizerCheck('SGD with momentum 0.9, BatchNormalization', () => new SGD({ learningRate: 0.05, momentum: 0.9 }), { normalized: true }),
  optimizerCheck('SGD with Nesterov momentum and weight decay', () => new SGD({ learningRate: 0.05, momentum: 0.8, nesterov: true, weightDecay: 0.01 })),
  optimizerCheck('AdamW (weight decay 0.004)', () => new AdamW({ learningRate: 0.01 })),
  optimizerCheck('Adam with clipvalue 0.01', () => new Adam({ learningRate: 0.01, clipvalue: 0.01 })),
  optimizerCheck('RMSprop with clipnorm 0.05 (each variable), BatchNormalization', () => new RMSprop({ learningRate: 0.01, clipnorm: 0.05 }), { normalized: true }),
  optimizerCheck('SGD with globalClipnorm 0.1, BatchNormalization', () => new SGD({ learningRate: 0.1, globalClipnorm: 0.1 }), { normalized: true }),
  optimizerCheck('l1l2 and l2 penalties on kernels and a bias, SGD', () => new SGD({ learningRate: 0.1 }), { regularized: true }),
  optimizerCheck('penalties with globalClipnorm and Adam', () => new Adam({ learningRate: 0.01, globalClipnorm: 0.5 }), { regularized: true }),
];

/**
 * The learning rate lives in a buffer: changed between fits, or in onEpochEnd while the next epoch is already queued,
 * it takes effect at the next epoch as on the CPU, and no pipeline is compiled for it.
 */
const learningRateCheck: Check = {
  name: 'a learning rate changed between fits and in onEpochEnd takes effect at the next epoch, as on the CPU, with no pipeline compiled',
  async run(device) {
    const { x, y } = halvesDataset(64, 12, 19);
    let compiled = -1;
    const results = await onBoth(
      async (backend) => {
        const model = new Sequential([new Dense({ units: 6, activation: 'tanh', inputDim: 12 }), new Dense({ units: 1, activation: 'sigmoid' })]);
        await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.01 }), backend, device, seed: 3 });
        return model;
      },
      async (model) => {
        const optimizer = model.optimizer!;
        const first = await model.fit(x, y, { epochs: 2, batchSize: 16 });
        optimizer.learningRate = 0.05;
        const count = device.createComputePipelineAsync;
        let pipelines = 0;
        device.createComputePipelineAsync = function (...args) {
          pipelines++;
          return count.apply(this, args);
        };
        try {
          const second = await model.fit(x, y, { epochs: 4, batchSize: 16, onEpochEnd: (epoch) => void (optimizer.learningRate = 0.05 / (epoch + 2)) });
          if (model.backendName === 'webgpu') compiled = pipelines;
          return [...first.loss, ...second.loss, ...(await model.getWeights()).flatMap((w) => Array.from(w))];
        } finally {
          device.createComputePipelineAsync = count;
        }
      },
    );
    return { maxError: compiled === 0 ? maxRelativeError(results[0], results[1]) : Infinity, tolerance: 1e-5, detail: `${compiled} pipelines compiled by the second fit` };
  },
};

/**
 * Training on this adapter described as a GPU, whose products of at least 32 × 32 results over 32 terms or more
 * (here the first layer's forward and update) stage their operands in workgroup memory (kernels.ts `blocking`),
 * over a short last batch: as the CPU reference. The first layer is wide enough that a step is more work than the
 * one-dispatch epoch takes (epoch-kernel.ts), so that the steps run these kernels.
 */
const stagedTrainingCheck: Check = {
  name: 'training with a GPU\'s kernels staged in workgroup memory matches the CPU reference after 3 epochs: Adam, batch 32 of 70 rows (last batch 6)',
  async run(device) {
    const gpu = reportedAs(device, { adapterInfo: { vendor: 'nvidia', architecture: 'hopper' } });
    const { x, y } = halvesDataset(70, 160, 31);
    let staged = 0;
    const results = await onBoth(
      async (backend) => {
        const model = new Sequential([new Dense({ units: 128, activation: 'tanh', inputDim: 160 }), new Dense({ units: 1, activation: 'sigmoid' })]);
        await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.01 }), backend, device: gpu, seed: 8 });
        return model;
      },
      async (model) => {
        const history = await model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false });
        if (model.backendName === 'webgpu') staged = (await model.describeTrainingStep(32)).split('\n').filter((line) => line.includes('staged in workgroup memory')).length;
        return [...history.loss, ...(await model.getWeights()).flatMap((w) => Array.from(w))];
      },
    );
    return { maxError: staged === 2 ? maxRelativeError(results[0], results[1]) : Infinity, tolerance: 1e-5, detail: `${staged} of 5 products staged` };
  },
};

const trainingChecks: Check[] = [
  ...[new BinaryCrossentropy(), new MeanSquaredError()].flatMap((loss) =>
    [1, 20].flatMap((epochs) => [trainingCheck(loss, epochs, 32), trainingCheck(loss, epochs, 'full')]),
  ),
  trainingCheck(new BinaryCrossentropy(), 20, 64, true),
  trainingCheck(new BinaryCrossentropy(), 20, 'full', true),
  stagedTrainingCheck,
];

/** Three classes: which third of the features is brightest. */
function threeClasses(x: { shape: [number, number]; data: Float32Array }) {
  const [rows, cols] = x.shape;
  return Float32Array.from({ length: rows }, (_, r) => {
    const sums = [0, 0, 0];
    for (let c = 0; c < cols; c++) sums[Math.floor((3 * c) / cols)] += x.data[r * cols + c];
    return sums.indexOf(Math.max(...sums));
  });
}

/**
 * fit's options beyond the lesson, on the GPU and the CPU reference from the same weights: every history column,
 * every batch log and the final weights agree.
 */
function fitCheck(name: string, optimizer: () => Optimizer, categorical: boolean): Check {
  return {
    name: `fit with ${name} matches the CPU reference: history, batch logs, weights`,
    async run(device) {
      const { x, y: binary } = halvesDataset(150, 30, 12);
      const y = categorical ? { shape: [150, 1] as [number, number], data: threeClasses(x) } : binary;
      // 150 validation rows: more than one workgroup of the row kernels (64 rows) and than one matmul tile (16).
      const validation = halvesDataset(150, 30, 13);
      const validationY = categorical ? { shape: [150, 1] as [number, number], data: threeClasses(validation.x) } : validation.y;
      const run = async (backend: 'webgpu' | 'cpu') => {
        const layers = categorical
          ? [new Dense({ units: 12, activation: 'relu', inputDim: 30 }), new Dense({ units: 3, activation: 'softmax' })]
          : [new Dense({ units: 12, activation: 'tanh', inputDim: 30 }), new Dense({ units: 1, activation: 'sigmoid' })];
        const model = new Sequential(layers);
        const loss = categorical ? 'sparseCategoricalCrossentropy' : 'binaryCrossentropy';
        await model.compile({ loss, optimizer: optimizer(), metrics: ['accuracy'], backend, device, seed: 8 });
        const batches: number[] = [];
        const history = await model.fit(x, y, {
          epochs: 4,
          initialEpoch: 1,
          batchSize: 32,
          shuffle: true,
          validationData: [validation.x, validationY],
          onBatchEnd: (_, logs) => void batches.push(logs.loss, logs.accuracy!),
        });
        const weights = (await model.getWeights()).flatMap((w) => Array.from(w));
        const evaluated = await model.evaluate(validation.x, validationY);
        model.dispose();
        return { history, batches, weights, evaluated: [evaluated.loss, evaluated.accuracy!] };
      };
      const [gpu, cpu] = [await run('webgpu'), await run('cpu')];
      const columns = ['loss', 'accuracy', 'val_loss', 'val_accuracy'] as const;
      const errors = {
        epochs: gpu.history.epoch.join() === '1,2,3' && cpu.history.epoch.join() === '1,2,3' ? 0 : Infinity,
        history: Math.max(...columns.map((c) => maxRelativeError(gpu.history[c] ?? [NaN], cpu.history[c] ?? [NaN]))),
        batches: gpu.batches.length === 3 * 5 * 2 ? maxRelativeError(gpu.batches, cpu.batches) : Infinity,
        weights: maxRelativeError(gpu.weights, cpu.weights),
        evaluate: maxRelativeError(gpu.evaluated, cpu.evaluated),
      };
      return { maxError: Math.max(...Object.values(errors)), tolerance: 1e-5, detail: Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ') };
    },
  };
}

const fitChecks: Check[] = [
  fitCheck('Adam, tanh, accuracy, validationData, onBatchEnd, initialEpoch, shuffle', () => new Adam({ learningRate: 0.01 }), false),
  fitCheck('RMSprop, softmax, sparse categorical cross-entropy, accuracy, validationData, onBatchEnd', () => new RMSprop({ learningRate: 0.005 }), true),
];

/** Runs `f` on a 'webgpu' and on a 'cpu' model built by `make`, and returns both results. */
async function onBoth<T>(make: (backend: 'webgpu' | 'cpu') => Promise<Sequential>, f: (model: Sequential) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (const backend of ['webgpu', 'cpu'] as const) {
    const model = await make(backend);
    results.push(await f(model));
    model.dispose();
  }
  return results;
}

const saturationCheck: Check = {
  name: 'binary cross-entropy on saturated sigmoids (z = ±50): the exact loss 50, finite gradients, on GPU and CPU',
  async run(device) {
    // x = ±1 with W = 50 gives z = ±50, each on the wrong side of its label: L = |z| = 50 per row. One full-batch
    // SGD step: dz = (a − y)/2 = ±0.5, so ∂J/∂W = 1·0.5 + (−1)(−0.5) = 1 and ∂J/∂b = 0: W = 50 − 0.1·1 = 49.9.
    const x = [[1], [-1]];
    const y = [[0], [1]];
    const results = await onBoth(
      async (backend) => {
        const model = new Sequential([new Dense({ units: 1, activation: 'sigmoid', inputDim: 1 })]);
        await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.1 }), backend, device, seed: 1 });
        await model.setWeights([new Float32Array([50]), new Float32Array([0])]);
        return model;
      },
      async (model) => {
        const before = (await model.evaluate(x, y)).loss;
        const history = await model.fit(x, y, { epochs: 1, batchSize: 2, shuffle: false });
        const [w, b] = await model.getWeights();
        return [before, history.loss[0], w[0], b[0]];
      },
    );
    const expected = [50, 50, 49.9, 0];
    return { maxError: Math.max(...results.map((r) => maxRelativeError(r, expected))), tolerance: 1e-6, detail: `webgpu ${results[0].join(', ')}; cpu ${results[1].join(', ')}` };
  },
};

const divergenceCheck: Check = {
  name: 'a diverging run (learning rate 1e6) records the non-finite loss and stops with DIVERGED, on GPU and CPU',
  async run(device) {
    const { x, y } = halvesDataset(64, 8, 3);
    const outcomes = await onBoth(
      async (backend) => {
        const model = new Sequential([new Dense({ units: 4, activation: 'linear', inputDim: 8 }), new Dense({ units: 1, activation: 'linear' })]);
        await model.compile({ loss: 'meanSquaredError', optimizer: new SGD({ learningRate: 1e6 }), backend, device, seed: 2 });
        return model;
      },
      (model) =>
        model.fit(x, y, { epochs: 50, batchSize: 8 }).then(
          () => 'finished all 50 epochs',
          (error: WebGPUNNError & { history?: { loss: number[] } }) => {
            const losses = error.history?.loss ?? [];
            const stoppedAtFirst = losses.length < 50 && losses.findIndex((l) => !Number.isFinite(l)) === losses.length - 1;
            return error.code === 'DIVERGED' && stoppedAtFirst ? 'ok' : `${error.code}: ${error.message}`;
          },
        ),
    );
    return { maxError: outcomes.every((o) => o === 'ok') ? 0 : Infinity, tolerance: 0, detail: outcomes.join('; ') };
  },
};

const limitsCheck: Check = {
  name: 'device limits: a dataset 4× the largest binding and batches needing 7× the workgroups per dimension train as the CPU reference',
  async run(device) {
    // maxStorageBufferBindingSize 4096 bytes holds 64 rows of 10 floats: x [200 × 10] comes in 4 chunks. At most 2
    // workgroups per dimension: a 200-row batch's 13 row tiles fold into a 2 × 7 grid.
    const small = reportedAs(device, { limits: { maxStorageBufferBindingSize: 4096, maxComputeWorkgroupsPerDimension: 2 } });
    const { x, y } = halvesDataset(200, 10, 7);
    const results = await onBoth(
      async (backend) => {
        const model = new Sequential([new Dense({ units: 5, activation: 'tanh', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })]);
        await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), metrics: ['accuracy'], backend, device: small, seed: 6 });
        return model;
      },
      async (model) => {
        const full = await model.fit(x, y, { epochs: 2, batchSize: 200 });
        const batched = await model.fit(x, y, { epochs: 2, batchSize: 50 });
        const scores = await model.evaluate(x, y);
        const predictions = await model.predict(x);
        const weights = (await model.getWeights()).flatMap((w) => Array.from(w));
        return [...full.loss, ...batched.loss, ...batched.accuracy!, scores.loss, ...predictions.data, ...weights];
      },
    );
    return { maxError: maxRelativeError(results[0], results[1]), tolerance: 1e-5 };
  },
};

const concurrencyCheck: Check = {
  name: 'during fit: predict and evaluate work (on the weights of an epoch boundary), a second fit, setWeights and compile reject with BUSY',
  async run(device) {
    const { x, y } = halvesDataset(96, 12, 9);
    const model = new Sequential([new Dense({ units: 4, activation: 'relu', inputDim: 12 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await model.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device, seed: 3 });
    const fitting = model.fit(x, y, { epochs: 5, batchSize: 16 });
    const codes = await Promise.all([
      model.fit(x, y).then(() => 'resolved', (e: WebGPUNNError) => e.code),
      model.setWeights(await model.getWeights()).then(() => 'resolved', (e: WebGPUNNError) => e.code),
      model.compile({ loss: 'binaryCrossentropy', device }).then(() => 'resolved', (e: WebGPUNNError) => e.code),
    ]);
    const [predicted, evaluated] = await Promise.all([model.predict(x), model.evaluate(x, y)]);
    const history = await fitting;
    model.dispose();
    const ok = codes.every((c) => c === 'BUSY') && predicted.shape[0] === 96 && predicted.data.every((p) => p > 0 && p < 1) && Number.isFinite(evaluated.loss) && history.loss.length === 5;
    return { maxError: ok ? 0 : Infinity, tolerance: 0, detail: `${codes.join(', ')}; predict ${predicted.shape}, evaluate ${evaluated.loss.toFixed(4)}` };
  },
};

const gpuErrorCheck: Check = {
  name: 'a GPU validation error (an app buffer destroyed before fit) rejects with GPU_ERROR, and the model trains on after',
  async run(device) {
    const { x, y } = halvesDataset(40, 10, 6);
    const model = new Sequential([new Dense({ units: 3, activation: 'relu', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await model.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device, seed: 2 });
    const buffer = device.createBuffer({ size: x.data.byteLength, usage: 0x80 | 0x8 });
    buffer.destroy();
    const error = await model.fit({ shape: x.shape, buffer }, y, { epochs: 1 }).then(() => undefined, (e: WebGPUNNError) => e);
    const history = await model.fit(x, y, { epochs: 1 });
    model.dispose();
    // Dawn rejects the destroyed buffer when epoch 0 is submitted, wgpu already when the plan binds it.
    const ok = error?.code === 'GPU_ERROR' && /epoch 0|planning train/.test(error.message) && Number.isFinite(history.loss[0]);
    return { maxError: ok ? 0 : Infinity, tolerance: 0, detail: `${error?.code}: ${error?.message.slice(0, 160)}` };
  },
};

const midFitErrorCheck: Check = {
  name: "an app buffer destroyed mid-fit, with and without an app's error scope around fit: fit rejects with GPU_ERROR at the first epoch that could not run, keeping the last reported epoch, from which Adam trains on as on the CPU",
  async run(device) {
    const { x, y } = halvesDataset(48, 10, 7);
    const make = async (backend: 'webgpu' | 'cpu') => {
      const model = new Sequential([new Dense({ units: 4, activation: 'sigmoid', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.05 }), backend, device, seed: 4 });
      return model;
    };
    const flat = async (model: Sequential) => (await model.getWeights()).flatMap((w) => Array.from(w));
    const options = { batchSize: 16, shuffle: false };
    // The CPU reference: 3 epochs (0, 1 and 2, queued before epoch 1's end destroyed the buffer), then 2 more.
    const reference = await make('cpu');
    await reference.fit(x, y, { epochs: 3, ...options });
    const expected = await flat(reference);
    await reference.fit(x, y, { epochs: 2, ...options });
    const expectedContinued = await flat(reference);
    reference.dispose();
    const run = async (scoped: boolean) => {
      const buffer = device.createBuffer({ size: x.data.byteLength, usage: 0x80 | 0x8 });
      device.queue.writeBuffer(buffer, 0, x.data);
      const model = await make('webgpu');
      // Epoch 0's submit passes its own error scopes; the later ones' errors go to the app's scope or to none.
      if (scoped) device.pushErrorScope('validation');
      const error = await model
        .fit({ shape: x.shape, buffer }, y, { epochs: 8, ...options, onEpochEnd: (epoch) => void (epoch === 1 && buffer.destroy()) })
        .then(() => undefined, (e: WebGPUNNError & { history?: { loss: number[] } }) => e);
      const appError = scoped ? await device.popErrorScope() : undefined;
      const kept = await flat(model);
      await model.fit(x, y, { epochs: 2, ...options });
      const continued = await flat(model);
      model.dispose();
      const message = scoped ? /^epoch 3: the GPU ran none of the epoch's commands: no error reached/ : /^epoch 3: the GPU ran none of the epoch's commands: .*destroyed/s;
      const ok = error?.code === 'GPU_ERROR' && message.test(error.message) && error.history?.loss.length === 3 && (!scoped || appError !== null);
      return { ok, errors: [maxRelativeError(kept, expected), maxRelativeError(continued, expectedContinued)], text: `${error?.code} after ${error?.history?.loss.length} epochs (${error?.message.slice(0, 90)})` };
    };
    const runs = [await run(false), await run(true)];
    return {
      maxError: runs.every((r) => r.ok) ? Math.max(...runs.flatMap((r) => r.errors)) : Infinity,
      tolerance: 1e-5,
      detail: runs.map((r, i) => `${i ? 'in an app scope' : 'no scope'}: ${r.text}; kept ${r.errors[0].toExponential(2)}, 2 epochs on ${r.errors[1].toExponential(2)}`).join('; '),
    };
  },
};

const deviceLossCheck: Check = {
  name: 'device lost mid-fit: fit rejects with DEVICE_LOST, the last completed epoch is kept, and a new device continues from it',
  async run(device, requestDevice) {
    const { x, y } = halvesDataset(64, 10, 4);
    const make = async (backend: 'webgpu' | 'cpu', on: GPUDevice) => {
      const model = new Sequential([new Dense({ units: 6, activation: 'sigmoid', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), backend, device: on, seed: 5 });
      return model;
    };
    const doomed = await requestDevice();
    const model = await make('webgpu', doomed);
    const error = await model
      .fit(x, y, { epochs: 8, batchSize: 16, onEpochEnd: (epoch) => void (epoch === 2 && doomed.destroy()) })
      .then(() => undefined, (e: WebGPUNNError & { history?: { loss: number[] } }) => e);
    const completed = error?.history?.loss.length ?? 0;
    const kept = await model.getWeights();
    // The CPU reference, trained for the epochs that completed, says what the kept weights must be.
    const reference = await make('cpu', device);
    await reference.fit(x, y, { epochs: completed, batchSize: 16 });
    const expected = await reference.getWeights();
    reference.dispose();
    await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), backend: 'webgpu', device, seed: 5 });
    const continued = await model.getWeights();
    const history = await model.fit(x, y, { epochs: 2, batchSize: 16 });
    model.dispose();
    const flat = (ws: Float32Array[]) => ws.flatMap((w) => Array.from(w));
    const errors = [maxRelativeError(flat(kept), flat(expected)), maxRelativeError(flat(continued), flat(expected))];
    const ok = error?.code === 'DEVICE_LOST' && completed >= 3 && completed < 8 && history.loss.every(Number.isFinite);
    return {
      maxError: ok ? Math.max(...errors) : Infinity,
      tolerance: 1e-5,
      detail: `fit: ${error?.code} after ${completed} epochs; kept vs CPU ${errors[0].toExponential(2)}, after compile ${errors[1].toExponential(2)}; then losses ${history.loss.map((l) => l.toFixed(4)).join(', ')}`,
    };
  },
};

const shuffleCheck: Check = {
  name: 'shuffle on: same seed gives the same training, another seed a different one, both as the CPU reference',
  async run(device) {
    const { x, y } = halvesDataset(96, 40, 5);
    const run = async (backend: 'webgpu' | 'cpu', seed: number) => {
      const model = new Sequential([new Dense({ units: 8, activation: 'relu', inputDim: 40 }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), backend, device, seed });
      const history = await model.fit(x, y, { epochs: 4, batchSize: 16, shuffle: true });
      const weights = await model.getWeights();
      model.dispose();
      return { loss: history.loss, weights: weights.flatMap((w) => Array.from(w)) };
    };
    const [a, b, c, ref] = [await run('webgpu', 1), await run('webgpu', 1), await run('webgpu', 2), await run('cpu', 1)];
    const repeat = maxRelativeError(a.weights, b.weights);
    const differ = maxRelativeError(a.loss, c.loss);
    const reference = maxRelativeError(a.weights, ref.weights);
    return {
      maxError: differ > 1e-4 ? Math.max(repeat, reference) : Infinity,
      tolerance: 1e-5,
      detail: `same seed ${repeat}, other seed differs by ${differ.toExponential(2)}, vs CPU ${reference.toExponential(2)}`,
    };
  },
};

const callbackCheck: Check = {
  name: 'inside onEpochEnd, predict and getWeights see the weights of the epoch reported, though the next is queued',
  async run(device) {
    const { x, y } = halvesDataset(100, 40, 8);
    const run = async (backend: 'webgpu' | 'cpu') => {
      const model = new Sequential([new Dense({ units: 6, activation: 'sigmoid', inputDim: 40 }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), backend, device, seed: 3 });
      const seen: number[] = [];
      await model.fit(x, y, {
        epochs: 4,
        batchSize: 32,
        shuffle: false,
        onEpochEnd: async () => {
          seen.push(...(await model.getWeights())[0], ...(await model.predict(x)).data);
        },
      });
      model.dispose();
      return seen;
    };
    return { maxError: maxRelativeError(await run('webgpu'), await run('cpu')), tolerance: 1e-5 };
  },
};

// 40 features are read in place; 13 are not whole vec4s, so each step first gathers them into padded rows.
const appBufferChecks: Check[] = [40, 13].map((features) => ({
  name: `an app's own GPUBuffers (${features} features): fit from them and predict into one, as from Float32Arrays, buffers left alive`,
  async run(device) {
    const { x, y } = halvesDataset(70, features, 10);
    const upload = (data: Float32Array) => {
      const buffer = device.createBuffer({ size: data.byteLength, usage: 0x80 | 0x8 | 0x4 }); // STORAGE | COPY_DST | COPY_SRC
      device.queue.writeBuffer(buffer, 0, data);
      return buffer;
    };
    const xBuffer = upload(x.data);
    const yBuffer = upload(y.data);
    const output = device.createBuffer({ size: 70 * 4, usage: 0x80 | 0x8 | 0x4 });
    const readback = device.createBuffer({ size: 70 * 4, usage: 0x1 | 0x8 }); // MAP_READ | COPY_DST
    const make = async () => {
      const model = new Sequential([new Dense({ units: 5, activation: 'relu', inputDim: features }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.2 }), backend: 'webgpu', device, seed: 9 });
      return model;
    };
    const fromBuffers = await make();
    const fromArrays = await make();
    const history = await fromBuffers.fit({ shape: [70, features], buffer: xBuffer }, { shape: [70, 1], buffer: yBuffer }, { epochs: 3, batchSize: 16, shuffle: false });
    const expectedHistory = await fromArrays.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false });
    const written = await fromBuffers.predict({ shape: [70, features], buffer: xBuffer }, { into: output });
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(written.buffer, 0, readback, 0, 70 * 4);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(0x1);
    const predicted = new Float32Array(readback.getMappedRange().slice(0));
    const expected = (await fromArrays.predict(x)).data;
    const evaluated = (await fromBuffers.evaluate({ shape: [70, features], buffer: xBuffer }, { shape: [70, 1], buffer: yBuffer })).loss;
    const error = Math.max(
      maxRelativeError(history.loss, expectedHistory.loss),
      maxRelativeError(predicted, expected),
      maxRelativeError([evaluated], [(await fromArrays.evaluate(x, y)).loss]),
    );
    fromBuffers.dispose();
    fromArrays.dispose();
    [xBuffer, yBuffer, output, readback].forEach((b) => b.destroy());
    return { maxError: written.buffer === output && written.shape[0] === 70 ? error : Infinity, tolerance: 1e-6 };
  },
}));

const countCheck: Check = {
  name: 'fit submits once and maps once per epoch (10 epochs, 7 steps each)',
  async run(device) {
    const { x, y } = halvesDataset(200, 40, 6);
    const model = new Sequential([new Dense({ units: 25, activation: 'sigmoid', inputDim: 40 }), new Dense({ units: 1, activation: 'sigmoid' })]);
    await model.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device, seed: 1 });
    const queue = device.queue;
    const submit = queue.submit;
    const proto = Object.getPrototypeOf(device.createBuffer({ size: 4, usage: 0x8 })) as GPUBuffer;
    const mapAsync = proto.mapAsync;
    let submits = 0;
    let maps = 0;
    queue.submit = function (...args) {
      submits++;
      return submit.apply(this, args);
    };
    proto.mapAsync = function (...args) {
      maps++;
      return mapAsync.apply(this, args);
    };
    try {
      await model.fit(x, y, { epochs: 10, batchSize: 32, shuffle: true });
    } finally {
      queue.submit = submit;
      proto.mapAsync = mapAsync;
      model.dispose();
    }
    return { maxError: Math.max(submits, maps) / 10, tolerance: 1.0001, detail: `${submits} submits, ${maps} maps in 10 epochs` };
  },
};

export const gpuChecks: Check[] = [
  ...denseChecks,
  lossCheck(new BinaryCrossentropy(), 'sigmoid', blockings[0]),
  lossCheck(new BinaryCrossentropy(), 'relu', blockings[1]),
  lossCheck(new MeanSquaredError(), 'linear', blockings[2]),
  lossCheck(new MeanSquaredError(), 'sigmoid', blockings[3]),
  lossCheck(new MeanSquaredError(), 'tanh', blockings[0]),
  softmaxCheck(new CategoricalCrossentropy()),
  softmaxCheck(new SparseCategoricalCrossentropy()),
  optimizerKernelCheck(new Adam({ learningRate: 0.01 })),
  optimizerKernelCheck(new RMSprop({ learningRate: 0.01 })),
  ...lossSumChecks,
  ...trainingChecks,
  ...activationChecks,
  ...layersChecks,
  dropoutMaskCheck(0.1, 2024),
  dropoutMaskCheck(0.5, 7),
  dropoutInferenceCheck,
  ...optimizerChecks,
  learningRateCheck,
  ...fitChecks,
  ...trainingControlChecks,
  ...groupChecks,
  saturationCheck,
  divergenceCheck,
  limitsCheck,
  concurrencyCheck,
  gpuErrorCheck,
  midFitErrorCheck,
  deviceLossCheck,
  shuffleCheck,
  callbackCheck,
  ...appBufferChecks,
  countCheck,
  ...epochKernelChecks,
  ...streamChecks,
];
