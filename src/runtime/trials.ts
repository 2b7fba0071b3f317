// Kernels run on trial for the tuner (tuner.ts): each compiled as the plan compiles it and bound to the plan's
// buffers as the plan would bind it, except that whatever it writes goes to a scratch buffer of the same size, so
// that running it changes neither the parameters nor the optimizer's state nor anything else. Then timed against
// each other (timer.ts).
import type { Binding } from './epilogues';
import { BufferUsage } from './flags';
import { type KernelSource, compile } from './kernels';
import type { Dispatch } from './plan';
import { timeEach } from './timer';

/** A kernel to try, as the plan has built it (`stepKernel`): its bindings after the step's two, its grid and copies. */
export interface TrialKernel {
  kernel: KernelSource;
  bindings: Binding[];
  workgroups: Dispatch['workgroups'];
  copies: number;
}

const bindingSize = (resource: GPUBuffer | GPUBufferBinding) => ('buffer' in resource ? (resource.size ?? resource.buffer.size - (resource.offset ?? 0)) : resource.size);

/**
 * The time of one run of each kernel, ms, bound after `step` (the step table and the words) and recorded by
 * `encode` (the plan's, at its first step).
 */
export async function timeTrials(
  device: GPUDevice,
  trials: TrialKernel[],
  step: (GPUBuffer | GPUBufferBinding)[],
  encode: (pass: GPUComputePassEncoder, dispatch: Dispatch) => void,
): Promise<number[]> {
  const scratch: GPUBuffer[] = [];
  const writable = (resource: GPUBuffer | GPUBufferBinding) => {
    const buffer = device.createBuffer({ label: 'tuning scratch', size: bindingSize(resource), usage: BufferUsage.STORAGE });
    scratch.push(buffer);
    return buffer;
  };
  try {
    const dispatches = await Promise.all(trials.map(async ({ kernel, bindings, workgroups, copies }): Promise<Dispatch> => {
      const { pipeline, layout } = await compile(device, kernel);
      const resources = [...step, ...bindings.map((b) => (b.kind === 'write' ? writable(b.resource) : b.resource))];
      const entries = resources.map((resource, binding) => ({ binding, resource: 'buffer' in resource ? resource : { buffer: resource } }));
      const bindGroup = device.createBindGroup({ label: `${kernel.label} on trial`, layout, entries });
      return { name: kernel.label, pipeline, bindGroup, stepped: true, workgroups, copies, text: 'on trial' };
    }));
    return await timeEach(device, dispatches.map((d) => (pass: GPUComputePassEncoder) => encode(pass, d)));
  } finally {
    scratch.forEach((b) => b.destroy());
  }
}
