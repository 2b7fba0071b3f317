// The GPU runtime checked against the CPU reference: one list of checks, run by the Node suite (Dawn) and by
// the browser suite (Chromium's WebGPU). Each check returns the largest error it measured and the tolerance.
//
// Tolerance: 1e-5, relative to max(1, |expected|). The GPU sums in another order than the CPU reference (tiles
// of 32, then a tree), and float32 sums of n terms in two orders differ by up to about n·2⁻²⁴ of the terms'
// magnitude: 400 terms of size ~1 give a few 1e-6 at most. Training checks hold to the same bound after 20
// epochs; the measured errors are near 1e-7.
import { BinaryCrossentropy, Dense, MeanSquaredError, SGD, Sequential } from '../../src/index';
import { type Activation, activate, activationCode, derivative } from '../../src/model/activations';
import type { Loss } from '../../src/model/losses';
import { matmul } from '../../src/reference/network';
import { halvesDataset, maxRelativeError, randomMatrix } from '../support/data';
import { runKernel } from './kernel-harness';

export interface CheckResult {
  maxError: number;
  tolerance: number;
  detail?: string;
}

export interface Check {
  name: string;
  run(device: GPUDevice): Promise<CheckResult>;
}

const ceil32 = (n: number) => Math.ceil(n / 32);
const shapes: [rows: number, inner: number, cols: number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [33, 400, 25],
  [1000, 400, 25],
];

function reversed(rows: number): Uint32Array {
  return Uint32Array.from({ length: rows }, (_, i) => rows - 1 - i);
}

const kernelChecks: Check[] = shapes.flatMap(([m, k, n]): Check[] => [
  {
    // A·B: a[rows × inputs] · W[inputs × units] + b, then g; layer 0 gathers its rows through the order.
    name: `forward (A·B + bias, sigmoid) ${m}×${k} · ${k}×${n}, rows gathered in reverse`,
    async run(device) {
      const x = randomMatrix(m, k, 1).data;
      const w = randomMatrix(k + 1, n, 2, -0.2, 0.2).data;
      const [, , , out] = await runKernel(device, 'forward', { INPUTS: k, UNITS: n, ACTIVATION: activationCode.sigmoid, GATHER: 1 },
        [reversed(m), x, w, { output: m * n }], [ceil32(n), ceil32(m)], { rowStart: 0, rows: m });
      const xr = new Float32Array(m * k);
      for (let r = 0; r < m; r++) xr.set(x.subarray((m - 1 - r) * k, (m - r) * k), r * k);
      const z = matmul(xr, w, m, k, n);
      const expected = z.map((v, i) => activate('sigmoid', v + w[k * n + (i % n)]));
      return { maxError: maxRelativeError(out, expected), tolerance: 1e-5 };
    },
  },
  {
    // A·Bᵀ: dz[rows × units] · W[inputs × units]ᵀ ⊙ g'(a_prev).
    name: `backprop (A·Bᵀ ⊙ relu') ${m}×${k} · (${n}×${k})ᵀ`,
    async run(device) {
      const deltas = randomMatrix(m, k, 3).data;
      const w = randomMatrix(n + 1, k, 4).data;
      const previous = randomMatrix(m, n, 5, -1, 1).data.map((v) => activate('relu', v));
      const [, , , out] = await runKernel(device, 'backprop', { INPUTS: n, UNITS: k, ACTIVATION: activationCode.relu },
        [deltas, w, previous, { output: m * n }], [ceil32(n), ceil32(m)], { rowStart: 0, rows: m });
      const expected = matmul(deltas, w.subarray(0, n * k), m, k, n, { transposeB: true }).map((v, i) => v * derivative('relu', previous[i]));
      return { maxError: maxRelativeError(out, expected), tolerance: 1e-5 };
    },
  },
  {
    // Aᵀ·B: W ← W − α·[a | 1]ᵀ · dz, the last row being the bias.
    name: `update (Aᵀ·B, bias row, SGD) (${k}×${m})ᵀ · ${k}×${n}`,
    async run(device) {
      const input = randomMatrix(k, m, 6).data;
      const deltas = randomMatrix(k, n, 7).data;
      const w = randomMatrix(m + 1, n, 8).data;
      const lr = 0.25;
      const [, , , updated] = await runKernel(device, 'update', { INPUTS: m, UNITS: n, GATHER: 0, LEARNING_RATE: lr },
        [new Uint32Array(k), input, deltas, w], [ceil32(n), ceil32(m + 1)], { rowStart: 0, rows: k });
      const gradient = matmul(input, deltas, m, k, n, { transposeA: true });
      const expected = w.map((v, i) => {
        if (i < m * n) return v - lr * gradient[i];
        let sum = 0;
        for (let r = 0; r < k; r++) sum += deltas[r * n + (i - m * n)];
        return v - lr * sum;
      });
      return { maxError: maxRelativeError(updated, expected), tolerance: 1e-5 };
    },
  },
]);

