import { defineConfig } from 'vitest/config';

// The packaging tests, after the main suite: the container image (test/container/) and the arm64 .deb
// installed and run under emulation (test/release/). Building them takes minutes of both cores and would
// slow the timing-sensitive integration tests beside it; one file at a time, for the same reason.
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts', 'test/release/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
