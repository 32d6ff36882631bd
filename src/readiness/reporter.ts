import type { Reporter, TestCase, TestModule, TestRunEndReason } from 'vitest/node';
import type { SerializedError } from 'vitest';
import type { GateProfile } from '../gates/definitions.ts';
import { renderCheckLine } from '../../reports/render/index.ts';
import { judgeReadiness } from '../gates/apply.ts';
import type { CheckResult, ReadinessResults } from '../results/readiness.ts';
import type { ResultsStore } from '../results/store.ts';
import { mapChecklist } from './checklist.ts';
import { checkId, groupOfFile, groupRank } from './groups.ts';
import type { Redactor } from '../util/redact.ts';
import { decideVerdict, summarize } from './verdict.ts';
import './evidence.ts';

export interface ReadinessReporterOptions {
  store: ResultsStore;
  /** results.json as it stands before any check ran (run metadata, target fingerprint). */
  initial: ReadinessResults;
  profile: GateProfile;
  redact: Redactor;
  /** Live summary line per finished check. */
  log?: (line: string) => void;
  /** Called once with the final results, after results.json is written. */
  onFinish?: (results: ReadinessResults) => Promise<void>;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** A vitest reporter that turns finished tests into readiness checks, writing results.json as they finish. */
export class ReadinessReporter implements Reporter {
  private readonly results: ReadinessResults;
  private readonly extraProblems: string[] = [];

  constructor(private readonly opts: ReadinessReporterOptions) {
    this.results = structuredClone(opts.initial);
  }

  get current(): ReadinessResults {
    return this.results;
  }

  async onTestCaseResult(testCase: TestCase): Promise<void> {
    const check = this.toCheck(testCase);
    const i = this.results.checks.findIndex((c) => c.id === check.id);
    if (i >= 0) this.results.checks[i] = check;
    else this.results.checks.push(check);
    this.opts.log?.(renderCheckLine(check));
    this.refresh();
    await this.opts.store.save(this.results);
  }

  async onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): Promise<void> {
    for (const m of modules) {
      const errors = m.errors();
      if (errors.length === 0) continue;
      const group = groupOfFile(m.moduleId);
      const title = `${group} specs load and set up`;
      this.results.checks.push({
        id: checkId(group, title),
        group,
        title,
        status: 'failed',
        required: true,
        duration_ms: 0,
        errors: errors.map((e) => this.clean(e.message ?? String(e))),
        evidence: [],
      });
      this.opts.log?.(renderCheckLine(this.results.checks[this.results.checks.length - 1]!));
    }
    for (const e of unhandledErrors) this.extraProblems.push(`unhandled error: ${this.clean(e.message ?? 'unknown')}`);
    this.results.state = reason === 'interrupted' ? 'interrupted' : 'complete';
    this.results.checks.sort((a, b) => groupRank(`${a.group}.spec.ts`) - groupRank(`${b.group}.spec.ts`));
    this.results.finished_at = new Date().toISOString();
    this.results.wall_time_ms = Date.parse(this.results.finished_at) - Date.parse(this.results.started_at);
    this.refresh();
    await this.opts.store.save(this.results);
    await this.opts.onFinish?.(this.results);
  }

  private refresh(): void {
    const r = this.results;
    r.summary = summarize(r.checks);
    r.checklist = mapChecklist(r.checks);
    r.gates = judgeReadiness(r.checks, this.opts.profile);
    const { verdict, reasons } = decideVerdict(r.state, r.checks, r.gates.results, this.extraProblems);
    r.verdict = verdict;
    r.verdict_reasons = reasons;
  }

  private clean(text: string): string {
    return this.opts.redact(text.replace(ANSI, ''));
  }

  private toCheck(testCase: TestCase): CheckResult {
    const group = groupOfFile(testCase.module.moduleId);
    const title = testCase.fullName.split(' > ').join(' › ');
    const result = testCase.result();
    const meta = testCase.meta().readiness ?? {};
    const status = result.state === 'passed' ? 'passed' : result.state === 'failed' ? 'failed' : 'skipped';
    const check: CheckResult = {
      id: checkId(group, title),
      group,
      title,
      status,
      required: meta.required ?? true,
      duration_ms: Math.round(testCase.diagnostic()?.duration ?? 0),
      evidence: (meta.evidence ?? []).map((e) => ({
        ...e,
        ...(e.excerpt !== undefined ? { excerpt: this.clean(e.excerpt) } : {}),
        ...(e.note !== undefined ? { note: this.clean(e.note) } : {}),
        ...(e.request !== undefined ? { request: this.clean(e.request) } : {}),
      })),
    };
    if (meta.measurements) check.measurements = meta.measurements;
    if (meta.timeline) check.timeline = { ...meta.timeline, events: meta.timeline.events.map((e) => ({ ...e, label: this.clean(e.label) })) };
    if (result.state === 'skipped') check.skip_reason = result.note ?? (testCase.options.mode === 'todo' ? 'not written yet' : 'not selected');
    if (result.state === 'failed') check.errors = result.errors.map((e) => this.clean(e.message));
    return check;
  }
}
