import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Task fixtures hold their own node:test files: they are the tasks' tests, not ours.
    exclude: ['test/fixtures/**', 'node_modules/**'],
    testTimeout: 120_000,
    // The first test file to need the sandbox image may build it (about a minute offline).
    hookTimeout: 900_000,
    pool: 'forks',
    // Two cores: Docker-heavy files run two at a time.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default'],
    // Plain text from the CLI under test: picocolors turns colours on whenever CI is set.
    env: { NO_COLOR: '1' },
  },
});
