import type { GateResult } from '../gates/schema.ts';
import type { CheckResult, ReadinessResults, Verdict } from '../results/readiness.ts';

export function summarize(checks: CheckResult[]): ReadinessResults['summary'] {
  return {
    total: checks.length,
    passed: checks.filter((c) => c.status === 'passed').length,
    failed: checks.filter((c) => c.status === 'failed').length,
    skipped: checks.filter((c) => c.status === 'skipped').length,
    required_failed: checks.filter((c) => c.status === 'failed' && c.required).length,
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
