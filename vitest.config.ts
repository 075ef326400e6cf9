import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'machines/**/*.test.ts'],
    // e2e tests bind real ports and spawn sipp; keep files in separate workers but bounded for 2 cores.
    pool: 'forks',
    maxWorkers: 2,
    // Fails the run when a process a test started outlives the run (test/support/leftover-processes.ts).
    globalSetup: ['test/support/leftover-processes.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
