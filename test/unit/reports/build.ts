/**
 * Results the report tests feed the renderer: bench runs with real HDR histograms recorded from
 * given latencies (as the driver records them), a readiness run, a deployment record, a capacity run.
 */
import { judgeBench } from '../../../src/gates/apply.ts';
import { gateProfile } from '../../../src/gates/definitions.ts';
import { encodeHistogram, newLatencyHistogram, percentilesMs } from '../../../src/bench/histogram.ts';
import { mapChecklist } from '../../../src/readiness/checklist.ts';
import { decideVerdict, summarize, withCoverage } from '../../../src/readiness/verdict.ts';
import { judgeReadiness } from '../../../src/gates/apply.ts';
import { BENCH_SCHEMA } from '../../../src/results/bench.ts';
import type { BenchResults } from '../../../src/results/bench.ts';
import { CAPACITY_SCHEMA, capacityResultsSchema } from '../../../src/results/capacity.ts';
import type { CapacityResults } from '../../../src/results/capacity.ts';
import { READINESS_SCHEMA } from '../../../src/results/readiness.ts';
import type { CheckResult, ReadinessResults, Timeline } from '../../../src/results/readiness.ts';
import type { DeploymentRecord } from '../../../src/report/inputs.ts';

/** Deterministic latencies around `medianMs` with a tail: n samples, `shiftMs` added to each. */
export function latencies(n: number, medianMs: number, shiftMs = 0, seed = 7): number[] {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => medianMs * Math.exp(0.5 * Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())) + shiftMs);
}

export function bench(over: { ms: number[]; mode?: 'open' | 'closed'; profile?: string; runId?: string; dataset?: string; seconds?: number; rate?: number } ): BenchResults {
  const seconds = over.seconds ?? 5;
  const hist = newLatencyHistogram();
  const per = Array.from({ length: seconds }, () => newLatencyHistogram());
  over.ms.forEach((v, i) => {
    const us = Math.max(1, Math.round(v * 1000));
    hist.recordValue(us);
    per[Math.min(seconds - 1, Math.floor((i / over.ms.length) * seconds))]!.recordValue(us);
  });
  const mode = over.mode ?? 'open';
  const dataset = over.dataset ?? 'smoke';
  const stream = {
    requests: over.ms.length,
    ok: over.ms.length,
    errors: 0,
    errors_by_class: { timeout: 0, connect: 0, '4xx': 0, '5xx': 0, bad_body: 0, dropped: 0, other: 0 },
    error_rate: 0,
    recall_at_k: 1,
    recall_samples: over.ms.length,
    latency_ms: percentilesMs(hist),
    histogram: { encoding: 'hdr-histogram-js/compressed-base64' as const, unit: 'us' as const, data: encodeHistogram(hist) },
  };
  const run = {
    schema: BENCH_SCHEMA,
    kind: 'bench' as const,
    run_id: over.runId ?? `20261202-100000-bench-${mode}`,
    state: 'complete' as const,
    started_at: '2026-12-02T10:00:00.000Z',
    finished_at: `2026-12-02T10:00:0${seconds}.000Z`,
    mode,
    latency_corrected: mode === 'open',
    latency_note: mode === 'open' ? 'open loop: latency from each request\'s intended send time' : 'closed loop: NOT corrected for coordinated omission',
    duration_s: seconds,
    throughput_rps: over.ms.length / seconds,
    k: 10,
    params: { dataset, mode, ...(mode === 'open' ? { rate: over.rate ?? over.ms.length / seconds } : {}), connections: 32 },
    target: { url: 'http://127.0.0.1:8080', api: 'gateway' as const },
    ...stream,
    timeline: per.map((p, second) => ({ second, requests: p.totalCount, errors: 0, p50_ms: percentilesMs(p).p50, p99_ms: percentilesMs(p).p99, histogram: encodeHistogram(p) })),
    per_collection: [{ collection: dataset, dataset, weight: 1, ...stream }],
    driver: [],
    warnings: [],
    runner: { tool: 'vdb-readiness' as const, source: 'driver' as const },
    gates: { profile: 'ci', label: 'ci', results: [] },
    pass: true,
  };
  return judgeBench(run, gateProfile(over.profile ?? 'ci'));
}

