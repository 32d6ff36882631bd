/**
 * What a verdict under a profile needs to have covered before it may say GO: the runbook items a
 * run must prove, not merely not fail. A GO with one of them skipped or never run would overclaim,
 * so the verdict is INCOMPLETE and names what is missing and the command that covers it. Data,
 * like the gates; only the production profile requires coverage (`ci` keeps its GO / NO-GO).
 */
import type { GateProfileName } from './definitions.ts';

export interface CoverageRequirement {
  id: string;
  /** The runbook's words for it. */
  what: string;
  /** readiness: checks of a readiness run (group, and title when only some); run: another kind of run in the release's report. */
  by: { checks: { group: string; title?: RegExp } } | { run: 'bench' | 'readiness' };
  /** The command that covers it. */
  command: string;
}

const READINESS = 'npm run readiness -- --target external --profile production';

export const COVERAGE: Record<GateProfileName, CoverageRequirement[]> = {
  production: [
    {
      id: 'rate-limit',
      what: 'rate limiting answers 429 with Retry-After (security audit)',
      by: { checks: { group: 'security', title: /rate limit/i } },
      command: `VDB_API_KEYS=limited=<key with a low limit> ${READINESS}`,
    },
    {
      id: 'deployment-automation',
      what: 'deployment automation: blue/green deploy, refusal and rollback under traffic',
      by: { checks: { group: 'rollback' } },
      command: `${READINESS} --only rollback --allow-disruptive --deploy-hook "<deploy command>" (a local target: npm run readiness -- --profile production --only rollback)`,
    },
    {
      id: 'disaster-recovery',
      what: 'dependency faults: Redis and Qdrant outages and recovery (readiness_check.py --comprehensive)',
      by: { checks: { group: 'faults' } },
      command: `${READINESS} --comprehensive --allow-disruptive`,
    },
    {
      id: 'load-test',
      what: 'load testing completed (open loop, gated)',
      by: { run: 'bench' },
      command: 'npm run bench -- --target external --profile production --allow-remote-load (or npm run k6 -- load), then npm run report -- <readiness run> <bench run>',
    },
    { id: 'readiness', what: 'the readiness checks', by: { run: 'readiness' }, command: READINESS },
  ],
  ci: [],
};

export const coverageOf = (profile: string): CoverageRequirement[] => (COVERAGE as Record<string, CoverageRequirement[] | undefined>)[profile] ?? [];
