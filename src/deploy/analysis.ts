/**
 * The post-switch analysis, judged (pure): each interval's probe and live figures against
 * deployment.yaml `analysis`, and whether the failures so far call for an automatic rollback.
 */
import { UserError } from '../util/errors.ts';
import type { AnalysisDefaults } from '../launcher/gateway-config.ts';
import type { AnalysisInterval, AnalysisSettings } from './types.ts';
import type { TrafficFigures } from './metrics.ts';

/** deployment.yaml's settings with a caller's overrides (DeployOptions.analysis), each checked. */
export function resolveAnalysis(fromFile: AnalysisDefaults, override: Partial<AnalysisSettings> = {}): AnalysisSettings {
  const s: AnalysisSettings = { ...fromFile, ...Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined)) };
  const bad = (key: keyof AnalysisSettings, want: string): never => {
    throw new UserError(`analysis ${key} must be ${want} (got ${String(s[key])})`);
  };
  if (!(s.interval_s > 0)) bad('interval_s', 'a number of seconds > 0');
  if (!Number.isInteger(s.count) || s.count < 1) bad('count', 'an integer ≥ 1');
  if (!Number.isInteger(s.failure_limit) || s.failure_limit < 0) bad('failure_limit', 'an integer ≥ 0');
  if (!(s.max_error_rate >= 0 && s.max_error_rate <= 1)) bad('max_error_rate', 'a ratio in [0, 1]');
  if (!(s.max_p95_ms > 0)) bad('max_p95_ms', 'a number of milliseconds > 0');
  if (!(s.probe_rate_per_s > 0)) bad('probe_rate_per_s', 'a number of requests per second > 0');
  return s;
}

/**
 * A p95 of fewer answers is one slow request, not a percentile: on a small, busy machine a
 * handful of slow first answers would roll a healthy version back. Error rates are judged on any count.
 */
export const MIN_P95_SAMPLES = 20;

const pct = (x: number): string => `${(x * 100).toFixed(x < 0.1 ? 2 : 1)} %`;

/** Why one side (probe or live) of an interval fails, or null. */
function judgeSide(side: 'probe' | 'live', t: TrafficFigures, s: AnalysisSettings): string | null {
  if (t.requests > 0) {
    const rate = t.errors / t.requests;
    if (rate > s.max_error_rate) return `${side} error rate ${t.errors}/${t.requests} (${pct(rate)}) > ${pct(s.max_error_rate)}`;
  }
  if (t.p95_ms !== null && t.requests >= MIN_P95_SAMPLES && t.p95_ms > s.max_p95_ms) return `${side} p95 ${t.p95_ms.toFixed(1)} ms > ${s.max_p95_ms} ms`;
  return null;
}

/** An interval passes unless the probe's or the live traffic's error rate or p95 is over its limit. */
export function judgeInterval(probe: TrafficFigures, live: TrafficFigures, s: AnalysisSettings): { pass: boolean; reason: string | null } {
  const reasons = [judgeSide('probe', probe, s), judgeSide('live', live, s)].filter((r): r is string => r !== null);
  return { pass: reasons.length === 0, reason: reasons.length ? reasons.join('; ') : null };
}

/** More failed intervals than failure_limit: roll back (as soon as that happens, not at the end of the window). */
export function analysisVerdict(intervals: AnalysisInterval[], s: AnalysisSettings): { failures: number; rollback: boolean; reason: string | null } {
  const failed = intervals.filter((i) => !i.pass);
  const rollback = failed.length > s.failure_limit;
  const last = failed[failed.length - 1];
  return {
    failures: failed.length,
    rollback,
    reason: rollback ? `analysis: ${failed.length} of ${intervals.length} interval(s) failed (limit ${s.failure_limit}); last: ${last?.reason ?? '?'}` : null,
  };
}

/** One progress line per interval. */
export function intervalLine(i: AnalysisInterval, s: AnalysisSettings): string {
  const fig = (t: AnalysisInterval['probe']): string => `${t.requests} req, ${t.errors} err, p95 ${t.p95_ms === null ? '–' : `${t.p95_ms.toFixed(1)} ms`}`;
  return `analysis ${i.index}/${s.count}: probe ${fig(i.probe)} · live ${fig(i.live)}: ${i.pass ? 'pass' : `FAIL (${i.reason})`}`;
}
