// One optimizer step over all of a network's trainable variables, in Keras 3's order (BaseOptimizer.apply):
//   1. the gradients clipped: each element to [−clipvalue, clipvalue]; or each variable's g scaled by
//      clipnorm / max(‖g‖, clipnorm); or every g scaled by globalClipnorm / max(‖all g‖, globalClipnorm)
//   2. the weights decayed: w ← w − w · weightDecay · α (decoupled, with the step's learning rate α)
//   3. the optimizer's rule
// In TypeScript for the CPU reference, and the element-wise steps in WGSL for the update epilogue. Norm clipping needs
// every gradient before any update, so on the GPU it defers the update (runtime/plan.ts): the gradient kernels store
// the gradients, one dispatch takes the variables' norms and one per layer applies the rest.
import type { RunConstants } from '../runtime/members';
import type { OptimizerDefinition, OptimizerSpec } from './optimizer';

export interface Variable {
  w: Float32Array;
  g: Float32Array;
  state: Float32Array[];
}

const squares = (g: Float32Array) => g.reduce((sum, v) => sum + v * v, 0);

/** Whether the spec clips by a norm, which needs every gradient before any update. */
export const clipsByNorm = (spec: OptimizerSpec) => spec.clipnorm > 0 || spec.globalClipnorm > 0;

/** The factor that norm clipping scales a gradient by, from its squared norm (each variable's, or all of them). */
export function clipFactor(spec: OptimizerSpec, squaredNorm: number): number {
  const limit = spec.clipnorm > 0 ? spec.clipnorm : spec.globalClipnorm;
  return limit / Math.max(Math.sqrt(squaredNorm), limit);
}

/** Updates every variable, the optimizer's scalars for iteration t being `scalars`. */
export function applyUpdates(definition: OptimizerDefinition, spec: OptimizerSpec, variables: Variable[], scalars: number[]): void {
  const [lr] = scalars;
  const global = variables.reduce((sum, { g }) => sum + squares(g), 0);
  for (const { w, g, state } of variables) {
    let clipped = g;
    if (spec.clipvalue > 0) clipped = g.map((v) => Math.min(Math.max(v, -spec.clipvalue), spec.clipvalue));
    if (clipsByNorm(spec)) {
      const factor = clipFactor(spec, spec.clipnorm > 0 ? squares(g) : global);
      clipped = g.map((v) => v * factor);
    }
    if (spec.weightDecay > 0) for (let i = 0; i < w.length; i++) w[i] -= w[i] * spec.weightDecay * lr;
    definition.apply(spec, w, clipped, state, scalars);
  }
}

/**
 * Steps 1 (element clipping) and 2 in WGSL, before the rule: statements on `g` and `w`, the learning rate
 * scalar(0u), the hyperparameters among the run's constants.
 */
export function commonWgsl(spec: OptimizerSpec, constants: RunConstants): string {
  return [
    spec.clipvalue > 0 ? `let clip = ${constants.float(spec.clipvalue)};\n  g = clamp(g, vec4f(-clip), vec4f(clip));` : '',
    spec.weightDecay > 0 ? `w -= w * ${constants.float(spec.weightDecay)} * scalar(0u);` : '',
  ]
    .filter(Boolean)
    .join('\n  ');
}
