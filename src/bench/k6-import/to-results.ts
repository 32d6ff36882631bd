/**
 * The accumulated k6 samples as bench@2 results (not yet judged): the searches as the top-level
 * stream (as the built-in driver's), per model, per endpoint (and scenario), a per-second
 * timeline, one `driver[]` entry per runner file with its own figures, and the warnings.
 */
import { basename } from 'node:path';
import { SCENARIOS } from '../../../scenarios/definitions.ts';
import type { ScenarioDef } from '../../../scenarios/model.ts';
import { streamResults } from '../aggregate.ts';
import { encodeHistogram, newLatencyHistogram, percentilesMs } from '../histogram.ts';
import { BENCH_SCHEMA } from '../../results/bench.ts';
import type { BenchResults, StreamResults } from '../../results/bench.ts';
import { UNTAGGED, errorsOf } from './accumulate.ts';
import type { RunnerAcc, StreamAcc } from './accumulate.ts';

export interface ResultsInput {
  runId: string;
  /** Each runner's figures, in file order, and all of them pooled. */
  runners: RunnerAcc[];
  pooled: RunnerAcc;
  profile: string;
  /** The scenario run (opts.scenario, else the points' `scenario_type` tag). */
  scenario: string | undefined;
  k: number;
  targetUrl: string | undefined;
  /** Warnings found on the way (e.g. conflicting tags). */
  warnings: string[];
}

const round = (x: number, digits: number): number => Math.round(x * 10 ** digits) / 10 ** digits;

/** A stream's results: ok = requests − failed (dropped iterations are failed requests). */
export function toStream(s: StreamAcc): StreamResults {
  const ok = Math.max(0, s.requests - errorsOf(s));
  return streamResults({ requests: s.requests, ok, errors_by_class: s.errors_by_class, recallSum: s.recallSum, recallCount: s.recallCount, hist: s.hist });
}

/** Measured window of the searches, in seconds (first to last search sample). */
const windowS = (r: RunnerAcc): number => (r.searchLastMs > r.searchFirstMs ? (r.searchLastMs - r.searchFirstMs) / 1000 : 0);
const throughput = (r: RunnerAcc): number => {
  const s = windowS(r);
  return s > 0 ? round(Math.max(0, r.search.requests - errorsOf(r.search)) / s, 1) : 0;
};
const iso = (ms: number): string => new Date(Number.isFinite(ms) ? ms : 0).toISOString();

/** The scenario definition the run followed, if it is one of scenarios/definitions.ts. */
export function scenarioDef(name: string | undefined): ScenarioDef | undefined {
  return name ? (SCENARIOS as Record<string, ScenarioDef | undefined>)[name] : undefined;
}

/** The origin of a URL (no path, no credentials), or the text itself when it is not a URL. */
function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
}

function runnerEntry(r: RunnerAcc): Record<string, unknown> {
  const s = toStream(r.search);
  return {
    runner: 'k6',
    file: r.file,
    ...(r.version ? { version: r.version } : {}),
    scenarios: [...r.scenarios],
    requests: s.requests,
    ok: s.ok,
    errors: s.errors,
    errors_by_class: s.errors_by_class,
    error_rate: s.error_rate,
    dropped: r.dropped,
    p50_ms: s.latency_ms.p50,
    p95_ms: s.latency_ms.p95,
    p99_ms: s.latency_ms.p99,
    throughput_rps: throughput(r),
    started_at: iso(r.firstMs),
    finished_at: iso(r.lastMs),
    ...(r.invalidLines ? { invalid_lines: r.invalidLines } : {}),
    ...(r.setupSamples ? { setup_samples_excluded: r.setupSamples } : {}),
  };
}

function runnerWarnings(runners: RunnerAcc[], pooled: RunnerAcc): string[] {
  const w: string[] = [];
  for (const r of runners) {
    if (r.search.requests - r.dropped === 0) w.push(`${r.file}: no search requests (http_req_duration samples tagged endpoint:search): was this file a runner of the same test?`);
    if (r.invalidLines) w.push(`${r.file}: ${r.invalidLines} line(s) were not k6 JSON and were skipped (a run cut short?)`);
  }
  const timed = runners.filter((r) => Number.isFinite(r.firstMs));
  if (timed.length > 1) {
    const latestStart = Math.max(...timed.map((r) => r.firstMs));
    const earliestEnd = Math.min(...timed.map((r) => r.lastMs));
    if (latestStart > earliestEnd) {
      const ranges = timed.map((r) => `${basename(r.file)} ${iso(r.firstMs)}–${iso(r.lastMs)}`).join(', ');
      w.push(`the runners' time ranges do not overlap (${ranges}): were they parts of one test? The pooled figures are not one load's`);
    }
  }
  if (pooled.dropped > 0) w.push(`k6 dropped ${pooled.dropped} iteration(s) it could not start on time (too few VUs for the rate, or the server too slow): they count as requests and errors of class dropped`);
  const okSearches = Math.max(0, pooled.search.requests - errorsOf(pooled.search));
  if (okSearches > 0 && pooled.cached / okSearches > 0.05) {
    w.push(`${((pooled.cached / okSearches) * 100).toFixed(1)} % of answers came from the gateway's cache: their latency is the cache's, not the engine's`);
  }
  if (pooled.search.recallCount === 0) w.push('no recall_at_k samples: recall was not measured (the scripts in scenarios/k6 add the recall_at_k Trend)');
  return w;
}

