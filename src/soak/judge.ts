/**
 * Judges a soak run's series by the soak rules (rules.ts): one verdict per rule, pass / fail /
 * not judged, with its score (the gates read it), the figures behind it and one line saying why.
 * Pure, imports type-only or pure: judgeBench runs it, also inside k6.
 */
import type { ResourcesResults, SoakJudged } from '../results/bench.ts';
import { SOAK_JUDGEMENT, soakRules } from './rules.ts';
import type { DriftRule, SlopeRule, SoakRule } from './rules.ts';
import { median, theilSen, thirds } from './stats.ts';

type Point = { t: number; v: number };
type Input = Pick<ResourcesResults, 'duration_s' | 't_s' | 'series' | 'not_sampled' | 'latency'>;

const round = (v: number, digits = 4): number => {
  if (!Number.isFinite(v)) return v;
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

export function formatValue(v: number, unit: SoakRule['unit']): string {
  if (unit === 'bytes') return `${(v / (1024 * 1024)).toFixed(1)} MiB`;
  if (unit === 'ms') return `${v.toFixed(v < 10 ? 2 : 1)} ms`;
  return `${Math.round(v)} fds`;
}

/** The series' samples as points, or why there are none. */
function pointsOf(res: Input, rule: SoakRule): { points: Point[] } | { missing: string } {
  if (rule.series === 'latency_p95_ms' || rule.series === 'latency_p50_ms') {
    if (!res.latency) return { missing: 'no latency over time (no per-second timeline in the results)' };
    const values = rule.series === 'latency_p95_ms' ? res.latency.p95_ms : res.latency.p50_ms;
    return { points: res.latency.t_s.flatMap((t, i) => (values[i] === null || values[i] === undefined ? [] : [{ t, v: values[i]! }])) };
  }
  const s = res.series.find((x) => x.name === rule.series);
  if (!s) return { missing: `not sampled: ${res.not_sampled.find((n) => n.name === rule.series)?.reason ?? 'no source for it on this target'}` };
  return { points: res.t_s.flatMap((t, i) => (s.values[i] === null || s.values[i] === undefined ? [] : [{ t, v: s.values[i]! }])) };
}

export function judgeSoak(res: Input, profile: string): Record<string, SoakJudged> {
  const out: Record<string, SoakJudged> = {};
  const steadyFrom = round(res.duration_s * SOAK_JUDGEMENT.warmupFraction, 3);
  for (const rule of soakRules(profile)) {
    const base = { rule: rule.name, kind: rule.kind, series: rule.series, unit: rule.unit, steady_from_s: steadyFrom };
    const got = pointsOf(res, rule);
    if ('missing' in got) {
      out[rule.name] = { ...base, verdict: 'not_judged', score: null, samples: 0, reason: got.missing };
      continue;
    }
    const steady = got.points.filter((p) => p.t >= steadyFrom);
    const span = steady.length ? steady[steady.length - 1]!.t - steady[0]!.t : 0;
    if (steady.length < SOAK_JUDGEMENT.minSamples || span < SOAK_JUDGEMENT.minSteadyS) {
      out[rule.name] = {
        ...base,
        verdict: 'not_judged',
        score: null,
        samples: steady.length,
        reason: `too short to judge: ${steady.length} samples over ${round(span, 1)} s after the warm-up; needs ${SOAK_JUDGEMENT.minSamples} over ${SOAK_JUDGEMENT.minSteadyS} s (a run of at least ${Math.ceil(SOAK_JUDGEMENT.minSteadyS / (1 - SOAK_JUDGEMENT.warmupFraction)) + 5} s)`,
      };
      continue;
    }
    out[rule.name] = { ...base, samples: steady.length, ...(rule.kind === 'slope' ? judgeSlope(rule, steady, res.duration_s) : judgeDrift(rule, steady)) };
  }
  return out;
}

function judgeSlope(rule: SlopeRule, steady: Point[], horizonS: number): Omit<SoakJudged, 'rule' | 'kind' | 'series' | 'unit' | 'steady_from_s' | 'samples'> {
  const { first, last } = thirds(steady);
  const baseline = median(first.map((p) => p.v));
  const ts = theilSen(steady.map((p) => p.t), steady.map((p) => p.v));
  const dt = median(last.map((p) => p.t)) - median(first.map((p) => p.t));
  const thirdsSlope = dt > 0 ? (median(last.map((p) => p.v)) - baseline) / dt : 0;
  // sustained: both estimates must show the growth, the smaller one is judged
  const growth = Math.min(ts, thirdsSlope) * horizonS;
  const allowance = (rule.tolerance.pct / 100) * baseline + rule.tolerance.abs;
  const score = Math.max(0, growth) / allowance;
  const fail = score >= 1;
  const fmt = (v: number) => formatValue(v, rule.unit);
  return {
    verdict: fail ? 'fail' : 'pass',
    score: round(score),
    baseline: round(baseline),
    slope_per_s: round(ts, 6),
    thirds_slope_per_s: round(thirdsSlope, 6),
    growth: round(growth),
    allowance: round(allowance),
    reason: `${fail ? 'climbs' : 'holds'}: ${fmt(Math.max(0, growth))} over the ${Math.round(horizonS)} s run (Theil–Sen ${fmt(ts * horizonS)}, thirds ${fmt(thirdsSlope * horizonS)}) against ${rule.tolerance.pct} % of ${fmt(baseline)} + ${fmt(rule.tolerance.abs)} = ${fmt(allowance)}`,
  };
}

function judgeDrift(rule: DriftRule, steady: Point[]): Omit<SoakJudged, 'rule' | 'kind' | 'series' | 'unit' | 'steady_from_s' | 'samples'> {
  const { first, last } = thirds(steady);
  const a = median(first.map((p) => p.v));
  const b = median(last.map((p) => p.v));
  const ratioPart = a > 0 ? b / a / rule.tolerance.ratio : b > 0 ? Number.POSITIVE_INFINITY : 0;
  const absPart = (b - a) / rule.tolerance.abs;
  const score = Math.max(0, Math.min(ratioPart, absPart));
  const fail = score >= 1;
  const fmt = (v: number) => formatValue(v, rule.unit);
  return {
    verdict: fail ? 'fail' : 'pass',
    score: Number.isFinite(score) ? round(score) : 1e9,
    first: round(a),
    last: round(b),
    reason: `${fail ? 'drifts' : 'holds'}: median ${fmt(a)} in the first third after the warm-up, ${fmt(b)} in the last (fails beyond ×${rule.tolerance.ratio} and +${fmt(rule.tolerance.abs)} together)`,
  };
}