export function timeline(): Timeline {
  return {
    started_at: '2026-12-02T10:00:10.000Z',
    bucket_ms: 100,
    duration_ms: 5000,
    rate_per_s: 100,
    connections: 8,
    requests: 500,
    failed: 3,
    max_gap_ms: 140,
    buckets: Array.from({ length: 50 }, (_, i) => ({ t_ms: i * 100, count: 10, errors: i === 31 ? 3 : 0, p50_ms: 2, p95_ms: i === 31 ? 120 : 5, max_ms: i === 31 ? 300 : 8, slots: (i < 25 ? { blue: 10 } : { green: 10 }) as Record<string, number> })),
    events: [
      { t_ms: 800, kind: 'deploy-start', label: 'deploy rb-good' },
      { t_ms: 2500, kind: 'switch', label: 'switch: front door → green' },
      { t_ms: 3300, kind: 'rollback', label: 'rolling back: error rate' },
    ],
  };
}

export function check(over: Partial<CheckResult> & Pick<CheckResult, 'group' | 'title'>): CheckResult {
  return { id: `${over.group}/${over.title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`, status: 'passed', required: true, duration_ms: 12, evidence: [{ label: 'call', request: 'GET /api/v1/health', status: 200, latency_ms: 2 }], ...over };
}

/** A finished readiness run judged by `profile`, its verdict decided as the runner does (coverage included). */
export function readiness(checks: CheckResult[], profile = 'ci', runId = '20261202-100000-readiness-abcd'): ReadinessResults {
  const p = gateProfile(profile);
  const gates = judgeReadiness(checks, p);
  const { verdict, reasons } = decideVerdict('complete', checks, gates.results);
  return withCoverage({
    schema: READINESS_SCHEMA,
    kind: 'readiness',
    run_id: runId,
    state: 'complete',
    started_at: '2026-12-02T10:00:00.000Z',
    finished_at: '2026-12-02T10:00:20.000Z',
    gates,
    verdict,
    verdict_reasons: reasons,
    wall_time_ms: 20_000,
    run: { command: 'npm run readiness', suite_version: '0.1.0', node: 'v20', host: 'test', options: { target: 'local', only: [], comprehensive: true, allow_disruptive: false, profile } },
    target: {
      kind: 'local',
      gateway_url: 'http://127.0.0.1:8080',
      fingerprint: { gateway: { version: '1.0.0' }, qdrant: { version: '1.19.0' }, redis: { version: '7.0' }, config_hash: 'abc123', collections: { smoke: { dim: 64, distance: 'Cosine', points: 10000 } }, notes: [] },
    },
    summary: summarize(checks),
    checks,
    checklist: mapChecklist(checks),
  });
}

/** The checks of a healthy comprehensive run: every coverage requirement met. */
export function healthyChecks(): CheckResult[] {
  return [
    check({ group: 'health', title: 'gateway readiness answers 200' }),
    check({ group: 'security', title: 'the rate limit answers 429 with Retry-After' }),
    check({ group: 'performance', title: 'phi3: 200 searches all answered, p95 under the gate', measurements: { 'latency_ms.p95': 6.5, error_rate: 0 } }),
    check({ group: 'performance', title: 'mixtral: 200 searches all answered, p95 under the gate', measurements: { 'latency_ms.p95': 8.1, error_rate: 0 } }),
    check({ group: 'rollback', title: 'a validated deploy goes live with no request lost', timeline: timeline() }),
    check({ group: 'faults', title: 'with Redis stopped, searches are still answered' }),
  ];
}

