/**
 * `npm run validate-config -- [--all] [--dir <config dir>]`: validates the gateway's
 * configuration files (with the environment overrides applied) and lists every problem.
 */
import { Command } from 'commander';
import { runCli } from '../../../../src/util/cli.ts';
import { ExitCode } from '../../../../src/util/exit-codes.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../config/load.ts';

await runCli(async () => {
  const program = new Command('validate-config')
    .description('Validate the gateway configuration (production, deployment, service-orchestration, health-checks)')
    .option('--all', 'validate every configuration file (the default; kept for the runbook command)')
    .option('--dir <path>', 'configuration directory', process.env.GATEWAY_CONFIG_DIR || DEFAULT_CONFIG_DIR)
    .parse();
  const { dir } = program.opts<{ dir: string; all?: boolean }>();
  const result = loadConfig(dir);
  for (const f of result.files) console.log(`${f.valid ? 'ok  ' : 'FAIL'} ${f.file}`);
  if (result.ok) {
    const c = result.config;
    console.log(`configuration valid (${dir}): ${c.models.length} models, ${c.collections.length} collections, environment ${c.production.production_deployment.environment}`);
    return ExitCode.Ok;
  }
  console.error(`configuration invalid (${dir}): ${result.problems.length} problem(s)`);
  for (const p of result.problems) console.error(`  - ${p}`);
  return ExitCode.Usage;
});
