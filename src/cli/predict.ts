// `webgpu-nn predict`: the outputs of a saved model for each row of a data file, as CSV on stdout: one line per
// row, one column per output unit, and after a softmax of several units the predicted class (the index of the
// largest output) in a last column. Numbers are written in the fewest digits that read back as the same float32.
import type { BackendName } from 'webgpu-nn';
import { readFeatures } from './data';
import { loadModelDir, outputWidth, runsOn } from './model-dir';
import { backendOptions } from './node-webgpu';

export interface PredictOptions {
  model: string;
  data: string;
  backend: BackendName;
}

/** The shortest decimal that reads back (rounded to float32) as `value`, itself a float32. */
export function float32Text(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const text = String(Number(value.toPrecision(digits)));
    if (Math.fround(Number(text)) === value) return text;
  }
  return String(Number(value.toPrecision(9)));
}

export async function predict(options: PredictOptions): Promise<void> {
  const model = await loadModelDir(options.model, await backendOptions(options.backend));
  try {
    const x = await readFeatures(options.data, model.layers[0].inputDim);
    const { data } = await model.predict(x);
    const units = outputWidth(model.layers);
    const classes = units > 1 && model.layers[model.layers.length - 1].activation === 'softmax';
    const lines: string[] = [];
    for (let r = 0; r < x.shape[0]; r++) {
      const row = data.subarray(r * units, (r + 1) * units);
      const cells = Array.from(row, float32Text);
      if (classes) cells.push(String(row.reduce((best, value, c) => (value > row[best] ? c : best), 0)));
      lines.push(cells.join(','));
    }
    console.error(`${x.shape[0]} rows from ${options.data}, predicted on ${runsOn(model)}`);
    await new Promise<void>((resolve, reject) => process.stdout.write(lines.join('\n') + '\n', (error) => (error ? reject(error) : resolve())));
  } finally {
    model.dispose();
  }
}
