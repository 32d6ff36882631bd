/**
 * The scenario model: a load shape defined once as data (scenarios/definitions.ts), read by the
 * k6 scripts (scenarios/k6/) and by the built-in driver (`npm run bench -- --scenario`). Plain
 * TypeScript with type-only imports: it runs inside k6 as well as in Node.
 *
 * Rates are not typed per scenario: they follow the profile's throughput gate (`load` runs a
 * little above it, `stress` climbs past it), so the same scenario is a release gate on a small
 * CI machine (ci profile) and against production (production profile). Thresholds are generated
 * from the profile's gates, never written by hand.
 */
import type { Options, Scenario as K6Scenario, Threshold } from 'k6/options';
import type { GateProfile } from '../src/gates/definitions.ts';
import type { GateDef } from '../src/gates/schema.ts';

export const SCENARIO_NAMES = ['smoke', 'load', 'stress', 'spike', 'soak', 'breakpoint', 'mixed'] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export type Executor = 'constant-arrival-rate' | 'ramping-arrival-rate' | 'per-vu-iterations';

/** What one iteration sends, by weight (the weights need not add up to anything). */
export interface RequestMix {
  search: number;
  upsert: number;
  health: number;
  graphql: number;
}
export type RequestKind = keyof RequestMix;

/**
 * A rate as a multiple of the profile's throughput gate (`x`), or fixed (`perS`). `load` at
 * `{ x: 1.2 }` runs 60/s under the ci profile (gate > 50 ops/s) and 12,000/s under production.
 */
export type Rate = { x: number } | { perS: number };

export interface Stage {
  /** Rate reached at the end of the stage (linear ramp from the previous one). */
  target: Rate;
  durationS: number;
}

interface BaseDef {
  name: ScenarioName;
  /** One line: what the shape proves. */
  description: string;
  mix: RequestMix;
  /** The profile's gates that judge this shape (by name); the others do not apply to it. */
  gates: string[];
  /** Stop the run as soon as a latency gate fails (a breakpoint test looks for where that is). */
  abortOnLatencyFail?: boolean;
}

export interface ConstantArrivalDef extends BaseDef {
  executor: 'constant-arrival-rate';
  rate: Rate;
  durationS: number;
}

export interface RampingArrivalDef extends BaseDef {
  executor: 'ramping-arrival-rate';
  startRate: Rate;
  stages: Stage[];
}

export interface PerVuIterationsDef extends BaseDef {
  executor: 'per-vu-iterations';
  vus: number;
  iterations: number;
  maxDurationS: number;
}

export type ScenarioDef = ConstantArrivalDef | RampingArrivalDef | PerVuIterationsDef;

/** Run-time knobs (k6: `__ENV`; the built-in driver: its flags) that scale a shape without editing it. */
export interface ShapeOverrides {
  /** Multiplies every rate (after the profile): `0.1` for a quick try of the load shape. */
  rateScale?: number;
  /** Multiplies every duration. */
  durationScale?: number;
}

/** The profile's throughput gate threshold, in ops/s (the unit rates are expressed against). */
export function throughputTarget(profile: GateProfile): number {
  const g = profile.gates.find((x) => x.metric === 'throughput_rps');
  if (!g) throw new Error(`gate profile ${profile.name} has no throughput_rps gate: scenario rates are multiples of it`);
  return g.threshold;
}

/** A rate in requests (iterations) per second, at least 1. */
export function ratePerS(rate: Rate, profile: GateProfile, o: ShapeOverrides = {}): number {
  const base = 'perS' in rate ? rate.perS : rate.x * throughputTarget(profile);
  return Math.max(1, Math.round(base * (o.rateScale ?? 1)));
}

const seconds = (s: number, o: ShapeOverrides): number => Math.max(1, Math.round(s * (o.durationScale ?? 1)));

/**
 * The intended arrival rate over time, as points joined by straight lines (time in seconds from
 * the start, rate per second): what an open-loop driver follows. Null for per-vu-iterations.
 */
export function arrivalSchedule(s: ScenarioDef, profile: GateProfile, o: ShapeOverrides = {}): { atS: number; perS: number }[] | null {
  if (s.executor === 'per-vu-iterations') return null;
  if (s.executor === 'constant-arrival-rate') {
    const r = ratePerS(s.rate, profile, o);
    return [{ atS: 0, perS: r }, { atS: seconds(s.durationS, o), perS: r }];
  }
  const points = [{ atS: 0, perS: ratePerS(s.startRate, profile, o) }];
  for (const st of s.stages) points.push({ atS: points[points.length - 1]!.atS + seconds(st.durationS, o), perS: ratePerS(st.target, profile, o) });
  return points;
}

/** How long the shape runs, in seconds (per-vu-iterations: its maximum). */
export function shapeDurationS(s: ScenarioDef, profile: GateProfile, o: ShapeOverrides = {}): number {
  if (s.executor === 'per-vu-iterations') return seconds(s.maxDurationS, o);
  const points = arrivalSchedule(s, profile, o)!;
  return points[points.length - 1]!.atS;
}

/** The most iterations per second the shape asks for. */
export function peakRate(s: ScenarioDef, profile: GateProfile, o: ShapeOverrides = {}): number {
  const points = arrivalSchedule(s, profile, o);
  if (!points) return (s as PerVuIterationsDef).vus;
  return Math.max(...points.map((p) => p.perS));
}

