import { describe, expect, it } from 'vitest';
import { GATE_PROFILES } from '../../../src/gates/definitions.ts';
import { CHECKLIST, mapChecklist } from '../../../src/readiness/checklist.ts';
import { findInternals } from '../../../src/readiness/leaks.ts';
import { parsePrometheus, PrometheusParseError, sumSamples } from '../../../src/readiness/prometheus.ts';
import { makeRedactor, redactHeaders } from '../../../src/util/redact.ts';
import { disruptiveSkipReason } from '../../../src/readiness/skips.ts';
import { decideVerdict } from '../../../src/readiness/verdict.ts';
import { judgeReadiness } from '../../../src/gates/apply.ts';
import type { TargetDescriptor } from '../../../src/readiness/descriptor.ts';
import type { CheckResult } from '../../../src/results/readiness.ts';
import { renderJunit } from '../../../reports/render/junit.ts';

const check = (over: Partial<CheckResult>): CheckResult => ({ id: 'health/x', group: 'health', title: 'x', status: 'passed', required: true, duration_ms: 1, evidence: [], ...over });

describe('checklist mapping', () => {
  it('marks an item proven, failed or not covered from its checks', () => {
    const entries = mapChecklist([
      check({ group: 'health', title: 'gateway readiness: ok' }),
      check({ group: 'metrics', title: 'parses', status: 'failed' }),
      check({ group: 'faults', title: 'redis', status: 'skipped', skip_reason: 'needs --comprehensive' }),
    ]);
    const byId = new Map(entries.map((e) => [e.id, e]));
    expect(byId.get('health-checks')?.status).toBe('proven');
    expect(byId.get('monitoring')?.status).toBe('failed');
    expect(byId.get('cmd-readiness-check')?.status).toBe('not covered');
    expect(byId.get('cmd-readiness-check')?.note).toContain('needs --comprehensive');
    expect(byId.get('documentation')?.status).toBe('not covered');
  });

  it('covers the ten checklist items of the runbook', () => {
    expect(CHECKLIST.filter((c) => c.kind === 'checklist')).toHaveLength(10);
  });
});

describe('verdict and gates', () => {
  it('is NO-GO when a required check fails, GO when all pass', () => {
    expect(decideVerdict('complete', [check({})], []).verdict).toBe('GO');
    expect(decideVerdict('complete', [check({}), check({ status: 'failed' })], []).verdict).toBe('NO-GO');
    expect(decideVerdict('complete', [check({}), check({ status: 'failed', required: false })], []).verdict).toBe('GO');
    expect(decideVerdict('interrupted', [check({})], []).verdict).toBe('NO-GO');
  });

  it('takes the worst measured p95 across checks for the gate', () => {
    const gates = judgeReadiness([check({ measurements: { 'latency_ms.p95': 4 } }), check({ measurements: { 'latency_ms.p95': 60 } })], GATE_PROFILES.ci).results;
    const p95 = gates.find((g) => g.name === 'search_p95');
    expect(p95?.value).toBe(60);
    expect(p95?.pass).toBe(false);
  });
});

describe('prometheus parser', () => {
  it('parses families and sums samples', () => {
    const text = '# HELP h_seconds latency\n# TYPE h_seconds histogram\nh_seconds_bucket{le="0.1",route="/a"} 3\nh_seconds_bucket{le="+Inf",route="/a"} 4\nh_seconds_sum{route="/a"} 0.2\nh_seconds_count{route="/a"} 4\n# TYPE e_total counter\ne_total 2\n';
    const f = parsePrometheus(text);
    expect(f.get('h_seconds')?.type).toBe('histogram');
    expect(sumSamples(f, 'h_seconds_count')).toBe(4);
    expect(sumSamples(f, 'e_total')).toBe(2);
  });

  it('reads NaN and Inf in any case, as Prometheus does (prom-client writes Nan)', () => {
    const f = parsePrometheus('# TYPE r gauge\nr{a="1"} Nan\nr{a="2"} +inf\nr{a="3"} -Inf\n');
    const values = f.get('r')?.samples.map((s) => s.value);
    expect(Number.isNaN(values?.[0])).toBe(true);
    expect(values?.slice(1)).toEqual([Infinity, -Infinity]);
    expect(() => parsePrometheus('r Nonsense\n')).toThrow(PrometheusParseError);
  });

  it('refuses text that is not the exposition format', () => {
    expect(() => parsePrometheus('<html>not metrics</html>')).toThrow(PrometheusParseError);
  });
});

describe('leaks and redaction', () => {
  it('finds stack frames and paths, not plain messages', () => {
    expect(findInternals('{"error":{"message":"body/query_vector must NOT have fewer than 1 items"}}')).toEqual([]);
    expect(findInternals('Error: boom\n    at handler (/work/main/stack/gateway/src/app.ts:12:5)')).toContain('a stack frame');
    expect(findInternals('Traceback (most recent call last):\n  File "/opt/app.py", line 3')).toContain('a Python traceback');
  });

  it('masks secrets and credential headers', () => {
    const r = makeRedactor(['supersecretkey']);
    expect(r('key=supersecretkey!')).toBe('key=***!');
    expect(redactHeaders({ 'x-api-key': 'k', accept: 'json' })).toEqual({ 'x-api-key': '***', accept: 'json' });
  });
});

describe('skips and junit', () => {
  const d = (over: Partial<TargetDescriptor>): TargetDescriptor => ({
    kind: 'external',
    gateway: { url: 'http://127.0.0.1:1', apiKey: 'k', keys: {} },
    options: { comprehensive: true, allowDisruptive: false },
    gates: GATE_PROFILES.ci,
    fixtureModels: [],
    runId: 'r',
    ...over,
  });

  it('says why a service-stopping spec does not run', () => {
    expect(disruptiveSkipReason(d({}), 'redis')).toMatch(/--allow-disruptive/);
    expect(disruptiveSkipReason(d({ options: { comprehensive: false, allowDisruptive: true } }), 'redis')).toMatch(/--comprehensive/);
    expect(disruptiveSkipReason(d({ kind: 'local', control: { url: 'u', token: 't', services: ['redis'] } }), 'redis')).toBeUndefined();
  });

  it('writes one testcase per check and per gate, escaping XML', () => {
    const xml = renderJunit({
      kind: 'readiness',
      checks: [check({ title: 'a <b> & "c"' }), check({ status: 'skipped', skip_reason: 'why' })],
      gates: { profile: 'ci', label: 'ci', results: [{ name: 'search_p95', metric: 'latency_ms.p95', op: '<', threshold: 50, unit: 'ms', value: 3, pass: true }] },
      summary: { total: 2, passed: 1, failed: 0, skipped: 1, required_failed: 0 },
      wall_time_ms: 10,
      run_id: 'r',
      verdict: 'GO',
    } as never);
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(xml).toContain('<skipped message="why"/>');
  });
});
