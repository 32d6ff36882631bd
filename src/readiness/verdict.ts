import type { GateDef, GateProfile } from '../gates/definitions.ts';
import { evaluateGates } from '../gates/evaluate.ts';
import type { GateResult } from '../gates/evaluate.ts';
import type { CheckResult, ReadinessResults, Verdict } from '../results/readiness-results.ts';

/**
 * Folds the checks' measurements into one metrics object for the gates: the worst value wins
 * (the largest for `<` gates such as p95, the smallest for `>` gates such as throughput).
 */
export function gateMetrics(checks: CheckResult[], gates: GateDef[]): Record<string, unknown> {
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

export function evaluateRunGates(checks: CheckResult[], profile: GateProfile): GateResult[] {
  return evaluateGates(profile.gates, gateMetrics(checks, profile.gates));
}

export function summarize(checks: CheckResult[]): ReadinessResults['summary'] {
  return {
    total: checks.length,
    passed: checks.filter((c) => c.status === 'passed').length,
    failed: checks.filter((c) => c.status === 'failed').length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
    requiredFailed: checks.filter((c) => c.status === 'failed' && c.required).length,
  };
}

/** GO only when the run completed, no required check failed, at least one check passed and every measured gate passed. */
export function decideVerdict(
  state: ReadinessResults['state'],
  checks: CheckResult[],
  gates: GateResult[],
  extraProblems: string[] = [],
): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [...extraProblems];
  if (state !== 'complete') reasons.push(`the run is ${state}: not every check finished`);
  const failed = checks.filter((c) => c.status === 'failed' && c.required);
  if (failed.length > 0) reasons.push(`${failed.length} required check(s) failed: ${failed.slice(0, 5).map((c) => c.title).join('; ')}${failed.length > 5 ? '; …' : ''}`);
  if (!checks.some((c) => c.status === 'passed')) reasons.push('no check passed');
  for (const g of gates) if (!g.pass) reasons.push(`gate ${g.name} failed: ${g.value ?? 'not measured'} ${g.unit} (needs ${g.op} ${g.threshold})`);
  return { verdict: reasons.length === 0 ? 'GO' : 'NO-GO', reasons };
}
