// Every layer kind's entry in model files, by its Keras class name.
import { activationFormat } from './activation/format';
import { batchNormalizationFormat } from './batch-normalization/format';
import { denseFormat } from './dense/format';
import { dropoutFormat } from './dropout/format';
import type { LayerFormat } from './format';

export const formats: Record<string, LayerFormat> = Object.fromEntries([denseFormat, dropoutFormat, batchNormalizationFormat, activationFormat].map((format) => [format.className, format]));
