/**
 * The combined verdict of a release's runs (readiness, bench and k6, deployment records; a capacity run is shown, never judged): what
 * the report's first screen says. NO-GO when any run failed (a required check, a gate, a k6
 * threshold, a deployment that did not go live) or a baseline regression; INCOMPLETE when the
 * profile (production) requires a runbook item no run covered (src/gates/coverage.ts); else GO.
 */
import { coverageOf } from '../gates/coverage.ts';
import type { GateResult } from '../gates/schema.ts';
import { missingCoverage } from '../readiness/verdict.ts';
import type { Missing, Verdict } from '../results/readiness.ts';
import type { BaselineDiff } from './baseline.ts';
import { benchLabel } from './baseline.ts';
import type { RunInput } from './inputs.ts';
import { inputId } from './inputs.ts';

export interface CombinedGate extends GateResult {
  run: string;
  /** Headroom to the threshold in the gate's unit: positive holds, negative fails (null: not measured). */
  margin: number | null;
  /** margin / threshold. */
  margin_pct: number | null;
}

export interface Combined {
  verdict: Verdict;
  /** Why NO-GO (failures and regressions), one line each. */
  reasons: string[];
  /** Why INCOMPLETE (also listed under NO-GO): what is not covered, with the command that covers it. */
  missing: Missing[];
  profile: string;
  profile_label: string;
  /** `release`: several runs combined by `npm run report`; `run`: one run's own report. */
  scope: 'release' | 'run';
  gates: CombinedGate[];
  runs: RunInput[];
  diff?: BaselineDiff;
  /** The baseline's runs (their distributions are drawn beside this release's). */
  baseline?: RunInput[];
}

export function runLabel(i: RunInput): string {
  if (i.kind === 'bench') return benchLabel(i.results);
  if (i.kind === 'readiness') return `readiness${i.results.run.options.only.length ? ` (${i.results.run.options.only.join(',')})` : ''}`;
  if (i.kind === 'capacity') return `capacity (${i.results.engine.kind})`;
  return `deployment ${i.record.action} ${i.record.version}`;
}

/** Runs judged by a gate profile: a capacity run is a plan and a deployment record has no gates. */
type Judged = Extract<RunInput, { kind: 'readiness' | 'bench' }>;
const isJudged = (r: RunInput): r is Judged => r.kind === 'readiness' || r.kind === 'bench';

export function margin(g: GateResult): { margin: number | null; margin_pct: number | null } {
  if (g.value === null) return { margin: null, margin_pct: null };
  const m = g.op === '<' || g.op === '<=' ? g.threshold - g.value : g.value - g.threshold;
  return { margin: m, margin_pct: g.threshold !== 0 ? m / Math.abs(g.threshold) : null };
}

/** The run's own verdict, before the release's coverage is applied (a capacity run, a plan, never blocks). */
export function runVerdict(i: RunInput): Verdict {
  if (i.kind === 'readiness') return i.results.verdict;
  if (i.kind === 'capacity') return 'GO';
  if (i.kind === 'bench') return i.results.pass && i.results.state === 'complete' ? 'GO' : 'NO-GO';
  return i.record.outcome === 'live' ? 'GO' : 'NO-GO';
}

function failures(i: RunInput): string[] {
  if (i.kind === 'capacity') return [];
  const who = `${runLabel(i)} ${inputId(i)}`;
  if (i.kind === 'readiness') {
    if (i.results.verdict !== 'NO-GO') return [];
    return i.results.verdict_reasons.filter((r) => !r.startsWith('not covered: ')).map((r) => `${who}: ${r}`);
  }
  if (i.kind === 'bench') {
    const r = i.results;
    const out = r.gates.results.filter((g) => !g.pass).map((g) => `${who}: gate ${g.name} failed: ${g.value ?? 'not measured'} ${g.unit} (needs ${g.op} ${g.threshold})`);
    for (const t of r.runner?.thresholds ?? []) if (!t.ok) out.push(`${who}: k6 threshold ${t.metric} ${t.expression} broken`);
    if (r.state !== 'complete') out.push(`${who}: the run is ${r.state}`);
    if (r.gates.results.length === 0) out.push(`${who}: no gate was measured`);
    return out;
  }
  const d = i.record;
  return d.outcome === 'live' ? [] : [`${who}: ended ${d.outcome}${d.reason ? `: ${d.reason}` : ''}`];
}

/**
 * Combines runs. `scope: 'run'` is one run's own report: its own verdict, and no requirement for
 * other kinds of run (a readiness run is not a load test).
 */
export function combine(runs: RunInput[], opts: { scope?: 'release' | 'run'; diff?: BaselineDiff; baseline?: RunInput[] } = {}): Combined {
  const scope = opts.scope ?? 'release';
  const judged = runs.filter(isJudged);
  const profiles = [...new Set(judged.map((r) => r.results.gates.profile))];
  const profile = profiles.includes('production') ? 'production' : (profiles[0] ?? 'production');
  const profile_label = judged.find((r) => r.results.gates.profile === profile)?.results.gates.label ?? profile;
  const reasons = runs.flatMap(failures);
  if (opts.diff) reasons.push(...opts.diff.regressions.map((r) => `regression against the baseline: ${r}`));
  const missing: Missing[] = [];
  if (scope === 'run') {
    const only = runs[0];
    if (only?.kind === 'readiness') missing.push(...(only.results.missing ?? []));
  } else {
    const checks = runs.flatMap((r) => (r.kind === 'readiness' ? r.results.checks : []));
    if (checks.length) missing.push(...missingCoverage(profile, checks));
    for (const req of coverageOf(profile)) {
      if (!('run' in req.by)) continue;
      const want = req.by.run;
      const ran = judged.some((r) => r.kind === want && r.results.gates.profile === profile);
      if (!ran) missing.push({ id: req.id, what: req.what, why: `no ${want} run judged by the ${profile} profile among the report's runs`, command: req.command });
    }
    for (const r of judged) {
      if (r.results.gates.profile !== profile) {
        missing.push({ id: 'profile', what: `${runLabel(r)} ${r.results.run_id} judged by the ${profile} profile`, why: `it was judged by ${r.results.gates.profile}`, command: `run it again with --profile ${profile} (or judge its gates: npm run gate -- ${r.path} --profile ${profile})` });
      }
    }
  }
  const gates = judged.flatMap((r) => r.results.gates.results.map((g) => ({ ...g, run: `${runLabel(r)} ${r.results.run_id}`, ...margin(g) })));
  const verdict: Verdict = reasons.length ? 'NO-GO' : missing.length ? 'INCOMPLETE' : 'GO';
  return { verdict, reasons, missing, profile, profile_label, scope, gates, runs, ...(opts.diff ? { diff: opts.diff } : {}), ...(opts.baseline ? { baseline: opts.baseline } : {}) };
}
