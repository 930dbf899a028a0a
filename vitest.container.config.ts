import { defineConfig } from 'vitest/config';

// The tests that need the machine to themselves, after the main suite: the container image
// (test/container/), the arm64 .deb installed and run under emulation (test/release/), and the hostile
// neighbour's floods (test/faults/hostile-neighbour.test.ts: twenty thousand commands, six hundred
// connections). Each takes both cores for a while and would slow the timing-sensitive integration tests
// beside it (a broker outage test missed its drain once beside the command bursts); one file at a time.
export default defineConfig({
  test: {
    include: ['test/container/**/*.test.ts', 'test/release/**/*.test.ts', 'test/faults/hostile-neighbour.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    fileParallelism: false,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
