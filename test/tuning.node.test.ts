// compile({ tuning }) on Dawn: models and groups that time their kernels, or take them from a table, train as the
// CPU reference; and the timer the tuner uses ranks kernels by their work, on the device's clock and on the host's.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Adam, Dense, type History, ModelGroup, Sequential, type TuningTable } from '../src/index';
import type { Blocking } from '../src/runtime/kernels';
import { timeEach } from '../src/runtime/timer';
import { halvesDataset, maxRelativeError } from './support/data';
import { nodeDevice } from './support/node-gpu';

let device: GPUDevice;
beforeAll(async () => {
  device = await nodeDevice();
});
afterAll(() => device?.destroy());

/** A two-layer model trained for 3 epochs at batch 32 of 70 rows (the last batch 6): its losses and weights. */
async function train(backend: 'webgpu' | 'cpu', tuning?: 'auto' | TuningTable) {
  const { x, y } = halvesDataset(70, 10, 31);
  const model = new Sequential([new Dense({ units: 6, activation: 'tanh', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new Adam({ learningRate: 0.01 }), backend, device, seed: 8, tuning });
  const history = await model.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false });
  const result = {
    values: [...history.loss, ...(await model.getWeights()).flatMap((w) => Array.from(w))],
    table: model.getTuning(),
    step: backend === 'webgpu' ? await model.describeTrainingStep(32) : '',
  };
  model.dispose();
  return result;
}

const rates = [0.01, 0.003, 0.02];

/** A group of three of train's models, each its own rate and seed, trained as train trains them. */
async function trainGroup(backend: 'webgpu' | 'cpu', tuning?: 'auto' | TuningTable) {
  const { x, y } = halvesDataset(70, 10, 31);
  const group = new ModelGroup(rates.map(() => new Sequential([new Dense({ units: 6, activation: 'tanh', inputDim: 10 }), new Dense({ units: 1, activation: 'sigmoid' })])));
  await group.compile({ loss: 'binaryCrossentropy', optimizer: (i) => new Adam({ learningRate: rates[i] }), backend, device, seed: (i) => 8 + i, tuning });
  const histories: History[] = await group.fit(x, y, { epochs: 3, batchSize: 32, shuffle: false });
  const weights = await Promise.all(rates.map((_, i) => group.getWeights(i)));
  const result = {
    values: histories.flatMap((h, i) => [...h.loss, ...weights[i].flatMap((w) => Array.from(w))]),
    table: group.getTuning(),
    memberTables: group.members.map((member) => member.getTuning()),
    step: backend === 'webgpu' ? await group.describeTrainingStep(32) : '',
  };
  group.dispose();
  return result;
}

