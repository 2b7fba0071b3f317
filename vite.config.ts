import { defineConfig } from 'vite';

// Library build: ES modules in dist/, WGSL kernels inlined as strings. Two entries: the library (webgpu-nn.js) and
// the command line (cli.js, run by bin/webgpu-nn.js). The command line uses the library as its users do, from
// webgpu-nn.js beside it; its Node-only imports stay outside the bundle.
const external = ['webgpu-nn', 'webgpu', 'commander', 'cli-progress'];

export default defineConfig({
  build: {
    lib: { entry: { 'webgpu-nn': 'src/index.ts', cli: 'src/cli/main.ts' }, formats: ['es'] },
    rolldownOptions: {
      external: (id) => external.includes(id) || id.startsWith('node:'),
      output: { paths: { 'webgpu-nn': './webgpu-nn.js' } },
    },
    target: 'es2022',
    sourcemap: true,
  },
});
