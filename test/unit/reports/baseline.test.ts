import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, diffBaseline } from '../../../src/report/baseline.ts';
import { combine } from '../../../src/report/combine.ts';
import { asInput } from '../../../src/report/inputs.ts';
import { bench, check, healthyChecks, latencies, readiness } from './build.ts';

const healthy = bench({ ms: latencies(3000, 4), runId: 'healthy' });
const slow = bench({ ms: latencies(3000, 4, 80), runId: 'slow' });

describe('baseline comparison', () => {
  it('flags searches 80 ms slower as a p95 regression and makes the verdict NO-GO', () => {
    const diff = diffBaseline([asInput(slow, 'slow.json')], [asInput(healthy, 'healthy.json')]);
    const p95 = diff.figures.find((f) => f.metric === 'latency_ms.p95')!;
    expect(p95.current! - p95.baseline!).toBeGreaterThan(75);
    expect(p95.regression).toMatch(/search p95 \+\d+/);
    expect(diff.regressions.some((r) => r.includes('search p95'))).toBe(true);
    expect(diff.comparable).toBe(true);
    const c = combine([asInput(slow, 'slow.json')], { diff });
    expect(c.verdict).toBe('NO-GO');
    expect(c.reasons.some((r) => r.startsWith('regression against the baseline: ') && r.includes('search p95'))).toBe(true);
  });

  it('a regression alone makes NO-GO even when every gate holds', () => {
    const fast = bench({ ms: latencies(3000, 2), runId: 'fast' });
    const bit = bench({ ms: latencies(3000, 2, 5), runId: 'bit-slower' });
    const diff = diffBaseline([asInput(bit, 'b')], [asInput(fast, 'a')]);
    const c = combine([asInput(bit, 'b')], { diff });
    expect(c.gates.every((g) => g.pass)).toBe(true);
    expect(c.verdict).toBe('NO-GO');
  });

  it('the same healthy run twice shows no regression', () => {
    const diff = diffBaseline([asInput(healthy, 'h.json')], [asInput(healthy, 'h.json')]);
    expect(diff.regressions).toEqual([]);
    expect(diff.figures.every((f) => f.change === 0)).toBe(true);
    expect(combine([asInput(healthy, 'h')], { diff }).verdict).toBe('GO');
  });

  it('rules are data: a stricter p95 rule flags a change the default lets pass', () => {
    const a = bench({ ms: latencies(3000, 4), runId: 'a' });
    const b = bench({ ms: latencies(3000, 4, 0.2), runId: 'b' });
    expect(diffBaseline([asInput(b, 'b')], [asInput(a, 'a')]).regressions).toEqual([]);
    const strict = DEFAULT_RULES.map((r) => (r.metric === 'latency_ms.p95' ? { ...r, relative: 0.01 } : r));
    expect(diffBaseline([asInput(b, 'b')], [asInput(a, 'a')], strict).regressions.join()).toContain('search p95');
  });

  it('throughput −10 % and recall −0.01 are regressions', () => {
    const a = bench({ ms: latencies(3000, 4), runId: 'a' });
    const b = { ...a, run_id: 'b', throughput_rps: a.throughput_rps * 0.85, recall_at_k: 0.98 };
    const r = diffBaseline([asInput(b, 'b')], [asInput(a, 'a')]).regressions.join('\n');
    expect(r).toContain('throughput');
    expect(r).toContain('recall@k');
  });

  it('a newly failing check is a regression; fingerprints that differ say not comparable, and why', () => {
    const base = readiness(healthyChecks(), 'ci', 'base');
    const failing = healthyChecks().map((c) => (c.group === 'health' ? { ...c, status: 'failed' as const, errors: ['503'] } : c));
    const cur = readiness(failing, 'ci', 'cur');
    cur.target.fingerprint = { ...cur.target.fingerprint, qdrant: { version: '1.20.0' } };
    const diff = diffBaseline([asInput(cur, 'c')], [asInput(base, 'b')]);
    expect(diff.newly_failing.map((n) => n.id)).toEqual([check({ group: 'health', title: 'gateway readiness answers 200' }).id]);
    expect(diff.comparable).toBe(false);
    expect(diff.comparability).toBe('not comparable because engine (Qdrant) version differs (1.19.0 → 1.20.0)');
  });

  it('a bench run of another dataset is not comparable', () => {
    const other = bench({ ms: latencies(3000, 4), runId: 'o', dataset: 'general' });
    const diff = diffBaseline([asInput(other, 'o')], [asInput(healthy, 'h')]);
    expect(diff.comparability).toMatch(/^not comparable because dataset/);
  });
});
