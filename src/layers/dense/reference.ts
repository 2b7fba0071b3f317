// A Dense layer in the CPU reference: the affine map of every row, z = a · W + b, with W the kernel [inputs × units]
// and b the bias [units] (none without useBias). The network applies the layer's activation after it.
import { matmul } from '../../reference/matmul';
import type { ReferenceLayer } from '../layer';
import type { DenseSpec } from './definition';

export const denseReference: ReferenceLayer<DenseSpec> = {
  forward({ inputs, units, useBias }, [kernel, bias], input, m) {
    const z = matmul(input, kernel, m, inputs, units); // z = a · W
    if (useBias) for (let i = 0; i < z.length; i++) z[i] += bias[i % units]; // + b
    return { output: z };
  },

  //   ∂J/∂W = aᵀ · dz      ∂J/∂b = Σ_rows dz      ∂J/∂a = dz · Wᵀ
  backward({ inputs, units, useBias }, [kernel], input, _cache, dz, m) {
    const kernelGradient = matmul(input, dz, inputs, m, units, { transposeA: true });
    const biasGradient = new Float32Array(units);
    for (let i = 0; i < dz.length; i++) biasGradient[i % units] += dz[i];
    return { dInput: matmul(dz, kernel, m, units, inputs, { transposeB: true }), gradients: useBias ? [kernelGradient, biasGradient] : [kernelGradient] };
  },
};
