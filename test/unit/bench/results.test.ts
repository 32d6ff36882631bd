import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/bench/aggregate.ts';
import { decodeHistogram, newLatencyHistogram, percentilesMs } from '../../../src/bench/histogram.ts';
import { mergeResults } from '../../../src/bench/merge.ts';
import { RunRecorder } from '../../../src/bench/recorder.ts';
import { renderSummary } from '../../../reports/render/index.ts';
import { benchResultsSchema } from '../../../src/results/bench.ts';
import { validateOptions } from '../../../src/bench/validate.ts';
import { buildWorkload } from '../../../src/bench/workload.ts';
import { delayAt, parseDelayModel, releaseAt } from '../../../src/bench/stub-server/latency-model.ts';
import { UserError } from '../../../src/util/errors.ts';

const source = { queryCount: () => 4, query: (_d: string, j: number) => ({ vector: [j, 1], neighbors: [0, 1] }) };

function fakeRun(latenciesMs: number[], profile = 'ci', okBody = '{"results":[{"id":0},{"id":1}]}', mode: 'open' | 'closed' = 'open') {
  const workload = buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'gateway', k: 2, queries: 4 });
  const rec = new RunRecorder(workload);
  latenciesMs.forEach((ms, i) => rec.response(workload.queries[i % 4]!, i * 10, i * 10 + ms, 200, okBody));
  rec.failure(workload.queries[0]!, 0, 1, 'timeout');
  return aggregate({
    runId: `run-${latenciesMs.length}`,
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    mode,
    params: { rate: 100 },
    target: { url: 'http://127.0.0.1:1', api: 'gateway' },
    workload,
    recorder: rec,
    elapsedS: 1,
    driver: { warnings: [] },
    profile,
  });
}

describe('results', () => {
  it('aggregates counts, errors by class, recall and gates into a schema-valid results object', () => {
    const r = fakeRun([1, 2, 3, 4]);
    expect(benchResultsSchema.safeParse(r).success).toBe(true);
    expect(r.requests).toBe(5);
    expect(r.errors_by_class.timeout).toBe(1);
    expect(r.error_rate).toBeCloseTo(0.2);
    expect(r.recall_at_k).toBe(1);
    expect(r.throughput_rps).toBe(4);
    expect(r.gates.results.map((g) => g.name)).toEqual(['search_p95', 'throughput', 'error_rate', 'recall_at_10']);
    expect(r.gates.results.find((g) => g.name === 'error_rate')!.pass).toBe(false);
    expect(r.pass).toBe(false);
    expect(r.gates.label).toMatch(/NOT the production/);
    expect(renderSummary(r)).toMatch(/FAIL\s+error_rate/);
  });

  it('counts a 2xx without ids as bad_body', () => {
    const r = fakeRun([1], 'ci', '{"nothing":true}');
    expect(r.errors_by_class.bad_body).toBe(1);
    expect(r.recall_at_k).toBeNull();
  });

  it('merges exactly: histograms added and percentiles recomputed, not averaged', () => {
    const a = fakeRun(Array.from({ length: 20 }, () => 1));
    const b = fakeRun([100, 100]);
    const m = mergeResults([a, b]);
    expect(m.requests).toBe(a.requests + b.requests);
    expect(m.errors_by_class.timeout).toBe(2);
    const h = newLatencyHistogram();
    h.add(decodeHistogram(a.histogram!.data));
    h.add(decodeHistogram(b.histogram!.data));
    expect(m.latency_ms).toEqual(percentilesMs(h));
    // The mean of the two p90s would be ~50 ms; the merged p90 is the 1 ms mode.
    expect(m.latency_ms.p90).toBeLessThan(2);
    expect(m.latency_ms.p99).toBeGreaterThan(99);
    expect(m.throughput_rps).toBe(a.throughput_rps + b.throughput_rps);
    expect(m.merged_from).toEqual([a.run_id, b.run_id]);
    expect(m.timeline.reduce((s, t) => s + t.requests, 0)).toBe(m.requests);
  });

  it('a closed-loop run never decides a latency gate (its latency is not corrected), an open-loop run does', () => {
    const open = fakeRun([1, 2, 3, 400]);
    const closed = fakeRun([1, 2, 3, 400], 'ci', undefined, 'closed');
    expect(open.gates.results.some((g) => g.metric.startsWith('latency_ms.'))).toBe(true);
    expect(closed.gates.results.some((g) => g.metric.startsWith('latency_ms.'))).toBe(false);
    expect(closed.gates.results.map((g) => g.name)).toContain('error_rate');
  });

  it('counts answers the gateway served from its cache and warns when they are a noticeable share', () => {
    const cached = fakeRun([1, 2, 3, 4], 'ci', '{"results":[{"id":0},{"id":1}],"cached":true}');
    expect(cached.cached_answers).toBe(4);
    expect(cached.warnings.some((w) => /from the gateway's cache/.test(w))).toBe(true);
    const fresh = fakeRun([1, 2, 3, 4]);
    expect(fresh.cached_answers).toBe(0);
    expect(fresh.warnings.some((w) => /cache/.test(w))).toBe(false);
  });

  it('refuses to merge open- with closed-loop runs', () => {
    const a = fakeRun([1]);
    expect(() => mergeResults([a, { ...a, mode: 'closed' }])).toThrow(UserError);
  });
});

describe('options', () => {
  it('fills defaults and names the bad option', () => {
    const o = validateOptions({ rate: '500' });
    expect(o).toMatchObject({ mode: 'open', rate: 500, k: 10, profile: 'production', api: 'gateway' });
    expect(() => validateOptions({ mode: 'half' })).toThrow(/--mode/);
    expect(() => validateOptions({ connections: '0' })).toThrow(/--connections/);
    expect(() => validateOptions({ url: 'not a url' })).toThrow(/--url/);
  });
});

describe('stub latency model', () => {
  it('is deterministic and has the declared shape', () => {
    const m = parseDelayModel('exp:base=10,mean=5,seed=3');
    const xs = Array.from({ length: 20_000 }, (_, n) => delayAt(m, n));
    expect(delayAt(m, 7)).toBe(xs[7]);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(10);
    expect(xs.reduce((a, b) => a + b, 0) / xs.length).toBeCloseTo(15, 0);
  });

  it('holds responses due inside a stall window until its end', () => {
    const stall = { everyMs: 1000, forMs: 200 };
    expect(releaseAt(stall, 500)).toBe(500);
    expect(releaseAt(stall, 850)).toBe(1000);
    expect(releaseAt(stall, 1799)).toBe(1799);
    expect(releaseAt(stall, 1801)).toBe(2000);
  });
});
