// The lesson's network, trained in Node: Dense(25, sigmoid) → Dense(15, sigmoid) → Dense(1, sigmoid) with
// binary cross-entropy and gradient descent, on a synthetic 400-feature set. Prints loss and accuracy.
import { BinaryCrossentropy, Dense, SGD, Sequential } from '../src/index';
import { halvesDataset } from '../test/support/data';

const { x, y } = halvesDataset(1000, 400, 1);
const model = new Sequential([
  new Dense({ units: 25, activation: 'sigmoid', inputDim: 400 }),
  new Dense({ units: 15, activation: 'sigmoid' }),
  new Dense({ units: 1, activation: 'sigmoid' }),
]);
await model.compile({ loss: new BinaryCrossentropy(), optimizer: new SGD({ learningRate: 0.5 }), backend: 'cpu', seed: 42 });
model.summary();

const accuracy = async () => {
  const p = await model.predict(x);
  return p.data.reduce((n, v, i) => n + Number(v > 0.5 === y.data[i] > 0.5), 0) / p.shape[0];
};
await model.fit(x, y, {
  epochs: 20,
  batchSize: 32,
  onEpochEnd: async (epoch, logs) => console.log(`epoch ${String(epoch + 1).padStart(2)}  loss ${logs.loss.toFixed(4)}`),
});
console.log(`accuracy ${(await accuracy()).toFixed(3)}`);
model.dispose();
