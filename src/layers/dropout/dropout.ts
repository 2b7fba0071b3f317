// The Dropout layer as users write it: Keras's arguments.
import { invalid } from '../../errors';
import { Layer, type SpecContext } from '../../model/layer';
import type { DropoutSpec } from './definition';

export interface DropoutConfig {
  /** The fraction of units dropped during training, in [0, 1). */
  rate: number;
  /** Seeds the masks; by default one derived from the compile seed and the layer's place. */
  seed?: number;
  name?: string;
}

export function checkSeed(argument: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= 2 ** 32) throw invalid(argument, 'an integer in [0, 2^32)', value);
  return value;
}

/** Inverted dropout in training, the identity in predict and evaluate. */
export class Dropout extends Layer {
  readonly kind = 'dropout';
  readonly className = 'Dropout';
  readonly rate: number;
  readonly seed: number | undefined;

  constructor(config: DropoutConfig) {
    if (config === null || typeof config !== 'object') throw invalid('Dropout(config)', 'an object like { rate: 0.2 }', config);
    const { rate } = config;
    if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw invalid('Dropout({ rate })', 'a number in [0, 1)', rate);
    const seed = checkSeed('Dropout({ seed })', config.seed);
    super({ name: config.name });
    this.rate = rate;
    this.seed = seed;
  }

  outputWidth(inputs: number): number {
    return inputs;
  }

  spec(inputs: number, { name, seed }: SpecContext): DropoutSpec {
    return { kind: 'dropout', name, inputs, units: inputs, rate: this.rate, seed: this.seed ?? seed };
  }

  initialWeights(): Float32Array[] {
    return [];
  }
}
