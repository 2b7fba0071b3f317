// The demo page. Develop: npx vite --config demo/vite.config.ts
// Build to demo/dist (static files, servable from any path): npx vite build --config demo/vite.config.ts
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true },
});