describe('compile({ tuning }) on Dawn', () => {
  it("'auto' times each product's kernels and trains as the CPU reference; a table staging every product in workgroup memory trains so too", async () => {
    const cpu = await train('cpu');
    const auto = await train('webgpu', 'auto');
    expect(cpu.table).toBeUndefined();
    // One kernel for each of the step's five products: two forwards, one backprop, two updates.
    const table: TuningTable = JSON.parse(JSON.stringify(auto.table));
    expect(Object.keys(table.kernels)).toHaveLength(5);
    console.log(`tuned: ${JSON.stringify(table.kernels)}`);

    // Every product in 2 × 2 workgroups (those of 8 × 8 invocations take seconds each to compile here).
    const staged2: Blocking = { tileRows: 2, tileCols: 1, group: [2, 2], workgroupMemory: true };
    const kernels = Object.fromEntries(Object.keys(table.kernels).map((key) => [key, staged2]));
    const staged = await train('webgpu', { ...table, kernels });
    console.log(staged.step);
    expect(staged.step.split('\n').filter((line) => line.includes('staged in workgroup memory'))).toHaveLength(5);
    expect(staged.table?.kernels).toEqual(kernels);

    const errors = [maxRelativeError(auto.values, cpu.values), maxRelativeError(staged.values, cpu.values)];
    console.log(`tuned: max error ${errors[0].toExponential(2)}; staged: ${errors[1].toExponential(2)}`);
    expect(Math.max(...errors)).toBeLessThanOrEqual(1e-5);
  });

  it("a group's 'auto' times the group's products, apart from a Sequential's, and trains as the CPU reference group; a table staging every product trains so too", async () => {
    const cpu = await trainGroup('cpu');
    const auto = await trainGroup('webgpu', 'auto');
    expect(cpu.table).toBeUndefined();
    const table: TuningTable = JSON.parse(JSON.stringify(auto.table));
    // The group's five products, each one dispatch for its three members; its members report the group's table.
    expect(Object.keys(table.kernels)).toHaveLength(5);
    expect(Object.keys(table.kernels).every((key) => key.includes('MEMBERS=3'))).toBe(true);
    expect(auto.memberTables).toEqual(rates.map(() => auto.table));
    const alone = Object.keys((await train('webgpu', 'auto')).table!.kernels);
    expect(alone.some((key) => key in table.kernels)).toBe(false);

    const staged2: Blocking = { tileRows: 2, tileCols: 1, group: [2, 2], workgroupMemory: true };
    const kernels = Object.fromEntries(Object.keys(table.kernels).map((key) => [key, staged2]));
    const staged = await trainGroup('webgpu', { ...table, kernels });
    expect(staged.step.split('\n').filter((line) => line.includes('staged in workgroup memory'))).toHaveLength(5);
    expect(staged.table?.kernels).toEqual(kernels);

    const errors = [maxRelativeError(auto.values, cpu.values), maxRelativeError(staged.values, cpu.values)];
    console.log(`group tuned: ${JSON.stringify(table.kernels)}; max error ${errors[0].toExponential(2)}; staged: ${errors[1].toExponential(2)}`);
    expect(Math.max(...errors)).toBeLessThanOrEqual(1e-5);
  });

  it("ranks a kernel that does 16 times another's work as the slower, by the device's timestamps and by the clock", async () => {
    const clockDevice = await nodeDevice({ timestamps: false });
    try {
      for (const d of [device, clockDevice]) {
        const kernel = async (iterations: number) => {
          const code = `@group(0) @binding(0) var<storage, read_write> out: array<f32>;
            @compute @workgroup_size(4) fn main(@builtin(global_invocation_id) id: vec3u) {
              var s = 0.0;
              for (var i = 0u; i < ${iterations}u; i++) { s = fma(s, 0.999, sin(f32(i + id.x))); }
              out[id.x] = s;
            }`;
          const pipeline = await d.createComputePipelineAsync({ layout: 'auto', compute: { module: d.createShaderModule({ code }), entryPoint: 'main' } });
          const buffer = d.createBuffer({ size: 64, usage: GPUBufferUsage.STORAGE });
          const bindGroup = d.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer } }] });
          return { buffer, encode: (pass: GPUComputePassEncoder) => (pass.setPipeline(pipeline), pass.setBindGroup(0, bindGroup), pass.dispatchWorkgroups(2)) };
        };
        const [light, heavy] = [await kernel(10_000), await kernel(160_000)];
        const times = await timeEach(d, [light.encode, heavy.encode]);
        [light, heavy].forEach((k) => k.buffer.destroy());
        console.log(`${d === device ? 'timestamps' : 'clock'}: ${times.map((t) => `${t.toFixed(3)} ms`).join(', ')}`);
        expect(times.every((t) => Number.isFinite(t) && t > 0)).toBe(true);
        // The device's timestamps measure the work itself (on a CPU adapter, shared with whatever else the machine
        // runs); the clock adds the host's jitter, which on a loaded machine takes a good part of the light
        // kernel's time: there, only the ranking.
        expect(times[1]).toBeGreaterThan((d === device ? 2 : 1) * times[0]);
      }
    } finally {
      clockDevice.destroy();
    }
  });
});
