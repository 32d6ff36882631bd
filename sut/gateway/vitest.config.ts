import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const here = fileURLToPath(new URL('.', import.meta.url));

// `npm test -w @vdb-readiness/gateway` (run in sut/gateway): the gateway's own tests, unit and
// integration (real processes: redis-server, npm, the bundled gateway), on their own. The root
// vitest.config.ts runs the same files in its unit and integration projects.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'gateway-unit',
          root: here,
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'gateway-integration',
          root: here,
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: 'forks',
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
