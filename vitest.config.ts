import { defineConfig } from 'vitest/config';

// `npm test` runs the project's own tests: the suite's (test/), the shared packages' (packages/*/test)
// and the reference system under test's (sut/*/test, sut/qdrant-local/tests). Fast unit tests first,
// then integration tests against real processes (Redis, qdrant-local or qdrant, the gateway, nginx).
export default defineConfig({
  test: {
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'sut/gateway/test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'sut/gateway/test/integration/**/*.test.ts', 'sut/qdrant-local/tests/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
          // One file at a time: each starts whole stacks and some measure latency, so they must
          // not compete with each other for this machine's cores.
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
