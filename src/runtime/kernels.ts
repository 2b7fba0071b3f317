// The kernel table: which WGSL files make each kernel, its entry point and its bindings, and a per-device
// cache of compiled pipelines. Kernels are data; the plan (plan.ts) decides what runs.
import { WebGPUNNError } from '../errors';
import { ShaderStage } from './flags';
import activations from '../shaders/activations.wgsl?raw';
import backprop from '../shaders/backprop.wgsl?raw';
import forward from '../shaders/forward.wgsl?raw';
import gather from '../shaders/gather.wgsl?raw';
import lossSum from '../shaders/loss-sum.wgsl?raw';
import losses from '../shaders/losses.wgsl?raw';
import matmul from '../shaders/matmul.wgsl?raw';
import softmax from '../shaders/softmax.wgsl?raw';
import step from '../shaders/step.wgsl?raw';
import update from '../shaders/update.wgsl?raw';

/** A binding's kind: the per-step uniform (read at a dynamic offset), read-only storage, or writable storage. */
type BindingKind = 'step' | 'read' | 'write';

interface Kernel {
  sources: string[];
  entry: string;
  bindings: BindingKind[];
}

const forwardSources = [forward, step, matmul, activations, losses];
const updateSources = [update, step, matmul];
const softmaxSources = [softmax, step];

export const kernels = {
  forward: { sources: forwardSources, entry: 'forward', bindings: ['step', 'read', 'read', 'read', 'write'] },
  forward_loss: { sources: forwardSources, entry: 'forward_loss', bindings: ['step', 'read', 'read', 'read', 'write', 'read', 'write', 'write', 'write'] },
  softmax: { sources: softmaxSources, entry: 'softmax', bindings: ['step', 'write'] },
  softmax_loss: { sources: softmaxSources, entry: 'softmax_loss', bindings: ['step', 'write', 'read', 'read', 'write', 'write', 'write'] },
  backprop: { sources: [backprop, step, matmul, activations], entry: 'backprop', bindings: ['step', 'read', 'read', 'read', 'write'] },
  update_sgd: { sources: updateSources, entry: 'update_sgd', bindings: ['step', 'read', 'read', 'read', 'write'] },
  update_adam: { sources: updateSources, entry: 'update_adam', bindings: ['step', 'read', 'read', 'read', 'write', 'write', 'read'] },
  update_rmsprop: { sources: updateSources, entry: 'update_rmsprop', bindings: ['step', 'read', 'read', 'read', 'write', 'write'] },
  loss_sum: { sources: [lossSum], entry: 'loss_sum', bindings: ['read', 'write'] },
  gather: { sources: [gather, step], entry: 'gather', bindings: ['step', 'read', 'read', 'write'] },
} satisfies Record<string, Kernel>;

export type KernelName = keyof typeof kernels;

/** Rows of invocations in a matmul kernel's workgroup, each a 4 × 4 block (matmul.wgsl's SIDE). */
export const SIDE = 4;

/** A matmul kernel's workgroup width for a result `cols` wide (matmul.wgsl's COLUMN_BLOCKS): its 4-column blocks, at most 16. */
export function columnBlocks(cols: number): number {
  return Math.min(Math.ceil(cols / 4), 16);
}

/** Workgroups of a matmul kernel for a result [rows × cols], each invocation computing `blockRows` × 4 of it. */
export function matmulWorkgroups(rows: number, cols: number, blockRows = 4): [number, number] {
  return [Math.ceil(Math.ceil(cols / 4) / columnBlocks(cols)), Math.ceil(rows / (SIDE * blockRows))];
}

interface Compiled {
  pipeline: GPUComputePipeline;
  layout: GPUBindGroupLayout;
}

const cache = new WeakMap<GPUDevice, Map<string, Promise<Compiled>>>();

/** The pipeline for a kernel with these override constants, compiled once per device. */
export function compile(device: GPUDevice, name: KernelName, constants: Record<string, number>): Promise<Compiled> {
  let pipelines = cache.get(device);
  if (!pipelines) cache.set(device, (pipelines = new Map()));
  const key = `${name} ${JSON.stringify(constants)}`;
  let compiled = pipelines.get(key);
  if (!compiled) {
    compiled = build(device, name, constants);
    compiled.catch(() => pipelines.delete(key));
    pipelines.set(key, compiled);
  }
  return compiled;
}

async function build(device: GPUDevice, name: KernelName, constants: Record<string, number>): Promise<Compiled> {
  const kernel: Kernel = kernels[name];
  const module = device.createShaderModule({ label: name, code: kernel.sources.join('\n') });
  const layout = device.createBindGroupLayout({
    label: name,
    entries: kernel.bindings.map((kind, binding) => ({
      binding,
      visibility: ShaderStage.COMPUTE,
      buffer:
        kind === 'step'
          ? { type: 'uniform', hasDynamicOffset: true }
          : { type: kind === 'read' ? 'read-only-storage' : 'storage' },
    })),
  });
  try {
    const pipeline = await device.createComputePipelineAsync({
      label: name,
      layout: device.createPipelineLayout({ bindGroupLayouts: [layout] }),
      compute: { module, entryPoint: kernel.entry, constants },
    });
    return { pipeline, layout };
  } catch (error) {
    const info = await module.getCompilationInfo();
    const messages = info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message}`);
    throw new WebGPUNNError('GPU_ERROR', `kernel '${name}' failed to compile: ${messages.join('; ') || (error as Error).message}`);
  }
}
