import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Only the TypeScript sources: never the compiled copies under dist/ (docs/architecture.md, library behaviours).
    include: ['test/**/*.test.ts', 'drivers/**/*.test.ts', 'config/**/*.test.ts', 'gateway/**/*.test.ts', 'simulator/**/*.test.ts'],
    // test/container/ and test/release/ run on their own after this suite (vitest.container.config.ts).
    exclude: ['dist/**', 'node_modules/**', 'test/container/**', 'test/release/**', 'test/faults/hostile-neighbour.test.ts'],
    // Two files at a time: most of the suite waits on real processes, brokers and sockets, not on the CPU,
    // and every test takes its own free ports and temp dirs. What measures the CPU or needs the machine
    // to itself runs after this suite, alone (vitest.container.config.ts).
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
