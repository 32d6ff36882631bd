import { deploy, deploymentStatus, rollback } from '../deploy/index.ts';
import { parseEnv } from '../deploy/deploy.ts';
import type { DeploymentRecord, DeploymentStatus } from '../deploy/index.ts';
import type { AnalysisSettings } from '../deploy/types.ts';
import { gatewayStack } from '../launcher/slots.ts';
import { preflightStack } from '../preflight/commands.ts';
import { HOOK_ANALYSIS_ENV } from '../targets/hook-deploy.ts';
import { UserError } from '../util/errors.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { DURATION_HINT, duration, option } from '../util/options.ts';
import { stackDir } from '../util/paths.ts';

interface RootFlags {
  dir?: string;
  json?: boolean;
  production?: boolean;
  maxAge?: number;
  validate?: boolean;
  version?: string;
  config?: string;
  env?: string[];
}

const program = new CliCommand('deploy')
  .description(
    'Blue/green deploy of the gateway on the local stack: the new version goes into the idle slot, is validated on its own port, ' +
      'takes the front door without an nginx reload (zero lost requests), is analysed under probe and live traffic, and is rolled back automatically when it fails',
  )
  .option('--dir <dir>', 'stack directory (default .stack/ or VDB_STACK_DIR)')
  .option('--json', 'print the deployment record (or the status) as JSON on stdout; progress goes to stderr')
  .option('--production', 'refuse unless the latest readiness results are GO under the production profile and recent')
  .addOption(option('--max-age <duration>', `with --production: how old those results may be (${DURATION_HINT}; default 24h)`, duration({ min: 1 })))
  .option('--validate', 'full pre-switch validation: planted-truth searches, auth, metrics (default: health and every model\'s health)')
  .option('--version <label>', 'version label the new slot reports (default: deployment.yaml\'s version + a UTC timestamp)')
  .option('--config <dir>', 'gateway configuration directory for the new slot (default: the active slot\'s)')
  .option('--env <K=V...>', 'extra environment for the new slot (e.g. --env LOG_LEVEL=debug GATEWAY_FAULTS=after=100,abort=503:0.5)');

const flags = (): RootFlags => program.opts<RootFlags>();
const dirOf = (): string => flags().dir ?? stackDir();
/** Progress lines: stdout, or stderr when stdout carries JSON. */
const progress = (line: string): void => (flags().json ? console.error(line) : console.log(line));

function outcomeLine(r: DeploymentRecord): string {
  const what = r.action === 'deploy' ? 'deploy' : 'rollback';
  const back = `${r.from_slot ?? '?'} (${r.from_version ?? '?'})`;
  switch (r.outcome) {
    case 'live':
      return `${what} LIVE: ${r.slot} serves ${r.version}${r.from_slot ? `; ${back} is the standby` : ''}`;
    case 'rolled_back':
      return `${what} ROLLED BACK: ${r.reason ?? '?'}; ${back} serves again`;
    case 'failed':
      return `${what} FAILED: ${r.reason ?? '?'}; ${r.action === 'deploy' ? `${back} still serves` : 'nothing changed'}`;
    default:
      return `${what} ABORTED: ${r.reason ?? '?'}`;
  }
}

function report(r: DeploymentRecord): ExitCode {
  if (flags().json) console.log(JSON.stringify(r, null, 2));
  progress(outcomeLine(r));
  return r.outcome === 'live' ? ExitCode.Ok : ExitCode.Failed;
}

const took = (r: DeploymentRecord): string => {
  const ms = Date.parse(r.finished_at) - Date.parse(r.started_at);
  return Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : '?';
};

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => `  ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`.trimEnd());
}

function printStatus(st: DeploymentStatus): void {
  console.log(`active    ${st.active_slot ?? '–'}  ${st.version ?? '?'}`);
  const prev = st.previous_slot ? `${st.previous_slot}  ${st.previous_version ?? '?'}` : '–';
  const running = st.instances.some((i) => i.slot === st.previous_slot);
  console.log(`previous  ${prev}${st.previous_slot ? (running ? '  (standby, running: `npm run deploy -- rollback` switches back)' : '  (not running)') : ''}`);
  console.log(`\ninstances (${st.instances_source ?? 'registry'})`);
  if (st.instances.length === 0) console.log('  none');
  else {
    console.log(
      table([
        ['slot', 'version', 'active', 'pid', 'url', 'heartbeat'],
        ...st.instances.map((i) => [i.slot, i.version || '?', i.active ? 'yes' : 'no', String(i.pid), i.url, i.heartbeat_at || '–']),
      ]).join('\n'),
    );
  }
  console.log(`\nhistory (${st.history_source ?? 'redis'}, newest first)`);
  if (st.history.length === 0) console.log('  none');
  else {
    console.log(
      table([
        ['started', 'action', 'version', 'slot', 'from', 'outcome', 'took', 'by', 'reason'],
        ...st.history.map((r) => [r.started_at.replace(/\.\d+Z$/, 'Z'), r.action, r.version, r.slot, `${r.from_slot ?? '–'} ${r.from_version ?? ''}`.trim(), r.outcome, took(r), r.by, r.reason ?? '']),
      ]).join('\n'),
    );
  }
}

/** An analysis override for deploy hooks and drills (JSON of deployment.yaml `analysis` keys). */
function analysisFromEnv(): Partial<AnalysisSettings> | undefined {
  const text = process.env[HOOK_ANALYSIS_ENV];
  if (!text) return undefined;
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Partial<AnalysisSettings>;
  } catch {
    // refused below
  }
  throw new UserError(`${HOOK_ANALYSIS_ENV} must be a JSON object of analysis settings (e.g. {"interval_s":0.5,"count":6}): fix or unset it`, ExitCode.Usage);
}

/** The stack's front door answers (exit 3 naming `npm run stack -- up` when not) and Redis, a warning when down. */
async function stackPreflight(): Promise<void> {
  const info = gatewayStack(dirOf());
  await preflightStack({ gateway: { url: info.gateway.url, apiKey: info.gateway.apiKey }, redis: info.redis }, (line) => console.error(line));
}

const deployAction = async (): Promise<ExitCode> => {
  const f = flags();
  // bad options are said before anything is reached
  const env = parseEnv(f.env);
  const analysis = analysisFromEnv();
  await stackPreflight();
  const r = await deploy({
    dir: dirOf(),
    production: f.production,
    maxAgeS: f.maxAge,
    validate: f.validate,
    version: f.version,
    configDir: f.config,
    env,
    analysis,
    log: progress,
  });
  return report(r);
};

program.action(deployAction);

program
  .command('deploy')
  .description('the same as no subcommand (so that `<hook> deploy --json` works)')
  .action(deployAction);

program
  .command('rollback')
  .description('switch the front door back to the previous version (the running standby), zero-loss')
  .action(async () => {
    await stackPreflight();
    return report(await rollback({ dir: dirOf(), log: progress }));
  });

program
  .command('status')
  .description('active slot and version, the previous one, live instances, the deployment history')
  .action(async () => {
    const st = await deploymentStatus(dirOf());
    if (flags().json) console.log(JSON.stringify(st, null, 2));
    else printStatus(st);
    return st.instances.some((i) => i.slot === st.active_slot) ? ExitCode.Ok : ExitCode.Failed;
  });

await runCli(program);
