// Dropout: during training, each unit of each row is zeroed with probability `rate` and the rest are scaled by
// 1 / (1 − rate) (inverted dropout, Keras's); in inference it is the identity. It has no weights and no kernels: on
// the GPU it is an operation fused into the kernels of the layer before it, and its masks are recomputed from the
// hash (mask.ts) where backpropagation needs them rather than stored, which costs a few integer operations per
// element and no memory.
import { f32Bits } from '../../runtime/wgsl';
import type { LayerDefinition, LayerSpecBase } from '../layer';
import { maskHash, maskWgsl, scale, threshold } from './mask';

export interface DropoutSpec extends LayerSpecBase {
  kind: 'dropout';
  rate: number;
  seed: number;
}

export const dropout: LayerDefinition<DropoutSpec> = {
  weights: () => [],
  reference: {
    // y = x · mask · 1/(1 − rate), mask 1 where the hash keeps the unit; the identity outside training.
    forward({ units, rate, seed }, _weights, input, m, pass) {
      if (!pass.training || rate === 0) return { output: input.slice() };
      const [limit, factor] = [threshold(rate), scale(rate)];
      const output = new Float32Array(input.length);
      for (let r = 0; r < m; r++) {
        for (let j = 0; j < units; j++) {
          const i = r * units + j;
          output[i] = maskHash(seed, pass.step, r, j) >= limit ? input[i] * factor : 0;
        }
      }
      return { output };
    },
    // ∂J/∂x = ∂J/∂y · mask · 1/(1 − rate): the same mask, recomputed.
    backward(spec, weights, _input, _cache, dOutput, m, pass) {
      return { dInput: dropout.reference.forward(spec, weights, dOutput, m, pass).output, gradients: [] };
    },
  },
  gpu: {
    role: 'pointwise',
    op({ rate, seed }, pass) {
      if (!pass.training || rate === 0) return undefined;
      const factor = `bitcast<f32>(${pass.constant(f32Bits(scale(rate)))})`;
      const mask = `dropout_mask(${pass.constant(seed)}, ${pass.constant(threshold(rate))}, ${factor}, row, col)`;
      return {
        text: `dropout ${rate}`,
        declarations: maskWgsl,
        forward: (v) => `${v} * ${mask}`,
        backward: (d) => `${d} * ${mask}`,
        // x = y / scale where kept; where dropped y = 0 and the derivative is 0, so any x serves.
        input: (a) => `${a} / ${factor}`,
      };
    },
  },
};
