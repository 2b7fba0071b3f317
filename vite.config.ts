import { defineConfig } from 'vite';

// Library build: one ES module in dist/, WGSL kernels inlined as strings.
export default defineConfig({
  build: {
    lib: { entry: 'src/index.ts', formats: ['es'], fileName: 'webgpu-nn' },
    target: 'es2022',
    sourcemap: true,
  },
});
