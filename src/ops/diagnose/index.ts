/**
 * `npm run diagnose`: one screen that says what is wrong with the local stack and where, each
 * finding with the command that fixes it. `collect.ts` looks (read-only, short timeouts),
 * `analyse.ts` judges (pure), this file ties them together and prints.
 */
import { resolve } from 'node:path';
import { ExitCode } from '../../util/exit-codes.ts';
import { makeRedactor } from '../../util/redact.ts';
import type { Redactor } from '../../util/redact.ts';
import { stackDir } from '../../util/paths.ts';
import type { StackInfo } from '../../launcher/types.ts';
import { ago, countLevels, problemSummary, renderFindings } from '../findings.ts';
import type { Finding, Level } from '../findings.ts';
import { analyse, effectiveActive } from './analyse.ts';
import { collectSnapshot } from './collect.ts';
import type { DiagnoseSnapshot } from './types.ts';

export { analyse } from './analyse.ts';
export { collectSnapshot } from './collect.ts';
export type { DiagnoseSnapshot } from './types.ts';

export interface DiagnoseOptions {
  /** Stack directory (default `.stack/` or VDB_STACK_DIR). */
  dir?: string;
  production?: boolean;
}

export interface DiagnoseReport {
  dir: string;
  production: boolean;
  collected_at: string;
  stack_started_at: string;
  active_slot: string | null;
  summary: Record<Level, number>;
  exit_code: ExitCode;
  findings: Finding[];
}

/** 0 when nothing is wrong, 1 when a finding is a warning or a failure. */
export function diagnoseExitCode(findings: readonly Finding[]): ExitCode {
  return findings.some((f) => f.level === 'warn' || f.level === 'fail') ? ExitCode.Failed : ExitCode.Ok;
}

/** Masks the stack's keys (Qdrant's, the gateway's) wherever they might show up. */
export function stackRedactor(info: StackInfo): Redactor {
  return makeRedactor([info.qdrant.apiKey, info.gateway?.apiKey, ...Object.values(info.gateway?.keys ?? {})]);
}

export function reportOf(snap: DiagnoseSnapshot, opts: DiagnoseOptions = {}): DiagnoseReport {
  const findings = analyse(snap, { production: opts.production });
  return {
    dir: snap.dir,
    production: opts.production ?? false,
    collected_at: new Date(snap.now).toISOString(),
    stack_started_at: snap.stack.startedAt,
    active_slot: effectiveActive(snap),
    summary: countLevels(findings),
    exit_code: diagnoseExitCode(findings),
    findings,
  };
}

/** Looks at the stack in `opts.dir`; throws an UnreachableError (exit 3) when none runs there. */
export async function diagnose(opts: DiagnoseOptions = {}): Promise<{ report: DiagnoseReport; redact: Redactor }> {
  const snap = await collectSnapshot(resolve(opts.dir ?? stackDir()));
  return { report: reportOf(snap, opts), redact: stackRedactor(snap.stack) };
}

/** The report as the terminal shows it. */
export function renderDiagnose(report: DiagnoseReport, redact?: Redactor): string[] {
  const now = Date.parse(report.collected_at);
  const head = `diagnose ${report.dir}${report.production ? ' (--production)' : ''}: stack started ${ago(report.stack_started_at, now)}${report.active_slot ? `, active slot ${report.active_slot}` : ''}`;
  const verdict = report.exit_code === ExitCode.Ok ? 'no problems found' : `${problemSummary(report.findings)}: problems found`;
  return [head, ...renderFindings(report.findings, { redact }), verdict];
}
