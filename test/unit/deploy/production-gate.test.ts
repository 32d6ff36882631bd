import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkProductionGate, judgeProduction, type ReadinessSummary } from '../../../src/deploy/production-gate.ts';
import { ResultsStore } from '../../../src/results/store.ts';
import type { ReadinessResults } from '../../../src/results/readiness.ts';

const NOW = new Date('2026-12-02T12:00:00Z');
const go: ReadinessSummary = { run_id: 'r1', state: 'complete', verdict: 'GO', profile: 'production', started_at: '2026-12-02T10:00:00Z', finished_at: '2026-12-02T10:05:00Z' };
const DAY = 24 * 3600;

describe('the production gate on the latest readiness results', () => {
  it('lets a recent complete GO under the production profile through', () => {
    const v = judgeProduction(go, NOW, DAY);
    expect(v.ok).toBe(true);
    expect(v.reason).toMatch(/GO under the production profile, 1\.9 h old/);
  });

  it('refuses, in one line with the command that fixes it: none, NO-GO, another profile, incomplete, too old', () => {
    const cases: Array<[ReadinessSummary | null, RegExp]> = [
      [null, /no readiness results at/],
      [{ ...go, verdict: 'NO-GO' }, /says NO-GO/],
      [{ ...go, profile: 'ci' }, /judged by the ci profile, not production/],
      [{ ...go, state: 'interrupted' }, /is interrupted, not complete/],
      [{ ...go, finished_at: '2026-12-01T10:00:00Z' }, /\(GO\) is 26\.0 h old, older than 24\.0 h/],
    ];
    for (const [latest, why] of cases) {
      const v = judgeProduction(latest, NOW, DAY);
      expect(v.ok).toBe(false);
      expect(v.reason).toMatch(why);
      expect(v.reason).toMatch(/^production deploy refused: .*: run `npm run readiness -- --profile production` and deploy once it says GO$/);
      expect(v.reason).not.toContain('\n');
    }
    expect(judgeProduction({ ...go, finished_at: '2026-12-02T11:00:00Z' }, NOW, 1800).ok).toBe(false);
  });

  it('refuses an INCOMPLETE run naming what it did not cover and the commands that cover it', () => {
    const v = judgeProduction(
      {
        ...go,
        verdict: 'INCOMPLETE',
        missing: [
          { what: 'Automatic rollback on failure', command: 'npm run readiness -- --profile production --comprehensive' },
          { what: 'Failover tested', command: 'npm run readiness -- --profile production --comprehensive' },
        ],
      },
      NOW,
      DAY,
    );
    expect(v.ok).toBe(false);
    expect(v.reason).toBe(
      'production deploy refused: the latest readiness run r1 says INCOMPLETE: it did not cover Automatic rollback on failure; Failover tested: run `npm run readiness -- --profile production --comprehensive` and deploy once it says GO',
    );
    expect(judgeProduction({ ...go, verdict: 'INCOMPLETE' }, NOW, DAY).reason).toMatch(/says INCOMPLETE: run `npm run readiness -- --profile production`/);
  });

  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('reads latest-readiness from the results root', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-gate-'));
    expect((await checkProductionGate({ resultsDir: dir, now: NOW })).reason).toMatch(/no readiness results at .*latest-readiness/);
    const results = {
      schema: 'vdb-readiness/readiness@2',
      kind: 'readiness',
      run_id: '20261202-100000-readiness-abcd',
      state: 'complete',
      started_at: '2026-12-02T10:00:00.000Z',
      finished_at: '2026-12-02T10:05:00.000Z',
      gates: { profile: 'production', label: 'production', results: [] },
      verdict: 'GO',
      verdict_reasons: [],
      run: { command: 'npm run readiness', suite_version: '0.1.0', node: '20', host: 'h', options: { target: 'local', only: [], comprehensive: false, allow_disruptive: false, profile: 'production' } },
      target: { kind: 'local', gateway_url: 'http://127.0.0.1:1', fingerprint: { collections: {}, notes: [] } },
      summary: { total: 1, passed: 1, failed: 0, skipped: 0, required_failed: 0 },
      checks: [],
      checklist: [],
    } as unknown as ReadinessResults;
    const store = await ResultsStore.create(results.run_id, dir);
    await store.save(results);
    expect(await checkProductionGate({ resultsDir: dir, now: NOW })).toMatchObject({ ok: true });
    await store.save({ ...results, verdict: 'NO-GO' });
    expect((await checkProductionGate({ resultsDir: dir, now: NOW })).reason).toMatch(/run 20261202-100000-readiness-abcd says NO-GO/);
  });
});
