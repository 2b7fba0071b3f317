// Every layer kind's entry in model files, by its Keras class name.
import { denseFormat } from './dense/format';
import type { LayerFormat } from './format';

export const formats: Record<string, LayerFormat> = { [denseFormat.className]: denseFormat };
