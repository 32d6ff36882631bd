import { coverageOf } from '../gates/coverage.ts';
import type { GateResult } from '../gates/schema.ts';
import type { CheckResult, Missing, ReadinessResults, Verdict } from '../results/readiness.ts';
import { selects } from './checklist.ts';

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

/**
 * The runbook items the profile requires (src/gates/coverage.ts) that these checks do not cover:
 * every check of the item was skipped (the skip reason says why, e.g. no `limited` key), or none
 * ran. Requirements met by another kind of run (a load test) are left to the combined report.
 */
export function missingCoverage(profile: string, checks: CheckResult[]): Missing[] {
  const out: Missing[] = [];
  for (const req of coverageOf(profile)) {
    if (!('checks' in req.by)) continue;
    const sel = req.by.checks;
    const mapped = checks.filter((c) => selects(sel, c));
    if (mapped.some((c) => c.status !== 'skipped')) continue;
    const reason = mapped.find((c) => c.skip_reason)?.skip_reason;
    out.push({ id: req.id, what: req.what, why: reason ? `skipped: ${reason}` : `not run: no ${sel.group} check in this run`, command: req.command });
  }
  return out;
}

const missingLine = (m: Missing): string => `not covered: ${m.what} (${m.why}); cover it with: ${m.command}`;

/**
 * The verdict with the profile's coverage applied: a GO that misses a required item becomes
 * INCOMPLETE (NO-GO stays NO-GO, the missing items listed too). Idempotent; `ci` runs unchanged.
 */
export function withCoverage(r: ReadinessResults): ReadinessResults {
  const missing = missingCoverage(r.gates.profile, r.checks);
  const base = r.verdict_reasons.filter((x) => !x.startsWith('not covered: '));
  if (missing.length === 0) {
    const { missing: _none, ...rest } = r;
    return r.verdict === 'INCOMPLETE' ? { ...rest, verdict: base.length ? 'NO-GO' : 'GO', verdict_reasons: base } : rest;
  }
  const verdict: Verdict = r.verdict === 'NO-GO' ? 'NO-GO' : 'INCOMPLETE';
  return { ...r, verdict, verdict_reasons: [...base, ...missing.map(missingLine)], missing };
}
