// The app in Node: WebGPU through Dawn (the `webgpu` package). Prints its histories as one JSON line.
import { create, globals } from 'webgpu';
import { histories } from './histories.js';

Object.assign(globalThis, globals);
const gpu = create([]); // Dawn's instance: kept referenced while any device from it is in use

console.log(JSON.stringify(await histories(gpu)));