/**
 * The k6 metric and threshold expression of one gate. Searches are tagged `endpoint:search`,
 * health calls `endpoint:health` (scenarios/k6/lib); recall is the `recall_at_k` Trend.
 * A gate with a metric this does not know is an error: give it a mapping here.
 */
export function k6Threshold(g: GateDef): { metric: string; expression: string } {
  const cmp = `${g.op}${g.threshold}`;
  const p = /^latency_ms\.p(\d+)$/.exec(g.metric);
  if (p) {
    const digits = p[1]!;
    const pct = digits.length > 2 ? `${digits.slice(0, 2)}.${digits.slice(2)}` : digits;
    return { metric: 'http_req_duration{endpoint:search}', expression: `p(${pct})${cmp}` };
  }
  switch (g.metric) {
    case 'throughput_rps':
      return { metric: 'http_reqs{endpoint:search}', expression: `rate${cmp}` };
    case 'error_rate':
      return { metric: 'http_req_failed', expression: `rate${cmp}` };
    case 'recall_at_k':
      return { metric: 'recall_at_k', expression: `avg${cmp}` };
    case 'health_latency_ms.max':
      return { metric: 'http_req_duration{endpoint:health}', expression: `max${cmp}` };
    default:
      throw new Error(`gate ${g.name}: no k6 metric for "${g.metric}" (add one in scenarios/model.ts k6Threshold)`);
  }
}

/** The scenario's gates in the profile, in the profile's order (a name the profile lacks is an error). */
export function scenarioGates(s: ScenarioDef, profile: GateProfile): GateDef[] {
  const missing = s.gates.filter((n) => !profile.gates.some((g) => g.name === n));
  if (missing.length) throw new Error(`scenario ${s.name}: gate(s) ${missing.join(', ')} not in profile ${profile.name}`);
  return profile.gates.filter((g) => s.gates.includes(g.name));
}

/** k6 thresholds generated from the gates that judge the scenario. */
export function k6Thresholds(s: ScenarioDef, profile: GateProfile): Record<string, Threshold[]> {
  const out: Record<string, Threshold[]> = {};
  for (const g of scenarioGates(s, profile)) {
    const { metric, expression } = k6Threshold(g);
    const latency = g.metric.startsWith('latency_ms.');
    const t: Threshold = s.abortOnLatencyFail && latency ? { threshold: expression, abortOnFail: true, delayAbortEval: '10s' } : expression;
    const list = out[metric] ?? [];
    list.push(t);
    out[metric] = list;
  }
  return out;
}

const dur = (s: number): string => `${s}s`;

/** The k6 `scenarios` entry of the shape (VUs sized from the peak rate and a generous latency). */
export function k6Scenario(s: ScenarioDef, profile: GateProfile, o: ShapeOverrides = {}): K6Scenario {
  const tags = { scenario_type: s.name };
  if (s.executor === 'per-vu-iterations') {
    return { executor: 'per-vu-iterations', vus: s.vus, iterations: s.iterations, maxDuration: dur(seconds(s.maxDurationS, o)), tags };
  }
  // Little's law with 100 ms per iteration, so arrivals are not held back by too few VUs.
  const peak = peakRate(s, profile, o);
  const preAllocatedVUs = Math.max(2, Math.ceil(peak * 0.1));
  const maxVUs = Math.max(preAllocatedVUs * 4, 10);
  if (s.executor === 'constant-arrival-rate') {
    return { executor: 'constant-arrival-rate', rate: ratePerS(s.rate, profile, o), timeUnit: '1s', duration: dur(seconds(s.durationS, o)), preAllocatedVUs, maxVUs, tags };
  }
  return {
    executor: 'ramping-arrival-rate',
    startRate: ratePerS(s.startRate, profile, o),
    timeUnit: '1s',
    stages: s.stages.map((st) => ({ target: ratePerS(st.target, profile, o), duration: dur(seconds(st.durationS, o)) })),
    preAllocatedVUs,
    maxVUs,
    tags,
  };
}

/** Trend statistics the summary keeps: the percentiles the gates and the results file need. */
export const SUMMARY_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'];

/** The whole k6 `options` of a scenario under a profile. */
export function k6Options(s: ScenarioDef, profile: GateProfile, o: ShapeOverrides = {}): Options {
  return {
    scenarios: { [s.name]: k6Scenario(s, profile, o) },
    thresholds: k6Thresholds(s, profile),
    summaryTrendStats: SUMMARY_TREND_STATS,
    tags: { profile: profile.name },
  };
}

/**
 * Which request an iteration sends, from a number in [0, 1): the mix's weights cut the interval
 * in order (search, upsert, health, graphql). Deterministic, so both runners can use a counter.
 */
export function pickRequest(mix: RequestMix, u: number): RequestKind {
  const kinds: RequestKind[] = ['search', 'upsert', 'health', 'graphql'];
  const total = kinds.reduce((a, k) => a + Math.max(0, mix[k]), 0);
  if (total <= 0) throw new Error('a request mix needs a positive weight');
  let acc = 0;
  let last: RequestKind = 'search';
  for (const k of kinds) {
    if (mix[k] <= 0) continue;
    last = k;
    acc += mix[k] / total;
    if (u < acc) return k;
  }
  return last; // u within rounding of 1
}
