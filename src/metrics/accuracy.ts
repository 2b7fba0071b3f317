import { type MetricDefinition, argmax } from './metric';

/** Binary accuracy: whether the output, thresholded at 0.5, equals the label (0 or 1). */
export const binaryAccuracy: MetricDefinition = {
  element: {
    value: (a, y) => Number((a > 0.5 ? 1 : 0) === y),
    wgsl: 'return select(vec4f(), vec4f(1.0), select(vec4f(), vec4f(1.0), a > vec4f(0.5)) == y);',
  },
};

/** Categorical accuracy: whether the largest output is the label's class (the largest label). */
export const categoricalAccuracy: MetricDefinition = {
  row: {
    value: (a, y) => Number(argmax(a) === argmax(y)),
    wgsl: 'return select(0.0, 1.0, argmax_output(row) == argmax_label(source));',
  },
};
