// The app's work: the same small network trained on WebGPU and on the CPU reference from the same seed, and the
// losses of both histories. `gpu` is where WebGPU comes from where there is no navigator.gpu (Node).
import { Dense, SGD, Sequential } from 'webgpu-nn';

const x = Array.from({ length: 64 }, (_, r) => Array.from({ length: 8 }, (_, c) => ((r * 7 + c * 3) % 11) / 10));
const y = x.map((row) => [Number(row[0] + row[1] > row[2] + row[3])]);

async function train(backend, gpu) {
  const model = new Sequential([new Dense({ units: 6, activation: 'relu', inputDim: 8 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), backend, gpu, seed: 7 });
  const { loss } = await model.fit(x, y, { epochs: 5, batchSize: 16, shuffle: false });
  const adapter = model.adapterInfo;
  model.dispose();
  return { loss, adapter };
}

export async function histories(gpu) {
  try {
    const webgpu = await train('webgpu', gpu);
    const cpu = await train('cpu');
    return { adapter: webgpu.adapter, webgpu: webgpu.loss, cpu: cpu.loss };
  } catch (error) {
    return { error: String(error) };
  }
}
