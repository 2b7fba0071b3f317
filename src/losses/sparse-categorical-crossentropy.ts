import { categoricalCrossentropy } from './categorical-crossentropy';
import { type LossDefinition, type RowLoss, checkRange, clip, clipped, labelDistribution } from './loss';

/** L(a, c) = −log(a_c) for the class index c: categorical cross-entropy with integer labels, one column. */
export const sparseCategoricalCrossentropy: RowLoss & LossDefinition = {
  shape: 'row',
  labels: 'index',
  value: (a, y) => categoricalCrossentropy.value(Array.from(a, clip), labelDistribution(sparseCategoricalCrossentropy, y, a.length)),
  gradient(a, y, out) {
    categoricalCrossentropy.gradient(a, labelDistribution(sparseCategoricalCrossentropy, y, a.length), out);
    for (let j = 0; j < a.length; j++) if (clipped(a[j])) out[j] = 0;
  },
  wgsl: categoricalCrossentropy.wgsl,
  checkLabels: (y, units, argument, fail) =>
    checkRange(y, 1, argument, `a class index, an integer in [0, ${units})`, (v) => Number.isInteger(v) && v >= 0 && v < units, fail),
};
