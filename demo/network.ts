// The network the user picks: the hidden layers' widths and activation, and the learning rate. Pure helpers for
// the page's controls and header; the worker builds the model from the same settings (model.ts).
import type { Mode } from './modes';
import { SIDE } from './preprocess';

export type HiddenActivation = 'sigmoid' | 'relu' | 'tanh';

export interface NetworkSettings {
  /** The width of each hidden layer, first to last. */
  units: number[];
  activation: HiddenActivation;
  learningRate: number;
}

/** The most hidden layers, and the widest one, that the units field accepts. */
export const MAX_HIDDEN_LAYERS = 4;
export const MAX_UNITS = 512;

/**
 * The hidden layers' widths written as "25, 15", or why the text is not such a list: one to MAX_HIDDEN_LAYERS
 * integers in [1, MAX_UNITS], separated by commas.
 */
export function parseUnits(text: string): number[] | { problem: string } {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length > MAX_HIDDEN_LAYERS) return { problem: `at most ${MAX_HIDDEN_LAYERS} hidden layers` };
  const units = parts.map(Number);
  const bad = parts.findIndex((part, i) => !/^\d+$/.test(part) || units[i] < 1 || units[i] > MAX_UNITS);
  if (bad >= 0) return { problem: `widths are whole numbers from 1 to ${MAX_UNITS}, separated by commas: "${parts[bad]}" is not` };
  return units;
}

/** The layers' widths and activations, e.g. "400 → 25 sigmoid → 15 sigmoid → 1 sigmoid". */
export function describeNetwork(mode: Mode, { units, activation }: Pick<NetworkSettings, 'units' | 'activation'>): string {
  const hidden = units.map((width) => `${width} ${activation}`);
  return [String(SIDE * SIDE), ...hidden, `${mode.output.units} ${mode.output.activation}`].join(' → ');
}
