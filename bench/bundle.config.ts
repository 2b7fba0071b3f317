// `npm run bench:bundle`: bench/bundle.ts and everything it imports but Node's own modules, in one ES module,
// bench/tmp/bench-bundle.mjs. The `webgpu` package stays outside: node.ts loads it at run time.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { gitCommit } from './driver';

const root = fileURLToPath(new URL('..', import.meta.url));

export default defineConfig({
  root,
  logLevel: 'warn',
  define: { 'import.meta.env.BENCH_COMMIT': JSON.stringify(gitCommit(root)) },
  ssr: { noExternal: true },
  build: {
    ssr: 'bench/bundle.ts',
    outDir: 'bench/tmp',
    emptyOutDir: false,
    target: 'node20',
    minify: true,
    rolldownOptions: {
      output: {
        entryFileNames: 'bench-bundle.mjs',
        codeSplitting: false,
        // TF.js's Node platform calls require('util'), which an ES module lacks.
        banner: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(import.meta.url);",
      },
    },
  },
});
