/** Turns what a run recorded into `results.json` (schema `vdb-readiness/bench@2`), gates included. */
import { judgeBench } from '../gates/apply.ts';
import { gateProfile } from '../gates/definitions.ts';
import type { Histogram } from 'hdr-histogram-js';
import type { ErrorCounts } from './error-class.ts';
import { encodeHistogram, percentilesMs } from './histogram.ts';
import { suiteVersion } from '../util/version.ts';
import type { StreamStats, RunRecorder } from './recorder.ts';
import { BENCH_SCHEMA } from '../results/bench.ts';
import type { BenchResults, StreamResults } from '../results/bench.ts';
import type { Workload } from './workload.ts';

export const encoded = (h: Histogram): StreamResults['histogram'] => ({
  encoding: 'hdr-histogram-js/compressed-base64',
  unit: 'us',
  data: encodeHistogram(h),
});

const sumErrors = (e: ErrorCounts): number => Object.values(e).reduce((a, b) => a + b, 0);
const ratio = (a: number, b: number): number => (b > 0 ? Math.round((a / b) * 1e6) / 1e6 : 0);

/** Totals of one stream from counts and a histogram (also used by merge). */
export function streamResults(s: { requests: number; ok: number; errors_by_class: ErrorCounts; recallSum: number; recallCount: number; hist: Histogram }): StreamResults {
  const errors = sumErrors(s.errors_by_class);
  return {
    requests: s.requests,
    ok: s.ok,
    errors,
    errors_by_class: s.errors_by_class,
    error_rate: ratio(errors, s.requests),
    recall_at_k: s.recallCount > 0 ? Math.round((s.recallSum / s.recallCount) * 1e6) / 1e6 : null,
    recall_samples: s.recallCount,
    latency_ms: percentilesMs(s.hist),
    histogram: encoded(s.hist),
  };
}

const fromStats = (s: StreamStats): StreamResults => streamResults({ ...s, errors_by_class: s.errors });

export interface AggregateInput {
  runId: string;
  startedAt: Date;
  finishedAt: Date;
  mode: 'open' | 'closed';
  params: Record<string, unknown>;
  target: { url: string; api: 'gateway' | 'qdrant' };
  workload: Workload;
  recorder: RunRecorder;
  /** Measured window in seconds (first intended send to last answer). */
  elapsedS: number;
  driver: Record<string, unknown> & { warnings: string[] };
  closedLoop?: Record<string, unknown>;
  profile: string;
  /**
   * `npm run bench -- --scenario`: the scenario run (runner.scenario), the profile cut down to its
   * gates (only those judge it), what the closed loop was, and the run's own warnings.
   */
  scenario?: { name: string; closedLoop: string; warnings: string[] };
  /** Per mix entry: the engine search parameters in force (see search-params.ts). */
  searchParams?: Array<NonNullable<BenchResults['per_collection'][number]['search_params']>>;
}

export function aggregate(input: AggregateInput): BenchResults {
  const { recorder, workload } = input;
  const total = fromStats(recorder.total);
  const warnings = [...input.driver.warnings];
  const cachedShare = recorder.total.ok > 0 ? recorder.cachedAnswers / recorder.total.ok : 0;
  if (cachedShare > 0.05) {
    warnings.push(`${(cachedShare * 100).toFixed(1)} % of answers came from the gateway's cache: their latency is the cache's, not the engine's (use more --queries, or a fresh --seed, for engine latency)`);
  }
  warnings.push(...(input.scenario?.warnings ?? []));
  if (input.mode === 'closed') {
    warnings.push(
      input.scenario
        ? `closed-loop latency (${input.scenario.closedLoop}) is not corrected for coordinated omission: latency gates are not evaluated (an arrival-rate scenario, e.g. load, judges them)`
        : 'closed-loop latency is not corrected for coordinated omission: latency gates are not evaluated (run --mode open for them)',
    );
  }
  const results = {
    schema: BENCH_SCHEMA,
    kind: 'bench' as const,
    run_id: input.runId,
    state: 'complete' as const,
    started_at: input.startedAt.toISOString(),
    finished_at: input.finishedAt.toISOString(),
    mode: input.mode,
    latency_corrected: input.mode === 'open',
    latency_note:
      input.mode === 'open'
        ? 'open loop: latency from each request\'s intended send time (queueing and late sends included); timeouts and requests missing at the end enter as lower bounds'
        : `closed loop (${input.scenario?.closedLoop ?? 'autocannon'}): latency from actual send time, NOT corrected for coordinated omission`,
    duration_s: Math.round(input.elapsedS * 1000) / 1000,
    throughput_rps: input.elapsedS > 0 ? Math.round((recorder.total.ok / input.elapsedS) * 10) / 10 : 0,
    k: workload.k,
    params: input.params,
    target: input.target,
    ...total,
    cached_answers: recorder.cachedAnswers,
    timeline: recorder.seconds.map((s, second) => {
      const p = percentilesMs(s.hist);
      return { second, requests: s.requests, errors: s.errors, p50_ms: p.p50, p99_ms: p.p99, histogram: encodeHistogram(s.hist) };
    }),
    per_collection: workload.entries.map((e, i) => ({
      collection: e.collection,
      dataset: e.dataset,
      weight: e.weight,
      ...fromStats(recorder.perEntry[i]!),
      recall_by_query_bucket: (recorder.buckets[i] ?? []).map((b) => ({
        first_query: b.firstQuery,
        last_query: b.lastQuery,
        recall_at_k: b.recallCount > 0 ? Math.round((b.recallSum / b.recallCount) * 1e6) / 1e6 : null,
        samples: b.recallCount,
      })),
      ...(input.searchParams?.[i] ? { search_params: input.searchParams[i] } : {}),
    })),
    driver: [input.driver],
    ...(input.closedLoop ? { closed_loop: input.closedLoop } : {}),
    warnings,
    runner: { tool: 'vdb-readiness' as const, version: suiteVersion(), ...(input.scenario ? { scenario: input.scenario.name } : {}), source: 'driver' as const },
  };
  // judgeBench keeps to the scenario's gates (runner.scenario)
  return judgeBench(results, gateProfile(input.profile));
}