function lossCheck(loss: Loss, activation: Activation): Check {
  const [m, k, n] = [33, 40, 3];
  return {
    name: `forward_loss (${activation} output, ${loss.name}): activations, element losses and dJ/dz, ${m} rows × ${n} units`,
    async run(device) {
      const x = randomMatrix(m, k, 9, 0, 1).data;
      const w = randomMatrix(k + 1, n, 10, -0.1, 0.1).data;
      const y = randomMatrix(m, n, 11, 0, 1).data.map((v) => Math.round(v));
      const order = Uint32Array.from({ length: m }, (_, i) => i);
      const code = { binaryCrossentropy: 1, meanSquaredError: 2 }[loss.name];
      const [, , , a, , deltas, losses] = await runKernel(device, 'forward_loss',
        { INPUTS: k, UNITS: n, ACTIVATION: activationCode[activation], GATHER: 1, LOSS: code },
        [order, x, w, { output: m * n }, y, { output: m * n }, { output: m * n }], [1, ceil32(m)], { rowStart: 0, rows: m });
      const expectedA = matmul(x, w, m, k, n).map((v, i) => activate(activation, v + w[k * n + (i % n)]));
      const fused = activation === 'sigmoid' && loss.name === 'binaryCrossentropy';
      const expectedDeltas = expectedA.map((v, i) => (fused ? v - y[i] : loss.gradient(v, y[i]) * derivative(activation, v)) / (m * n));
      const expectedLosses = expectedA.map((v, i) => loss.value(v, y[i]));
      const errors = [maxRelativeError(a, expectedA), maxRelativeError(deltas, expectedDeltas), maxRelativeError(losses, expectedLosses)];
      return { maxError: Math.max(...errors), tolerance: 1e-5, detail: `activations ${errors[0]}, deltas ${errors[1]}, losses ${errors[2]}` };
    },
  };
}

const lossSumChecks: Check[] = [1, 1000, 12345].map((count) => ({
  name: `loss_sum: the mean of ${count} element losses`,
  async run(device) {
    const losses = randomMatrix(1, count, 12, 0, 2).data;
    const [, result] = await runKernel(device, 'loss_sum', { COUNT: count }, [losses, { output: 1 }], [1, 1]);
    const expected = losses.reduce((s, v) => s + v, 0) / count;
    return { maxError: maxRelativeError([result[0]], [expected]), tolerance: 1e-5 };
  },
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

function trainingCheck(loss: Loss, epochs: number, batchSize: number | 'full'): Check {
  const rows = 200;
  const batch = batchSize === 'full' ? rows : batchSize;
  return {
    name: `training matches the CPU reference after ${epochs} epoch${epochs > 1 ? 's' : ''}: ${loss.name}, ${batchSize === 'full' ? 'full batch' : `batch ${batch} of ${rows} rows (last batch ${rows % batch})`}`,
    async run(device) {
      const { x, y } = halvesDataset(rows, 400, 21);
      const { gpu, cpu } = await lessonPair(device, loss, 400);
      const options = { epochs, batchSize: batch, shuffle: false };
      const [gpuHistory, cpuHistory] = [await gpu.fit(x, y, options), await cpu.fit(x, y, options)];
      const gpuWeights = await gpu.getWeights();
      const cpuWeights = await cpu.getWeights();
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
        maxError: moved ? Math.max(...Object.values(errors)) : Infinity,
        tolerance: 1e-5,
        detail: Object.entries(errors).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', '),
      };
    },
  };
}

const trainingChecks: Check[] = [new BinaryCrossentropy(), new MeanSquaredError()].flatMap((loss) =>
  [1, 20].flatMap((epochs) => [trainingCheck(loss, epochs, 32), trainingCheck(loss, epochs, 'full')]),
);

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

const appBufferCheck: Check = {
  name: "an app's own GPUBuffers: fit from them and predict into one, as from Float32Arrays, buffers left alive",
  async run(device) {
    const { x, y } = halvesDataset(70, 40, 10);
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
      const model = new Sequential([new Dense({ units: 5, activation: 'relu', inputDim: 40 }), new Dense({ units: 1, activation: 'sigmoid' })]);
      await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.2 }), backend: 'webgpu', device, seed: 9 });
      return model;
    };
    const fromBuffers = await make();
    const fromArrays = await make();
    const history = await fromBuffers.fit({ shape: [70, 40], buffer: xBuffer }, { shape: [70, 1], buffer: yBuffer }, { epochs: 3, batchSize: 16, shuffle: false });
    const expectedHistory = await fromArrays.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false });
    const written = await fromBuffers.predict({ shape: [70, 40], buffer: xBuffer }, { into: output });
    const encoder = device.createCommandEncoder();
    encoder.copyBufferToBuffer(written.buffer, 0, readback, 0, 70 * 4);
    device.queue.submit([encoder.finish()]);
    await readback.mapAsync(0x1);
    const predicted = new Float32Array(readback.getMappedRange().slice(0));
    const expected = (await fromArrays.predict(x)).data;
    const evaluated = (await fromBuffers.evaluate({ shape: [70, 40], buffer: xBuffer }, { shape: [70, 1], buffer: yBuffer })).loss;
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
};

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
  ...kernelChecks,
  lossCheck(new BinaryCrossentropy(), 'sigmoid'),
  lossCheck(new BinaryCrossentropy(), 'relu'),
  lossCheck(new MeanSquaredError(), 'linear'),
  lossCheck(new MeanSquaredError(), 'sigmoid'),
  ...lossSumChecks,
  ...trainingChecks,
  shuffleCheck,
  callbackCheck,
  appBufferCheck,
  countCheck,
];
