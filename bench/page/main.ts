// The browser host of the benchmark: TF.js with its webgpu, webgl, wasm and cpu backends, the digits, and the
// suite on `window.bench`. The title turns 'ready' (or 'error: …') when setup is done.
import '@tensorflow/tfjs-backend-webgpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import digitsUrl from '../../demo/data/binary-train.u8?url';
import * as suite from '../suite';

setWasmPaths({ 'tfjs-backend-wasm.wasm': wasm, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });

try {
  const digits = new Uint8Array(await (await fetch(digitsUrl)).arrayBuffer());
  await suite.setup({ gpu: navigator.gpu, digits, tfBackends: ['webgpu', 'webgl', 'wasm', 'cpu'] });
  (window as unknown as { bench: typeof suite }).bench = suite;
  document.title = 'ready';
} catch (error) {
  document.title = `error: ${(error as Error).message}`;
}
