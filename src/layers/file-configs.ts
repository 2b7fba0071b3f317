// Initializers and regularizers in model files, both ways: the configs TF.js writes (VarianceScaling, L1L2, ...) and
// the ones Keras 2 and 3 write (GlorotUniform, L2, ...), for every layer format that has them.
import { type InitializerSpec, initializers } from '../initializers';
import type { RegularizerSpec } from '../regularizers';
import { badFile, fileRecord } from './format';

const modes = { fanIn: 'fan_in', fanOut: 'fan_out', fanAvg: 'fan_avg' } as const;
// TF.js reads 'normal' as a normal truncated at two deviations.
const distributions = { uniform: 'uniform', truncatedNormal: 'normal', untruncatedNormal: 'untruncated_normal' } as const;

/** An initializer as TF.js writes it. */
export function initializerConfig(spec: InitializerSpec): { class_name: string; config: Record<string, unknown> } {
  const seed = 'seed' in spec ? (spec.seed ?? null) : null;
  switch (spec.name) {
    case 'varianceScaling':
      return { class_name: 'VarianceScaling', config: { scale: spec.scale, mode: modes[spec.mode], distribution: distributions[spec.distribution], seed } };
    case 'randomNormal':
      return { class_name: 'RandomNormal', config: { mean: spec.mean, stddev: spec.stddev, seed } };
    case 'randomUniform':
      return { class_name: 'RandomUniform', config: { minval: spec.minval, maxval: spec.maxval, seed } };
    case 'zeros':
      return { class_name: 'Zeros', config: {} };
    case 'ones':
      return { class_name: 'Ones', config: {} };
  }
}

// Keras's 'normal' is the truncated normal too.
const readDistributions: Record<string, 'uniform' | 'truncatedNormal' | 'untruncatedNormal'> = { uniform: 'uniform', normal: 'truncatedNormal', truncated_normal: 'truncatedNormal', untruncated_normal: 'untruncatedNormal' };

const named: Record<string, 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'lecunUniform' | 'lecunNormal'> = {
  GlorotUniform: 'glorotUniform',
  GlorotNormal: 'glorotNormal',
  HeUniform: 'heUniform',
  HeNormal: 'heNormal',
  LecunUniform: 'lecunUniform',
  LecunNormal: 'lecunNormal',
};

/** An initializer from a model file: TF.js's classes, and Keras's named ones. */
export function readInitializer(value: unknown, at: string): InitializerSpec {
  const { class_name: className, config: c } = fileRecord(value, at, '{ class_name, config }');
  const config = c === undefined ? {} : fileRecord(c, `${at}.config`, "the initializer's config");
  const number = (key: string, fallback?: number) => {
    const v = config[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw badFile(`${at}.config.${key}`, 'a finite number', config[key]);
    return v;
  };
  const seed = config.seed === undefined || config.seed === null ? {} : { seed: number('seed') };
  if (seed.seed !== undefined && !(Number.isInteger(seed.seed) && seed.seed >= 0 && seed.seed < 2 ** 32)) throw badFile(`${at}.config.seed`, 'null or an integer in [0, 2^32)', config.seed);
  if (typeof className === 'string' && Object.hasOwn(named, className)) return initializers[named[className]](seed);
  switch (className) {
    case 'VarianceScaling': {
      const mode = (Object.keys(modes) as (keyof typeof modes)[]).find((m) => modes[m] === (config.mode ?? 'fan_in'));
      const distribution = readDistributions[String(config.distribution ?? 'truncated_normal')];
      if (!mode) throw badFile(`${at}.config.mode`, "'fan_in', 'fan_out' or 'fan_avg'", config.mode);
      if (!distribution) throw badFile(`${at}.config.distribution`, "'uniform', 'normal', 'truncated_normal' or 'untruncated_normal'", config.distribution);
      const scale = number('scale', 1);
      if (scale <= 0) throw badFile(`${at}.config.scale`, 'a positive number', scale);
      return { name: 'varianceScaling', scale, mode, distribution, ...seed };
    }
    case 'RandomNormal':
      return initializers.randomNormal({ mean: number('mean', 0), stddev: number('stddev', 0.05), ...seed });
    case 'RandomUniform':
      return initializers.randomUniform({ minval: number('minval', -0.05), maxval: number('maxval', 0.05), ...seed });
    case 'Zeros':
      return initializers.zeros();
    case 'Ones':
      return initializers.ones();
  }
  throw badFile(`${at}.class_name`, `one of ${['VarianceScaling', ...Object.keys(named), 'RandomNormal', 'RandomUniform', 'Zeros', 'Ones'].map((n) => `'${n}'`).join(', ')}`, className);
}

/** A penalty as TF.js writes it: null, or L1L2 (the one class TF.js reads). */
export function regularizerConfig(spec: RegularizerSpec | undefined): { class_name: 'L1L2'; config: RegularizerSpec } | null {
  return spec ? { class_name: 'L1L2', config: { l1: spec.l1, l2: spec.l2 } } : null;
}

/** A penalty from a model file: null, or TF.js's L1L2, or Keras's L1, L2, L1L2 (Keras's defaults where a field is missing). */
export function readRegularizer(value: unknown, at: string): RegularizerSpec | undefined {
  if (value === null || value === undefined) return undefined;
  const { class_name: className, config: c } = fileRecord(value, at, 'null or { class_name, config }');
  const config = c === undefined ? {} : fileRecord(c, `${at}.config`, "the regularizer's config");
  const number = (key: string, fallback: number) => {
    const v = config[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw badFile(`${at}.config.${key}`, 'a non-negative number', config[key]);
    return v;
  };
  if (className === 'L1L2') return { l1: number('l1', 0), l2: number('l2', 0) };
  if (className === 'L1') return { l1: number('l1', 0.01), l2: 0 };
  if (className === 'L2') return { l1: 0, l2: number('l2', 0.01) };
  throw badFile(`${at}.class_name`, "'L1L2', 'L1' or 'L2'", className);
}
