/**
 * The soak rules, as data: what a soak run's resource and latency series must not do. Each rule
 * is also a gate of the same name in every profile (src/gates/definitions.ts, metric
 * `resources.judged.<rule>.score`, passing below 1): the score is the measured change as a
 * share of the rule's tolerance. Plain data with type-only imports (k6 loads it through the gates).
 *
 * - `slope`: growth over the run. Both the Theil–Sen slope and the slope between the medians of
 *   the first and last thirds (of the steady part, after the warm-up) are extrapolated over the
 *   whole run; the smaller of the two, against `pct` % of the steady baseline (the first third's
 *   median) plus `abs`, is the score. Both must show the growth, so a single step or a tall GC
 *   tooth does not fail a run, and a sustained climb does.
 * - `drift`: the median of the last third of the steady part against the first third's; the
 *   score is the smaller of (last / first) / `ratio` and (last − first) / `abs`: a drift must be
 *   large both relatively and absolutely (2 ms → 5 ms is not latency drift on a CI runner).
 */
import type { GateProfileName } from '../gates/definitions.ts';

export const SOAK_SERIES = [
  'gateway_rss_bytes',
  'gateway_open_fds',
  'gateway_event_loop_p99_ms',
  'engine_rss_bytes',
  'engine_open_fds',
  'redis_used_memory_bytes',
] as const;
export type SoakSeriesName = (typeof SOAK_SERIES)[number];
/** Latency series: per window of the run's timeline (built-in driver, or k6's JSON output). */
export type LatencySeriesName = 'latency_p50_ms' | 'latency_p95_ms';

interface RuleBase {
  name: string;
  /** What it guards, for the report. */
  what: string;
  series: SoakSeriesName | LatencySeriesName;
  /** Unit of the series and of `abs`. */
  unit: 'bytes' | 'fds' | 'ms';
}
export interface SlopeRule extends RuleBase {
  kind: 'slope';
  tolerance: { pct: number; abs: number };
}
export interface DriftRule extends RuleBase {
  kind: 'drift';
  tolerance: { ratio: number; abs: number };
}
export type SoakRule = SlopeRule | DriftRule;

/**
 * How much of a series is judged: samples before `warmupFraction` of the run are left out (heap
 * growth, JIT, pools and caches filling); fewer than `minSamples` steady samples, or a steady
 * part shorter than `minSteadyS`, is not judged (never a pass).
 */
export const SOAK_JUDGEMENT = { warmupFraction: 0.2, minSamples: 20, minSteadyS: 45 } as const;

const MiB = 1024 * 1024;

function rules(latencyAbsMs: number, loopAbsMs: number): SoakRule[] {
  return [
    { name: 'gateway_rss_slope', kind: 'slope', what: 'gateway resident memory does not climb', series: 'gateway_rss_bytes', unit: 'bytes', tolerance: { pct: 10, abs: 32 * MiB } },
    { name: 'gateway_fd_slope', kind: 'slope', what: 'gateway open file descriptors do not climb', series: 'gateway_open_fds', unit: 'fds', tolerance: { pct: 10, abs: 20 } },
    { name: 'gateway_event_loop_drift', kind: 'drift', what: 'gateway event-loop delay (p99) does not drift up', series: 'gateway_event_loop_p99_ms', unit: 'ms', tolerance: { ratio: 2, abs: loopAbsMs } },
    { name: 'engine_rss_slope', kind: 'slope', what: 'engine (Qdrant) resident memory does not climb', series: 'engine_rss_bytes', unit: 'bytes', tolerance: { pct: 10, abs: 64 * MiB } },
    { name: 'engine_fd_slope', kind: 'slope', what: 'engine (Qdrant) open file descriptors do not climb', series: 'engine_open_fds', unit: 'fds', tolerance: { pct: 10, abs: 20 } },
    { name: 'redis_memory_slope', kind: 'slope', what: 'Redis used memory does not climb', series: 'redis_used_memory_bytes', unit: 'bytes', tolerance: { pct: 10, abs: 32 * MiB } },
    { name: 'latency_drift', kind: 'drift', what: 'search p95 does not drift up', series: 'latency_p95_ms', unit: 'ms', tolerance: { ratio: 1.5, abs: latencyAbsMs } },
  ];
}

export const SOAK_RULES: Record<GateProfileName, SoakRule[]> = {
  production: rules(2, 10),
  ci: rules(10, 20),
};

export const soakRules = (profile: string): SoakRule[] => (SOAK_RULES as Record<string, SoakRule[] | undefined>)[profile] ?? SOAK_RULES.production;
