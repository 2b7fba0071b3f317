import type { ElementLoss, LossDefinition } from './loss';

/** ℓ(a, y) = (a − y)²: the squared error, for regression. */
export const meanSquaredError: ElementLoss & LossDefinition = {
  shape: 'element',
  value: (a, y) => (a - y) * (a - y),
  gradient: (a, y) => 2 * (a - y),
  wgsl: { value: 'return (a - y) * (a - y);', gradient: 'return 2.0 * (a - y);' },
  checkLabels: () => {},
};
