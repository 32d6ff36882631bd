import { describe, expect, it } from 'vitest';
import { renderJunit } from '../../../reports/render/junit.ts';
import { GATE_PROFILES } from '../../../src/gates/definitions.ts';
import { benchResultsSchema } from '../../../src/results/bench.ts';
import { SCENARIOS } from '../../../scenarios/definitions.ts';
import { scriptOptions } from '../../../scenarios/k6/lib/options.ts';
import { k6RunId, summaryOutputs, summaryToResults } from '../../../scenarios/k6/lib/summary.ts';
import type { SummaryContext } from '../../../scenarios/k6/lib/summary.ts';
import { loadSummary } from './summary-fixture.ts';

const profile = GATE_PROFILES.ci;
const models = ['mixtral', 'hermes'];
const ctx = (over: Partial<SummaryContext> = {}): SummaryContext => ({
  scenario: SCENARIOS.load,
  profile,
  overrides: {},
  options: scriptOptions(SCENARIOS.load, profile, {}, models),
  k: 10,
  runId: '20261202-101500-k6-ab12',
  finishedAt: new Date('2026-12-02T10:16:00.500Z'),
  gatewayUrl: 'http://user:secret@127.0.0.1:8080',
  k6Version: 'v2.3.0',
  declaredModels: models,
  ...over,
});

