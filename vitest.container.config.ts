import { defineConfig } from 'vitest/config';

// The container image tests (test/container/): a separate run after the main suite, because building the
// image takes minutes of both cores and would slow the timing-sensitive integration tests beside it.
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