export function deployment(): DeploymentRecord {
  const at = (s: number): string => new Date(Date.parse('2026-12-02T10:00:01.000Z') + s * 1000).toISOString();
  return {
    id: '20261202-100001-deploy-beef',
    action: 'deploy',
    version: '2.0.0',
    slot: 'green',
    from_slot: 'blue',
    from_version: '1.0.0',
    outcome: 'live',
    reason: null,
    started_at: at(0),
    finished_at: at(6),
    by: 'ci@host',
    checks: [{ name: 'health', pass: true, detail: '200' }],
    analysis: [0, 1, 2].map((i) => ({ index: i, started_at: at(2 + i), probe: { requests: 20, errors: 0, p95_ms: 4 + i }, live: { requests: 80, errors: 0, p95_ms: 5 + i }, pass: true, reason: null })),
    events: [
      { at: at(0), kind: 'start', detail: 'starting green' },
      { at: at(1.5), kind: 'switch', detail: 'front door → green' },
      { at: at(5), kind: 'live', detail: 'green is live' },
    ],
  };
}

/** A capacity run as bench:gateway writes it (qdrant-local, the runbook shape short on engine cores unless `withinReach`). */
export function capacity(over: { withinReach?: boolean; engine?: 'qdrant' | 'qdrant-local'; runId?: string; bound?: boolean } = {}): CapacityResults {
  const ok = over.withinReach ?? false;
  const doc = {
    schema: CAPACITY_SCHEMA,
    kind: 'capacity',
    run_id: over.runId ?? '20261203-110000-capacity-abc123',
    state: 'complete',
    started_at: '2026-12-03T11:00:00.000Z',
    finished_at: '2026-12-03T11:02:00.000Z',
    gates: { profile: 'capacity', label: 'capacity: a plan, not a gate', results: [] },
    tool: 'bench:gateway',
    engine: { kind: over.engine ?? 'qdrant-local', version: '1.19.0' },
    machine: { cores: 2, placement: 'split: engine on cpu 1', load_average: '0.10 / 0.20 / 0.30 at start, 1.00 / 0.50 / 0.40 at end', steal_pct: 12.5 },
    measured: {
      concurrency: 8,
      requests_per_phase: 3000,
      direct_per_s: 800,
      gateway_uncached_per_s: 720,
      gateway_cached_per_s: 3300,
      uncached_share_of_direct: 0.9,
      unloaded_p95_ms: 3.8,
      cpu_ms_per_search: { uncached: { gateway: 0.84, nginx: 0.11, redis: 0.12, qdrant: 1.2 }, cached: { gateway: 0.3, nginx: 0.1, redis: 0.05, qdrant: 0 }, direct_engine: ok ? 0.8 : 1.24 },
      // a file from before the gateway-bound phase has no such field
      ...(over.bound ? { gateway_bound: { searches_per_s: 4119, cpu_ms_per_search: { gateway: 0.184, redis: 0.028 } } } : {}),
    },
    per_core: { gateway_uncached: 1186, gateway_cached: 3297, tier_uncached: 938, engine: ok ? 1250 : 804 },
    shape: { engine_cores: 16, gateway_replicas: 2, workers_per_replica: 16, target_per_s: 10000, p95_target_ms: 10, utilisation: 0.7 },
    plan: {
      engine_max_per_s: ok ? 14000 : 9008,
      gateway_max_per_s: 26561,
      limit: 'engine',
      needed: { engine_cores: ok ? 12 : 18, gateway_workers: 13, nginx_redis_cores: 4 },
      p95_at_target_ms: 4.3,
      within_reach: ok,
      short_on: ok ? [] : ['the engine (needs 18 cores, has 16)'],
    },
    scaling: {
      concurrency: 16,
      visits: [1, 2, 1],
      points: [
        { workers: 1, searches_per_s: 3862, visits_per_s: [3850, 3874], gateway_cpu_ms: 0.253, other_cpu_ms: 0.145 },
        { workers: 2, searches_per_s: 3775, visits_per_s: [3775], gateway_cpu_ms: 0.325, other_cpu_ms: 0.15 },
      ],
      two_over_one: 3775 / 3862,
      target: 1.25,
      machine_cap: 1.27,
    },
    warnings: [],
  };
  return capacityResultsSchema.parse(doc);
}
