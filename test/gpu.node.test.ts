// The GPU runtime in Node, on Dawn: every shared check against the CPU reference.
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dense, Sequential } from '../src/index';
import { tracking } from './support/buffers';
import { halvesDataset } from './support/data';
import { gpuChecks } from './checks/gpu-checks';
import { nodeDevice } from './support/node-gpu';

let device: GPUDevice;
beforeAll(async () => {
  device = await nodeDevice();
});
afterAll(() => device?.destroy());

describe('WebGPU runtime in Node (Dawn)', () => {
  for (const check of gpuChecks) {
    it(check.name, async () => {
      const result = await check.run(device, nodeDevice);
      console.log(`${check.name}: max error ${result.maxError.toExponential(2)} (tolerance ${result.tolerance})${result.detail ? `; ${result.detail}` : ''}`);
      expect(result.maxError).toBeLessThanOrEqual(result.tolerance);
    });
  }
});

describe('the plan', () => {
  it('records the lesson step as 8 dispatches, at most 3 per layer, and prints them', async () => {
    const model = new Sequential([
      new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }),
      new Dense({ units: 15, activation: 'sigmoid' }),
      new Dense({ units: 1, activation: 'sigmoid' }),
    ]);
    await model.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device, seed: 1 });
    const text = await model.describeTrainingStep(32);
    model.dispose();
    console.log(text);
    const dispatches = text.split('\n').filter((line) => /^ *\d+\. /.test(line));
    expect(dispatches.map((line) => line.trim().split(/\s+/)[1])).toEqual([
      'forward', 'forward', 'forward_loss', 'backprop', 'update_sgd', 'backprop', 'update_sgd', 'update_sgd',
    ]);
  });

  it('destroys every buffer it made: 100 cycles of compile, fit, predict, getWeights, dispose leave none alive and the heap bounded', async () => {
    const { x, y } = halvesDataset(50, 20, 2);
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap: number[] = [];
    const { alive } = await tracking(device, async () => {
      for (let cycle = 0; cycle < 100; cycle++) {
        if (cycle === 20 || cycle === 99) {
          gc();
          heap.push(process.memoryUsage().heapUsed);
        }
        const model = new Sequential([new Dense({ units: 4, activation: 'relu', inputDim: 20 }), new Dense({ units: 1, activation: 'sigmoid' })]);
        await model.compile({ loss: 'binaryCrossentropy', backend: 'webgpu', device, seed: cycle });
        await model.fit(x, y, { epochs: 2, batchSize: 16 });
        await model.predict(x);
        await model.evaluate(x, y);
        await model.getWeights();
        model.dispose();
      }
    });
    expect(alive).toBe(0);
    console.log(`heap after 20 cycles ${(heap[0] / 2 ** 20).toFixed(1)} MiB, after 100 ${(heap[1] / 2 ** 20).toFixed(1)} MiB`);
    expect(heap[1] - heap[0]).toBeLessThan(16 * 2 ** 20);
  });
});
