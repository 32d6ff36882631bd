import { describe, expect, it } from 'vitest';
import { missingCoverage, withCoverage } from '../../../src/readiness/verdict.ts';
import { combine } from '../../../src/report/combine.ts';
import { asInput } from '../../../src/report/inputs.ts';
import { verdictExitCode } from '../../../src/report/coverage-rewrite.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { bench, check, deployment, healthyChecks, latencies, readiness } from './build.ts';

const noLimitedKey = (): ReturnType<typeof healthyChecks> =>
  healthyChecks().map((c) => (c.group === 'security' ? { ...c, status: 'skipped' as const, skip_reason: 'no "limited" API key for this target: set VDB_API_KEYS=limited=<key with a low limit> to include this check' } : c));

describe('INCOMPLETE under the production profile', () => {
  it('a skipped rate-limit check makes a production GO INCOMPLETE, naming the missing key and the command', () => {
    const r = readiness(noLimitedKey(), 'production');
    expect(r.verdict).toBe('INCOMPLETE');
    expect(r.missing?.map((m) => m.id)).toEqual(['rate-limit']);
    expect(r.verdict_reasons.join('\n')).toContain('VDB_API_KEYS=limited=');
    expect(r.missing?.[0]?.command).toMatch(/^VDB_API_KEYS=limited=.* npm run readiness -- --target external --profile production/);
    expect(verdictExitCode(r.verdict)).toBe(ExitCode.Incomplete);
  });

  it('no rollback or faults check run: both named, each with its command', () => {
    const checks = healthyChecks().filter((c) => c.group !== 'rollback' && c.group !== 'faults');
    const missing = missingCoverage('production', checks);
    expect(missing.map((m) => m.id)).toEqual(['deployment-automation', 'disaster-recovery']);
    expect(missing[0]!.command).toContain('--only rollback');
  });

  it('the ci profile is unchanged: the same run is GO, exit 0', () => {
    const r = readiness(noLimitedKey(), 'ci');
    expect(r.verdict).toBe('GO');
    expect(r.missing).toBeUndefined();
    expect(verdictExitCode(r.verdict)).toBe(ExitCode.Ok);
  });

  it('a NO-GO stays NO-GO (exit 1), the missing items listed too; coverage is idempotent', () => {
    const checks = [...noLimitedKey(), check({ group: 'health', title: 'qdrant health', status: 'failed', errors: ['down'] })];
    const r = readiness(checks, 'production');
    expect(r.verdict).toBe('NO-GO');
    expect(r.missing?.length).toBe(1);
    expect(withCoverage(r)).toEqual(r);
    expect(verdictExitCode(r.verdict)).toBe(ExitCode.Failed);
  });

  it('a complete production run is GO', () => {
    expect(readiness(healthyChecks(), 'production').verdict).toBe('GO');
  });
});

describe('the combined verdict', () => {
  const ms = latencies(2000, 3);
  it('production readiness without a load test is INCOMPLETE; with a production bench run it is GO', () => {
    const r = asInput(readiness(healthyChecks(), 'production'), 'r.json');
    const alone = combine([r]);
    expect(alone.verdict).toBe('INCOMPLETE');
    expect(alone.missing.map((m) => m.id)).toEqual(['load-test']);
    // production throughput gate (> 10 000/s) fails a small bench: judged by production it is NO-GO
    const b = bench({ ms, profile: 'production' });
    const both = combine([r, asInput(b, 'b.json'), { kind: 'deployment', record: deployment(), path: 'd.json', sha256: '' }]);
    expect(both.missing).toEqual([]);
    expect(both.verdict).toBe('NO-GO');
    expect(both.reasons.join('\n')).toMatch(/gate throughput failed/);
  });

  it('a rollback check in a second readiness run covers the first one\'s gap', () => {
    const main = readiness(healthyChecks().filter((c) => c.group !== 'rollback'), 'production', 'r1');
    const rollback = readiness(healthyChecks().filter((c) => c.group === 'rollback'), 'production', 'r2');
    expect(main.verdict).toBe('INCOMPLETE');
    const c = combine([asInput(main, 'a'), asInput(rollback, 'b')]);
    expect(c.missing.map((m) => m.id)).toEqual(['load-test']);
    expect(c.reasons).toEqual([]);
  });

  it('a deployment that did not go live is NO-GO', () => {
    const c = combine([asInput(readiness(healthyChecks()), 'r'), { kind: 'deployment', record: { ...deployment(), outcome: 'rolled_back', reason: 'p95 over the limit' }, path: 'd', sha256: '' }]);
    expect(c.verdict).toBe('NO-GO');
    expect(c.reasons.join()).toContain('rolled_back: p95 over the limit');
  });

  it('a k6 run whose threshold k6 found broken is NO-GO, named as k6', () => {
    const b = bench({ ms });
    const k6 = { ...b, runner: { tool: 'k6' as const, version: '1.4.0', scenario: 'load', source: 'k6-json' as const, thresholds: [{ metric: 'http_req_duration{endpoint:search}', expression: 'p(95)<50', ok: false }] } };
    const c = combine([asInput(k6, 'k6.json')]);
    expect(c.verdict).toBe('NO-GO');
    expect(c.reasons.join()).toMatch(/^k6 open loop load .*k6 threshold http_req_duration\{endpoint:search\} p\(95\)<50 broken/);
  });

  it('gates carry their margin: positive holds, negative fails', () => {
    const c = combine([asInput(bench({ ms }), 'b')]);
    const p95 = c.gates.find((g) => g.name === 'search_p95')!;
    expect(p95.margin).toBeCloseTo(50 - p95.value!, 6);
    expect(p95.margin!).toBeGreaterThan(0);
  });
});
