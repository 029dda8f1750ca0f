import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'gateway/**/*.test.ts',
      'config/**/*.test.ts',
      'simulators/**/*.test.ts',
      'tests/**/*.test.ts',
      'devices/**/*.test.ts',
    ],
    exclude: ['**/dist/**', '**/node_modules/**'],
    // Integration suites start real peers (pymodbus, socat, …) in their hooks.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes and native serial ports are safer in forks than in worker threads.
    pool: 'forks',
    // 'default' ends with the Test Files / Tests / Duration summary, in CI and on a terminal.
    reporters: ['default'],
  },
});
