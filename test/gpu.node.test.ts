// The GPU runtime in Node, on Dawn: every shared check against the CPU reference.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
      const result = await check.run(device);
      console.log(`${check.name}: max error ${result.maxError.toExponential(2)} (tolerance ${result.tolerance})${result.detail ? `; ${result.detail}` : ''}`);
      expect(result.maxError).toBeLessThanOrEqual(result.tolerance);
    });
  }
});
