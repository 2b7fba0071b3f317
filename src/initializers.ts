// The initial values of a layer's weights, Keras 3's initializers, drawn on the CPU from a seeded generator: the
// compile's seed, or the initializer's own `seed`, which then gives the same values at every draw.
//
// Variance scaling (Glorot, He, LeCun): with fans (fan_in, fan_out) = the shape's [inputs, units] (both n for a
// vector of n), σ² = scale / max(1, fan), fan being fan_in, fan_out or their mean:
//   uniform              U(−√(3σ²), √(3σ²))
//   truncatedNormal      N(0, σ / 0.87962566103423978), values beyond two of its deviations drawn again (Keras
//                        divides by the deviation of a unit normal truncated so, to keep σ)
//   untruncatedNormal    N(0, σ)
// glorotUniform is the default kernel initializer; zeros the default bias initializer.
import { invalid } from './errors';
import { seededRandom } from './random';

export type InitializerSpec =
  | { name: 'varianceScaling'; scale: number; mode: 'fanIn' | 'fanOut' | 'fanAvg'; distribution: 'uniform' | 'truncatedNormal' | 'untruncatedNormal'; seed?: number }
  | { name: 'randomNormal'; mean: number; stddev: number; seed?: number }
  | { name: 'randomUniform'; minval: number; maxval: number; seed?: number }
  | { name: 'zeros' }
  | { name: 'ones' };

const scaling = (scale: number, mode: 'fanIn' | 'fanAvg', distribution: 'uniform' | 'truncatedNormal') => ({ seed }: { seed?: number } = {}): InitializerSpec => ({
  name: 'varianceScaling',
  scale,
  mode,
  distribution,
  ...(seed === undefined ? {} : { seed }),
});

/** The initializers by TensorFlow.js's names; each takes `{ seed }` (randomNormal and randomUniform their range too). */
export const initializers = {
  glorotUniform: scaling(1, 'fanAvg', 'uniform'),
  glorotNormal: scaling(1, 'fanAvg', 'truncatedNormal'),
  heUniform: scaling(2, 'fanIn', 'uniform'),
  heNormal: scaling(2, 'fanIn', 'truncatedNormal'),
  lecunUniform: scaling(1, 'fanIn', 'uniform'),
  lecunNormal: scaling(1, 'fanIn', 'truncatedNormal'),
  zeros: (): InitializerSpec => ({ name: 'zeros' }),
  ones: (): InitializerSpec => ({ name: 'ones' }),
  randomNormal: ({ mean = 0, stddev = 0.05, seed }: { mean?: number; stddev?: number; seed?: number } = {}): InitializerSpec => ({ name: 'randomNormal', mean, stddev, ...(seed === undefined ? {} : { seed }) }),
  randomUniform: ({ minval = -0.05, maxval = 0.05, seed }: { minval?: number; maxval?: number; seed?: number } = {}): InitializerSpec => ({ name: 'randomUniform', minval, maxval, ...(seed === undefined ? {} : { seed }) }),
};

export type InitializerName = keyof typeof initializers;
const initializerNames = Object.keys(initializers) as InitializerName[];

/** An initializer as users give it: one from `initializers`, or its name (TF.js's camelCase, or Keras's snake_case). */
export type Initializer = InitializerSpec | InitializerName;

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** An initializer argument checked, `fallback` where none is given. */
export function checkInitializer(argument: string, value: unknown, fallback: InitializerName): InitializerSpec {
  if (value === undefined || value === null) return initializers[fallback]();
  if (typeof value === 'string' && initializerNames.includes(camel(value) as InitializerName)) return initializers[camel(value) as InitializerName]();
  const spec = value as Partial<InitializerSpec> & Record<string, unknown>;
  const finite = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const seeded = spec.seed === undefined || (Number.isInteger(spec.seed) && (spec.seed as number) >= 0 && (spec.seed as number) < 2 ** 32);
  const ok =
    typeof value === 'object' &&
    seeded &&
    ((spec.name === 'varianceScaling' && finite(spec.scale) && (spec.scale as number) > 0 && ['fanIn', 'fanOut', 'fanAvg'].includes(spec.mode as string) && ['uniform', 'truncatedNormal', 'untruncatedNormal'].includes(spec.distribution as string)) ||
      (spec.name === 'randomNormal' && finite(spec.mean) && finite(spec.stddev) && (spec.stddev as number) >= 0) ||
      (spec.name === 'randomUniform' && finite(spec.minval) && finite(spec.maxval) && (spec.minval as number) <= (spec.maxval as number)) ||
      spec.name === 'zeros' ||
      spec.name === 'ones');
  if (!ok) throw invalid(argument, `an initializer: initializers.heNormal({ seed }), ... or one of ${initializerNames.map((n) => `'${n}'`).join(', ')}`, value);
  return value as InitializerSpec;
}

/** A draw of a standard normal from two uniforms (Box–Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Keras's deviation of a unit normal truncated at ±2. */
const TRUNCATED_STDDEV = 0.87962566103423978;

/** Values for a weight of `shape`, drawn from `random` unless the initializer has a seed of its own. */
export function initialValues(spec: InitializerSpec, shape: number[], random: () => number): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  if (spec.name === 'zeros') return values;
  if (spec.name === 'ones') return values.fill(1);
  const draw = spec.seed === undefined ? random : seededRandom(spec.seed);
  if (spec.name === 'randomUniform') return values.map(() => spec.minval + (spec.maxval - spec.minval) * draw());
  if (spec.name === 'randomNormal') return values.map(() => spec.mean + spec.stddev * normal(draw));
  const [fanIn, fanOut] = shape.length === 1 ? [shape[0], shape[0]] : [shape[0], shape[1]];
  const fan = spec.mode === 'fanIn' ? fanIn : spec.mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
  const variance = spec.scale / Math.max(1, fan);
  if (spec.distribution === 'uniform') {
    const limit = Math.sqrt(3 * variance);
    return values.map(() => (2 * draw() - 1) * limit);
  }
  if (spec.distribution === 'untruncatedNormal') return values.map(() => Math.sqrt(variance) * normal(draw));
  const stddev = Math.sqrt(variance) / TRUNCATED_STDDEV;
  return values.map(() => {
    let z = normal(draw);
    while (Math.abs(z) > 2) z = normal(draw);
    return stddev * z;
  });
}
