// The app in Deno: WebGPU is Deno's navigator.gpu (wgpu); webgpu-nn comes from the app's node_modules. Prints its
// histories as one JSON line.
import { histories } from './histories.js';

console.log(JSON.stringify(await histories()));
