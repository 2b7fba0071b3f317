// In Node, a Dawn instance (the `webgpu` package's `create([])`) that is garbage-collected takes its devices down
// with the process. When the library requests the device from a `compile({ gpu })`, it holds that `gpu` for as long
// as the device lives, so a caller need not.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { create } from 'webgpu';
import { describe, expect, it } from 'vitest';
import { Dense, SGD, Sequential } from '../src/index';
import { halvesDataset, maxRelativeError } from './support/data';
import { nodeGPU } from './support/node-gpu';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** Full collections across macrotasks, so that WeakRefs read in earlier turns and finalizers are let go. */
async function collect(): Promise<void> {
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    gc();
  }
}

async function lessonModel(options: { backend: 'webgpu' | 'cpu'; gpu?: GPU }): Promise<Sequential> {
  const model = new Sequential([new Dense({ units: 6, activation: 'relu', inputDim: 12 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.3 }), seed: 3, ...options });
  return model;
}

describe('the Dawn instance a model was compiled with', () => {
  it('lives as long as its device: compile({ gpu: create([]) }) with no other reference, collected, then fit trains as the CPU reference', async () => {
    nodeGPU(); // sets up the SwiftShader driver and the globals Dawn's objects need
    let instance!: WeakRef<GPU>;
    const model = await (async () => {
      const gpu = create([]) as GPU;
      instance = new WeakRef(gpu);
      return lessonModel({ backend: 'webgpu', gpu });
    })();
    await collect();
    expect(instance.deref()).toBeDefined();
    const { x, y } = halvesDataset(64, 12, 8);
    const gpuLoss = (await model.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false })).loss;
    const cpu = await lessonModel({ backend: 'cpu' });
    const cpuLoss = (await cpu.fit(x, y, { epochs: 3, batchSize: 16, shuffle: false })).loss;
    console.log(`after collection: GPU losses ${gpuLoss.map((l) => l.toFixed(6)).join(', ')}; CPU ${cpuLoss.map((l) => l.toFixed(6)).join(', ')}`);
    expect(maxRelativeError(gpuLoss, cpuLoss)).toBeLessThanOrEqual(1e-5);
    model.dispose();
    cpu.dispose();
  });
});
