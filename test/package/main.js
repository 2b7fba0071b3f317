// A page of a Vite app on webgpu-nn's package: trains on the browser's WebGPU and on the CPU reference from the same
// seed, and puts both histories, as JSON, in the document's title.
import { Dense, SGD, Sequential } from 'webgpu-nn';

const x = Array.from({ length: 64 }, (_, r) => Array.from({ length: 8 }, (_, c) => ((r * 7 + c * 3) % 11) / 10));
const y = x.map((row) => [Number(row[0] + row[1] > row[2] + row[3])]);

async function train(backend) {
  const model = new Sequential([new Dense({ units: 6, activation: 'relu', inputDim: 8 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), backend, seed: 7 });
  const { loss } = await model.fit(x, y, { epochs: 5, batchSize: 16, shuffle: false });
  const adapter = model.adapterInfo;
  model.dispose();
  return { loss, adapter };
}

try {
  const webgpu = await train('webgpu');
  const cpu = await train('cpu');
  document.title = JSON.stringify({ adapter: webgpu.adapter, webgpu: webgpu.loss, cpu: cpu.loss });
} catch (error) {
  document.title = JSON.stringify({ error: String(error) });
}