describe('summaryToResults: k6 end-of-test summary → bench@2 results', () => {
  it('validates against the bench schema, marked as a k6 run with its thresholds', () => {
    const r = summaryToResults(loadSummary(), ctx());
    expect(() => benchResultsSchema.parse(r)).not.toThrow();
    expect(r.runner).toMatchObject({ tool: 'k6', version: 'v2.3.0', scenario: 'load', source: 'k6-summary' });
    expect(r.runner!.thresholds).toEqual([
      { metric: 'http_reqs{endpoint:search}', expression: 'rate>50', ok: true },
      { metric: 'http_req_duration{endpoint:search}', expression: 'p(95)<50', ok: true },
      { metric: 'http_req_failed', expression: 'rate<0.001', ok: false },
      { metric: 'recall_at_k', expression: 'avg>=0.95', ok: true },
    ]);
    expect(r.runner!.options!.thresholds).toEqual({
      'http_req_duration{endpoint:search}': ['p(95)<50'],
      'http_reqs{endpoint:search}': ['rate>50'],
      http_req_failed: ['rate<0.001'],
      recall_at_k: ['avg>=0.95'],
    });
    expect(r).toMatchObject({ schema: 'vdb-readiness/bench@2', kind: 'bench', state: 'complete', run_id: '20261202-101500-k6-ab12', mode: 'open', latency_corrected: true, k: 10, timeline: [] });
    expect(r.started_at).toBe('2026-12-02T10:15:00.000Z');
    expect(r.finished_at).toBe('2026-12-02T10:16:00.500Z');
    expect(r.target).toEqual({ url: 'http://user:***@127.0.0.1:8080', api: 'gateway' });
    expect(r.histogram).toBeUndefined();
  });

  it('figures: searches, error classes, recall, latency, throughput, per model', () => {
    const r = summaryToResults(loadSummary(), ctx());
    expect(r).toMatchObject({ requests: 3600, ok: 3596, errors: 4, error_rate: 0.001111, recall_at_k: 0.99, recall_samples: 3596, duration_s: 60.5, throughput_rps: 59.4, cached_answers: 36 });
    expect(r.errors_by_class).toEqual({ timeout: 1, connect: 0, '4xx': 0, '5xx': 3, bad_body: 0, dropped: 0, other: 0 });
    expect(r.latency_ms).toEqual({ p50: 5.4, p90: 10, p95: 12.5, p99: 20, p999: 31.25, max: 37.5, min: 1.1, mean: 6.2 });
    expect(r.per_collection.map((c) => [c.collection, c.dataset, c.weight, c.requests, c.errors, c.recall_at_k])).toEqual([
      ['mixtral_vectors', 'model-mixtral', 0.5, 1800, 0, 1],
      ['hermes_vectors', 'model-hermes', 0.5, 1800, 4, 0.98],
    ]);
    expect(r.driver[0]).toMatchObject({ tool: 'k6', iterations: 3600, dropped_iterations: 0, vus_max: 24, checks_failed: 16 });
    expect(r.warnings).toContain('k6 threshold failed: http_req_failed rate<0.001 (k6 exits 99)');
  });

  it('gates: the scenario\'s, judged by src/gates; they fail when p95 is over the gate', () => {
    const good = summaryToResults(loadSummary({ p95: 12.5 }), ctx());
    expect(good.gates.profile).toBe('ci');
    expect(good.gates.results.map((g) => g.name)).toEqual(['search_p95', 'throughput', 'error_rate', 'recall_at_10']);
    expect(good.gates.results.find((g) => g.name === 'search_p95')).toMatchObject({ value: 12.5, pass: true });
    const slow = summaryToResults(loadSummary({ p95: 92.5 }), ctx());
    expect(slow.gates.results.find((g) => g.name === 'search_p95')).toMatchObject({ value: 92.5, pass: false });
    expect(slow.pass).toBe(false);
    expect(slow.runner!.thresholds!.find((t) => t.expression === 'p(95)<50')!.ok).toBe(false);
  });

  it('dropped iterations count as errors of class dropped; the latency note says so', () => {
    const r = summaryToResults(loadSummary({ dropped: 40 }), ctx());
    expect(r.errors_by_class.dropped).toBe(40);
    expect(r).toMatchObject({ requests: 3640, errors: 44 });
    expect(r.latency_note).toMatch(/drops an iteration.*40 here.*`dropped`/);
    expect(r.warnings.some((w) => w.startsWith('k6 dropped 40 iteration(s)'))).toBe(true);
  });

  it('per-vu-iterations (smoke) is a closed loop: latency not corrected, latency gates left to k6', () => {
    const r = summaryToResults(loadSummary(), ctx({ scenario: SCENARIOS.smoke, options: scriptOptions(SCENARIOS.smoke, profile, {}, models) }));
    expect(r).toMatchObject({ mode: 'closed', latency_corrected: false });
    expect(r.gates.results.map((g) => g.name)).toEqual(['error_rate', 'recall_at_10']);
    expect(() => benchResultsSchema.parse(r)).not.toThrow();
  });

  it('handleSummary\'s outputs: text on stdout, results.json and junit.xml with one case per threshold', () => {
    const out = summaryOutputs(loadSummary(), ctx(), 'reports/out/run-1');
    expect(Object.keys(out).sort()).toEqual(['reports/out/run-1/junit.xml', 'reports/out/run-1/results.json', 'stdout']);
    const parsed = benchResultsSchema.parse(JSON.parse(out['reports/out/run-1/results.json']!));
    expect(parsed.runner?.tool).toBe('k6');
    const junit = out['reports/out/run-1/junit.xml']!;
    expect(junit).toBe(renderJunit(parsed));
    expect(junit).toContain('<testsuite name="k6.thresholds load" tests="4" failures="1"');
    expect(junit).toContain('<testcase classname="k6.thresholds" name="http_req_duration{endpoint:search} p(95)&lt;50" time="0">');
    expect(junit).toContain('<failure message="k6 threshold http_req_failed rate&lt;0.001 failed" type="threshold"/>');
    expect(junit).not.toContain('count&gt;=0');
    expect(out.stdout).toMatch(/✗ http_req_failed rate<0\.001/);
    expect(out.stdout).toContain('wrote reports/out/run-1/results.json');
  });

  it('a run not driven by k6 keeps its JUnit as before (gates only)', () => {
    const r = summaryToResults(loadSummary(), ctx());
    const plain = { ...r, runner: { tool: 'vdb-readiness' as const, source: 'driver' as const } };
    expect(renderJunit(plain)).not.toContain('k6.thresholds');
    expect(renderJunit(plain)).toContain(`tests="${r.gates.results.length}"`);
  });

  it('run ids follow the suite\'s form', () => {
    expect(k6RunId(new Date('2026-12-02T10:15:00.000Z'), 0.5)).toBe('20261202-101500-k6-8000');
  });
});
