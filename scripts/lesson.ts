// The lesson in Node: Dense(25, sigmoid) → Dense(15, sigmoid) → Dense(1, sigmoid), binary cross-entropy and
// gradient descent, learning to tell handwritten 0s from 1s (the demo's MNIST digits) on WebGPU through Dawn.
// Prints the loss of each epoch and the accuracy on held-out digits. Uses the built package (npm run build).
import { readFileSync } from 'node:fs';
import { create, globals } from 'webgpu';
import { BinaryCrossentropy, Dense, SGD, Sequential } from 'webgpu-nn';
import { decodeDigits } from '../src/data/digits';

// Dawn needs a Vulkan driver: a GPU's, else Chromium's SwiftShader, added to the drivers it may pick.
process.env.VK_ADD_DRIVER_FILES ??= '/usr/lib/chromium/vk_swiftshader_icd.json';
Object.assign(globalThis, globals);

const load = (name: string) => decodeDigits(new Uint8Array(readFileSync(new URL(`../demo/data/${name}.u8`, import.meta.url))));
const train = load('binary-train');
const test = load('binary-test');

const model = new Sequential([
  new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }),
  new Dense({ units: 15, activation: 'sigmoid' }),
  new Dense({ units: 1, activation: 'sigmoid' }),
]);
await model.compile({ loss: new BinaryCrossentropy(), optimizer: new SGD({ learningRate: 0.5 }), gpu: create([]), seed: 42 });
model.summary();

await model.fit(train.x, train.y, {
  epochs: 10,
  batchSize: 32,
  onEpochEnd: (epoch, logs) => console.log(`epoch ${String(epoch + 1).padStart(2)}  loss ${logs.loss.toFixed(4)}`),
});
const predictions = (await model.predict(test.x)).data;
const correct = test.labels.filter((label, i) => Number(predictions[i] >= 0.5) === label).length;
console.log(`test accuracy ${(correct / test.labels.length).toFixed(4)} on ${test.labels.length} held-out digits`);
model.dispose();
process.exit(0);
