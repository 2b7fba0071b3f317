// A Node app of webgpu-nn's package, as its README shows: trains on WebGPU through Dawn (the `webgpu` package) and on
// the CPU reference from the same seed, and prints both histories as one JSON line.
import { create, globals } from 'webgpu';
import { Dense, SGD, Sequential } from 'webgpu-nn';

Object.assign(globalThis, globals);
const gpu = create([]); // Dawn's instance: keep it referenced while any device from it is in use

const x = Array.from({ length: 64 }, (_, r) => Array.from({ length: 8 }, (_, c) => ((r * 7 + c * 3) % 11) / 10));
const y = x.map((row) => [Number(row[0] + row[1] > row[2] + row[3])]);

async function train(backend) {
  const model = new Sequential([new Dense({ units: 6, activation: 'relu', inputDim: 8 }), new Dense({ units: 1, activation: 'sigmoid' })]);
  await model.compile({ loss: 'binaryCrossentropy', optimizer: new SGD({ learningRate: 0.5 }), backend, gpu, seed: 7 });
  const { loss } = await model.fit(x, y, { epochs: 5, batchSize: 16, shuffle: false });
  const adapter = model.adapterInfo;
  model.dispose();
  return { loss, adapter };
}

const webgpu = await train('webgpu');
const cpu = await train('cpu');
console.log(JSON.stringify({ adapter: webgpu.adapter, webgpu: webgpu.loss, cpu: cpu.loss }));
