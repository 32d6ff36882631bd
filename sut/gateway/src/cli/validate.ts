import { DEFAULT_CONFIG_DIR, loadConfig } from '../config/load.ts';
import { command, ExitCode, parseArgs, type Io } from './run.ts';

/**
 * `validate-config [--all] [--dir <config dir>]`: validates the gateway's configuration files
 * with the environment overrides applied, exactly as the gateway does when it starts (the same
 * `loadConfig`), and lists every problem. Exit 0 valid, 1 invalid, 2 bad usage.
 */
export function validateConfigCommand(argv: string[], env: Record<string, string | undefined>, io: Io): ExitCode {
  const program = command('validate-config', io)
    .description('Validate the gateway configuration (production, deployment, service-orchestration, health-checks) as the gateway does at start-up')
    .option('--all', 'validate every configuration file (the default; kept for the runbook command)')
    .option('--dir <path>', 'configuration directory (or GATEWAY_CONFIG_DIR)', env.GATEWAY_CONFIG_DIR || DEFAULT_CONFIG_DIR);
  const stop = parseArgs(program, argv);
  if (stop !== null) return stop;
  const { dir } = program.opts<{ dir: string; all?: boolean }>();
  const result = loadConfig(dir, env);
  for (const f of result.files) io.out(`${f.valid ? 'ok  ' : 'FAIL'} ${f.file}`);
  if (result.ok) {
    const c = result.config;
    io.out(`configuration valid (${dir}): ${c.models.length} models, ${c.collections.length} collections, environment ${c.production.production_deployment.environment}`);
    return ExitCode.Ok;
  }
  io.err(`configuration invalid (${dir}): ${result.problems.length} problem(s)`);
  for (const p of result.problems) io.err(`  - ${p}`);
  return ExitCode.InvalidConfig;
}
