/**
 * Judges one run by a gate profile: the one place that knows which metrics each kind of run
 * measures. Runners call it as they write results; `npm run gate` calls it again on a file.
 */
import type { BenchResults } from '../results/bench.ts';
import type { GatesSection } from '../results/common.ts';
import type { CheckResult } from '../results/readiness.ts';
import type { GateProfile } from './definitions.ts';
import type { GateDef } from './schema.ts';
import { evaluateGates } from './evaluate.ts';
import { SCENARIOS } from '../../scenarios/definitions.ts';
import { judgeSoak } from '../soak/judge.ts';
import type { ScenarioDef } from '../../scenarios/model.ts';

/** The metrics a bench run produces; gates on other metrics belong to other runs. */
const BENCH_METRICS = new Set(['latency_ms.p95', 'latency_ms.p99', 'latency_ms.p50', 'throughput_rps', 'error_rate', 'recall_at_k']);
/** Measured only when the run sent health calls (k6 `mixed`/`soak`: `per_endpoint` has `health`). */
const HEALTH_METRIC = 'health_latency_ms.max';
/** Measured by a soak run's resource sampler (`resources`): judged when the rule could be. */
const SOAK_METRIC = /^resources\.judged\.([a-z0-9_]+)\.score$/;

const section = (profile: GateProfile, results: GatesSection['results']): GatesSection => ({ profile: profile.name, label: profile.label, results });

type BenchLike = Pick<BenchResults, 'latency_corrected'> & Partial<Pick<BenchResults, 'runner' | 'per_endpoint' | 'resources'>>;

/**
 * A bench run (built-in driver or k6):
 * - a run of a known scenario is judged by that scenario's gates only (scenarios/definitions.ts),
 *   as its k6 thresholds are;
 * - latency gates read only latency corrected for coordinated omission (open loop): a closed-loop
 *   percentile can pass while the server stalls, so it never decides a latency gate;
 * - the health-latency gate applies when the run measured health calls;
 * - soak gates apply when the run sampled resources (`resources`), and only those the soak rules
 *   could judge (a rule not sampled on the target, or a run too short, says so in
 *   `resources.judged` instead); the verdicts are computed again here, for this profile;
 * - a gate whose metric the run should have measured and did not is kept, and fails;
 * - `pass`: every gate passed, and k6 (when it ran) found every threshold held.
 */
export function judgeBench<T extends BenchLike>(run: T, profile: GateProfile): T & Pick<BenchResults, 'gates' | 'pass'> {
  const scenario = run.runner?.scenario ? (SCENARIOS as Record<string, ScenarioDef | undefined>)[run.runner.scenario] : undefined;
  const health = run.per_endpoint?.find((e) => e.endpoint === 'health' && e.scenario === undefined);
  const resources = run.resources ? { ...run.resources, judged: judgeSoak(run.resources, profile.name) } : undefined;
  const soakJudged = (metric: string): boolean => {
    const rule = SOAK_METRIC.exec(metric)?.[1];
    return rule !== undefined && resources?.judged[rule]?.score !== null && resources?.judged[rule] !== undefined;
  };
  const applicable = profile.gates.filter(
    (g) =>
      soakJudged(g.metric) ||
      ((!scenario || scenario.gates.includes(g.name)) &&
        ((BENCH_METRICS.has(g.metric) && (run.latency_corrected || !g.metric.startsWith('latency_ms.'))) || (g.metric === HEALTH_METRIC && health !== undefined))),
  );
  const withResources = resources ? { ...run, resources } : run;
  const metrics = health ? { ...withResources, health_latency_ms: health.latency_ms } : withResources;
  const gates = section(profile, evaluateGates(applicable, metrics, { keepMissing: true }));
  // a k6 run also failed when k6 found one of its thresholds broken (they come from the same gates)
  const k6Failed = (run.runner?.thresholds ?? []).some((t) => !t.ok);
  return { ...withResources, gates, pass: gates.results.every((g) => g.pass) && !k6Failed };
}

/**
 * A readiness run: the checks' measurements folded into one metrics object, the worst value
 * winning (the largest for `<` gates such as p95, the smallest for `>` gates such as throughput).
 * Gates no check measured are left out: a readiness run is not a load test.
 */
export function judgeReadiness(checks: CheckResult[], profile: GateProfile): GatesSection {
  return section(profile, evaluateGates(profile.gates, foldMeasurements(checks, profile.gates)));
}

export function foldMeasurements(checks: CheckResult[], gates: GateDef[]): Record<string, unknown> {
  const metrics: Record<string, unknown> = {};
  for (const g of gates) {
    const values = checks.flatMap((c) => (c.measurements && g.metric in c.measurements ? [c.measurements[g.metric]!] : []));
    if (values.length === 0) continue;
    const worst = g.op === '<' || g.op === '<=' ? Math.max(...values) : Math.min(...values);
    setPath(metrics, g.metric, worst);
  }
  return metrics;
}

function setPath(obj: Record<string, unknown>, dotted: string, value: number): void {
  const parts = dotted.split('.');
  let cur = obj;
  for (const p of parts.slice(0, -1)) {
    if (cur[p] === undefined) cur[p] = {};
    cur = cur[p] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}
