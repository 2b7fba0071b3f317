import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // GPU suites share one Dawn instance or one Chromium each; keep files in separate processes.
    pool: 'forks',
  },
});