/** One entry per second of sample time from `startSecond` (epoch s) to the last, gaps (a stall) included as zeros. */
function timeline(pooled: RunnerAcc, startSecond: number): BenchResults['timeline'] {
  if (pooled.seconds.size === 0) return [];
  let last = startSecond;
  for (const abs of pooled.seconds.keys()) last = Math.max(last, abs);
  const empty = newLatencyHistogram();
  const out: BenchResults['timeline'] = [];
  for (let abs = startSecond; abs <= last; abs++) {
    const s = pooled.seconds.get(abs) ?? { requests: 0, errors: 0, hist: empty };
    const p = percentilesMs(s.hist);
    out.push({ second: abs - startSecond, requests: s.requests, errors: s.errors, p50_ms: p.p50, p99_ms: p.p99, histogram: encodeHistogram(s.hist) });
  }
  return out;
}

/** The results without `gates` and `pass` (judgeBench adds them). */
export function toResults(input: ResultsInput) {
  const { pooled, runners } = input;
  const total = toStream(pooled.search);
  const def = scenarioDef(input.scenario);
  const executor = def?.executor;
  const open = executor !== undefined && executor.endsWith('arrival-rate');
  const warnings = [...input.warnings, ...runnerWarnings(runners, pooled)];
  if (!open) warnings.push('closed-loop latency is not corrected for coordinated omission: latency gates are not evaluated (run an arrival-rate scenario for them)');
  const searchesSent = pooled.search.requests - pooled.dropped;
  const firstSecond = Math.floor(pooled.searchFirstMs / 1000);
  let startSecond = firstSecond;
  for (const abs of pooled.seconds.keys()) startSecond = Math.min(startSecond, abs);
  const perEndpoint: NonNullable<BenchResults['per_endpoint']> = [...pooled.endpoints].map(([endpoint, s]) => ({ endpoint, ...toStream(s) }));
  const scenarioCount = new Set([...pooled.endpointScenarios.keys()].map((k) => k.split('\u0000')[1])).size;
  if (scenarioCount > 1) {
    for (const [key, s] of pooled.endpointScenarios) {
      const [endpoint, scenario] = key.split('\u0000') as [string, string];
      perEndpoint.push({ endpoint, scenario, ...toStream(s) });
    }
  }
  const url = input.targetUrl ?? (pooled.firstSearchUrl ? origin(pooled.firstSearchUrl.url) : '(unknown: no url tag on the search samples)');
  const elapsedS = windowS(pooled);
  return {
    schema: BENCH_SCHEMA,
    kind: 'bench' as const,
    run_id: input.runId,
    state: 'complete' as const,
    started_at: iso(pooled.firstMs),
    finished_at: iso(pooled.lastMs),
    mode: open ? ('open' as const) : ('closed' as const),
    latency_corrected: open,
    latency_note: open
      ? `k6 ${executor} (arrival rate): latency from each request's actual send, as k6 measures it; arrivals keep their schedule, and iterations k6 could not start on time were dropped and count as errors of class dropped`
      : `k6 ${executor ?? 'executor unknown'} (closed loop: each VU waits for its answer): latency from actual send, NOT corrected for coordinated omission`,
    duration_s: round(elapsedS, 3),
    throughput_rps: throughput(pooled),
    k: input.k,
    params: { files: runners.map((r) => r.file), scenario: input.scenario ?? null, profile: input.profile },
    target: { url, api: 'gateway' as const },
    ...total,
    cached_answers: pooled.cached,
    timeline: timeline(pooled, startSecond),
    per_collection: [...pooled.models].map(([model, s]) => ({
      collection: model,
      dataset: model === UNTAGGED ? UNTAGGED : `model-${model}`,
      weight: searchesSent > 0 ? round(s.requests / searchesSent, 6) : 0,
      ...toStream(s),
    })),
    per_endpoint: perEndpoint,
    driver: runners.map(runnerEntry),
    warnings,
    runner: {
      tool: 'k6' as const,
      source: 'k6-json' as const,
      ...(input.scenario ? { scenario: input.scenario } : {}),
      ...(pooled.version ? { version: pooled.version } : {}),
    },
    ...(runners.length > 1 ? { merged_from: runners.map((r) => basename(r.file)) } : {}),
  };
}
