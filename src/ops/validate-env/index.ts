/**
 * `npm run validate-env`: is this machine (and this shell) fit to run the suite? Tools and
 * their versions, the seed ports, disk, memory, CPUs, open files, and the variables the suite
 * reads; each line ok / warn / fail with the fix. Exit 1 when a line fails.
 */
import { resolve } from 'node:path';
import { maxK, seedSpecForModel } from '../../../fixtures/src/index.ts';
import { MODELS } from '../../../fixtures/src/datasets.ts';
import { RUNBOOK_MACHINE } from '../../../fixtures/src/plan.ts';
import { ExitCode } from '../../util/exit-codes.ts';
import { stackDir } from '../../util/paths.ts';
import { countLevels, problemSummary, renderFindings } from '../findings.ts';
import type { Finding, Level } from '../findings.ts';
import { checkPorts, checkResources, checkTools } from './checks.ts';
import { portFacts, resourceFacts, toolFacts } from './facts.ts';
import { checkEnvironment } from './vars.ts';

export interface ValidateEnvOptions {
  production?: boolean;
  /** The stack directory (disk is measured there; its stack holds ports legitimately). Default `.stack/` or VDB_STACK_DIR. */
  dir?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ValidateEnvReport {
  production: boolean;
  stack_dir: string;
  checked_at: string;
  summary: Record<Level, number>;
  exit_code: ExitCode;
  findings: Finding[];
}

/** The largest k every model's fixture has planted truth for. */
export function plantedK(): number {
  return Math.min(...MODELS.map((m) => maxK(seedSpecForModel(m))));
}

export function validateEnvExitCode(findings: readonly Finding[]): ExitCode {
  return findings.some((f) => f.level === 'fail') ? ExitCode.Failed : ExitCode.Ok;
}

export async function validateEnv(opts: ValidateEnvOptions = {}): Promise<ValidateEnvReport> {
  const production = opts.production ?? false;
  const env = opts.env ?? process.env;
  const dir = resolve(opts.dir ?? stackDir());
  const [tools, ports, resources] = await Promise.all([toolFacts(env), portFacts([...new Set([dir, stackDir()])]), resourceFacts(dir)]);
  const findings = [
    ...checkTools(tools, production),
    ...checkPorts(ports, production),
    ...checkResources(resources, RUNBOOK_MACHINE, production),
    ...checkEnvironment(env, { production, models: MODELS, plantedK: plantedK(), docker: tools.docker.server !== null, cwd: process.cwd() }),
  ];
  return { production, stack_dir: dir, checked_at: new Date().toISOString(), summary: countLevels(findings), exit_code: validateEnvExitCode(findings), findings };
}

export function renderValidateEnv(report: ValidateEnvReport): string[] {
  const head = `validate-env${report.production ? ' --production' : ''}: this machine and shell, for the stack in ${report.stack_dir}`;
  const c = report.summary;
  const verdict = report.exit_code === ExitCode.Ok
    ? `ready${c.warn ? ` (${c.warn} warn)` : ''}`
    : `${problemSummary(report.findings)}: not ready`;
  return [head, ...renderFindings(report.findings), verdict];
}
