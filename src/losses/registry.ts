// Every loss, by the name Keras and TensorFlow.js give it.
import { binaryCrossentropy } from './binary-crossentropy';
import { categoricalCrossentropy } from './categorical-crossentropy';
import type { LossDefinition } from './loss';
import { meanSquaredError } from './mean-squared-error';
import { sparseCategoricalCrossentropy } from './sparse-categorical-crossentropy';

export const losses = {
  binaryCrossentropy,
  meanSquaredError,
  categoricalCrossentropy,
  sparseCategoricalCrossentropy,
} satisfies Record<string, LossDefinition>;

export type LossName = keyof typeof losses;
export const lossNames = Object.keys(losses) as LossName[];
