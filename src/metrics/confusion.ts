// Metrics from the confusion of thresholded predictions with the labels, Keras's: a prediction is positive where it
// is above the threshold, a label where it is not 0. The sums are taken over the whole pass, then divided (so an
// epoch's precision is not the mean of its batches').
import { type MetricDefinition, ratio } from './metric';

const positive = (threshold: number) => ({
  value: (a: number | ArrayLike<number>) => Number((a as number) > threshold),
  wgsl: `return select(vec4f(), vec4f(1.0), a > vec4f(${threshold}));`,
});
const truePositive = (threshold: number) => ({
  value: (a: number | ArrayLike<number>, y: number | ArrayLike<number>) => Number((a as number) > threshold && y !== 0),
  wgsl: `return select(vec4f(), vec4f(1.0), (a > vec4f(${threshold})) & (y != vec4f()));`,
});
const actualPositive = { value: (_a: number | ArrayLike<number>, y: number | ArrayLike<number>) => Number(y !== 0), wgsl: 'return select(vec4f(), vec4f(1.0), y != vec4f());' };

/** Precision: true positives ÷ predicted positives (threshold 0.5). */
export const precision = ({ thresholds = 0.5 }: { thresholds?: number } = {}): MetricDefinition => ({
  shape: 'element',
  sums: [truePositive(thresholds), positive(thresholds)],
  result: ratio,
  direction: 'up',
});

/** Recall: true positives ÷ actual positives (threshold 0.5). */
export const recall = ({ thresholds = 0.5 }: { thresholds?: number } = {}): MetricDefinition => ({
  shape: 'element',
  sums: [truePositive(thresholds), actualPositive],
  result: ratio,
  direction: 'up',
});

/**
 * The thresholds of Keras's AUC: −ε, 1/(n − 1), 2/(n − 1), ..., (n − 2)/(n − 1), 1 + ε (n = 200, ε = 1e-7), in
 * float32 as the kernel compares them.
 */
export function aucThresholds(n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(i === 0 ? -1e-7 : i === n - 1 ? 1 + 1e-7 : i / (n - 1)));
}

/**
 * The true and false positives at each threshold, weighted, from each element's prediction (clipped to [0, 1]) and
 * its weighted label (w · y, w · (1 − y)): the CPU's binning of what the curve kernel bins on the GPU.
 */
export function aucBins(thresholds: number[], p: ArrayLike<number>, positives: ArrayLike<number>, negatives: ArrayLike<number>): number[] {
  const bins = new Array<number>(2 * thresholds.length).fill(0);
  for (let i = 0; i < p.length; i++) {
    const clipped = Math.fround(Math.min(Math.max(p[i], 0), 1));
    thresholds.forEach((t, k) => {
      if (clipped > t) {
        bins[k] += positives[i];
        bins[thresholds.length + k] += negatives[i];
      }
    });
  }
  return bins;
}

/**
 * The area under the ROC curve, Keras's interpolation: TPR = TP/P and FPR = FP/N at each threshold (P and N being
 * the first threshold's, below every prediction), AUC = Σ (FPR_i − FPR_i+1) · (TPR_i + TPR_i+1) / 2.
 */
export function aucFromBins(bins: number[]): number {
  const n = bins.length / 2;
  const [positives, negatives] = [bins[0], bins[n]];
  const tpr = (k: number) => (positives > 0 ? bins[k] / positives : 0);
  const fpr = (k: number) => (negatives > 0 ? bins[n + k] / negatives : 0);
  let area = 0;
  for (let k = 0; k < n - 1; k++) area += ((fpr(k) - fpr(k + 1)) * (tpr(k) + tpr(k + 1))) / 2;
  return area;
}

/** AUC (ROC, 200 thresholds, interpolated), Keras's approximation. */
export const auc = ({ numThresholds = 200 }: { numThresholds?: number } = {}): MetricDefinition => ({
  shape: 'element',
  sums: [],
  // Its sums are the curve kernel's bins.
  result: aucFromBins,
  direction: 'up',
  curve: aucThresholds(numThresholds),
});
