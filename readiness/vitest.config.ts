import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import { groupRank } from '../src/readiness/groups.ts';

/** Groups run in the order of GROUPS (service-stopping faults last), one file at a time. */
class GroupSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => groupRank(a.moduleId) - groupRank(b.moduleId));
  }
  override async shard(files: TestSpecification[]): Promise<TestSpecification[]> {
    return files;
  }
}

// The readiness specs: run by `npm run readiness` (src/cli/readiness.ts) against a live target,
// never by `npm test`. Files run one after another so timings and fault injection do not mix.
export default defineConfig({
  test: {
    name: 'readiness',
    root: new URL('..', import.meta.url).pathname,
    include: ['readiness/**/*.spec.ts'],
    setupFiles: ['readiness/lib/setup.ts'],
    fileParallelism: false,
    pool: 'threads',
    isolate: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    sequence: { sequencer: GroupSequencer },
    reporters: [],
    watch: false,
  },
});
