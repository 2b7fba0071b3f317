// The tuner's choices as plain data (`model.getTuning()`), for an app to keep and give back to `compile({ tuning })`,
// so that a later session makes the same kernels without timing them again. Checked in full before it is used.
import { describe, invalid } from '../errors';
import type { Blocking } from './kernels';

export const TUNING_FORMAT = 'webgpu-nn-tuning';

/** The kernels the tuner chose, by product, on one adapter. JSON as it is. */
export interface TuningTable {
  format: typeof TUNING_FORMAT;
  /** The adapter they were timed on, as `model.adapterInfo` names it: a table is used on that adapter only. */
  adapter: string;
  /**
   * Each product's kernel, by the product's kernel (with its epilogue), constants and result shape (`'forward(
   * INPUTS=400,UNITS=25,GATHER=1,INPUT_STRIDE=0,WEIGHTS_STRIDE=0,MEMBERS=1,STEP_SCALARS=2) 32×25'`): its block of
   * 4 × 4 tiles per invocation, its workgroup, and whether it stages its operands in workgroup memory.
   */
  kernels: Record<string, Blocking>;
}

/** What `compile({ tuning })` takes: time the kernels on the device, or start from a table kept before. */
export type Tuning = 'auto' | TuningTable;

const STAGED_SIDES = [2, 4, 8];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInteger = (value: unknown, min: number, max: number): value is number => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function checkBlocking(argument: string, value: unknown): Blocking {
  if (!isObject(value)) throw invalid(argument, 'an object like { tileRows, tileCols, group }', value);
  const extra = Object.keys(value).filter((key) => !['tileRows', 'tileCols', 'group', 'workgroupMemory'].includes(key));
  if (extra.length > 0) throw invalid(argument, 'only tileRows, tileCols, group and workgroupMemory', value);
  const { tileRows, tileCols, group, workgroupMemory } = value;
  if (!isInteger(tileRows, 1, 8)) throw invalid(`${argument}.tileRows`, 'an integer from 1 to 8', tileRows);
  if (!isInteger(tileCols, 1, 8)) throw invalid(`${argument}.tileCols`, 'an integer from 1 to 8', tileCols);
  if (!Array.isArray(group) || group.length !== 2 || !group.every((side) => isInteger(side, 1, 256)) || group[0] * group[1] > 256) {
    throw invalid(`${argument}.group`, '[x, y]: two integers of at most 256 invocations together', group);
  }
  if (workgroupMemory !== undefined && typeof workgroupMemory !== 'boolean') throw invalid(`${argument}.workgroupMemory`, 'a boolean', workgroupMemory);
  const blocking: Blocking = { tileRows, tileCols, group: [group[0], group[1]] };
  if (!workgroupMemory) return blocking;
  // matmul-shared.wgsl stages 128 · side · (tileRows + tileCols) bytes: 16 KiB at most (8 × 8 tiles in 8 × 8
  // invocations), WebGPU's least maxComputeWorkgroupStorageSize.
  if (group[1] !== group[0] || !STAGED_SIDES.includes(group[0])) {
    throw invalid(`${argument}.group`, 'a square workgroup of side 2, 4 or 8 where it stages in workgroup memory', group);
  }
  return { ...blocking, workgroupMemory: true };
}

/** `compile({ tuning })`, checked: undefined (the heuristic), 'auto', or a copy of a table. */
export function parseTuning(argument: string, value: unknown): Tuning | undefined {
  if (value === undefined || value === 'auto') return value;
  if (!isObject(value)) throw invalid(argument, "'auto' or a table from model.getTuning()", value);
  if (value.format !== TUNING_FORMAT) throw invalid(`${argument}.format`, `'${TUNING_FORMAT}'`, value.format);
  if (typeof value.adapter !== 'string') throw invalid(`${argument}.adapter`, 'a string', value.adapter);
  if (!isObject(value.kernels)) throw invalid(`${argument}.kernels`, 'an object of kernels by product', value.kernels);
  const kernels: Record<string, Blocking> = {};
  for (const [product, blocking] of Object.entries(value.kernels)) kernels[product] = checkBlocking(`${argument}.kernels[${describe(product)}]`, blocking);
  return { format: TUNING_FORMAT, adapter: value.adapter, kernels };
}
