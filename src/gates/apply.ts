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

/** The metrics a bench run produces; gates on other metrics (e.g. health latency) belong to other runs. */
const BENCH_METRICS = new Set(['latency_ms.p95', 'latency_ms.p99', 'latency_ms.p50', 'throughput_rps', 'error_rate', 'recall_at_k']);

const section = (profile: GateProfile, results: GatesSection['results']): GatesSection => ({ profile: profile.name, label: profile.label, results });

/**
 * A bench run: latency gates read only latency corrected for coordinated omission (open loop):
 * a closed-loop percentile can pass while the server stalls, so it never decides a latency gate.
 * A gate whose metric the run should have measured and did not is kept, and fails. `pass` follows.
 */
export function judgeBench<T extends Pick<BenchResults, 'latency_corrected'>>(run: T, profile: GateProfile): T & Pick<BenchResults, 'gates' | 'pass'> {
  const applicable = profile.gates.filter((g) => BENCH_METRICS.has(g.metric) && (run.latency_corrected || !g.metric.startsWith('latency_ms.')));
  const gates = section(profile, evaluateGates(applicable, run, { keepMissing: true }));
  return { ...run, gates, pass: gates.results.every((g) => g.pass) };
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
  for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
  cur[parts[parts.length - 1]!] = value;
}
