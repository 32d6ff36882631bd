/**
 * npm run gate -- <results.json> [--profile production|ci]
 * Re-evaluates a bench run's gates, prints them, exits 1 when one fails.
 */
import { Command } from 'commander';
import { applyGates } from '../bench/aggregate.ts';
import { renderGates } from '../bench/render.ts';
import { readResultsFile } from '../bench/results-file.ts';
import { GATE_PROFILES, gateProfile } from '../gates/definitions.ts';
import { runCli } from '../util/cli.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { UserError } from '../util/errors.ts';

await runCli(async () => {
  const program = new Command('gate')
    .description('evaluate the release gates of a bench results.json; exit 1 when one fails')
    .argument('<results>', 'results.json of a bench run (e.g. reports/out/latest/results.json)')
    .option('--profile <name>', `gate profile: ${Object.keys(GATE_PROFILES).join(' or ')} (default: the run's own)`)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(process.argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'commander.helpDisplayed' ? ExitCode.Ok : ExitCode.Usage;
  }
  const [file] = program.args as [string];
  const { profile } = program.opts<{ profile?: string }>();
  if (profile !== undefined && !(profile in GATE_PROFILES)) throw new UserError(`--profile must be one of ${Object.keys(GATE_PROFILES).join(', ')} (got "${profile}")`);
  const results = await readResultsFile(file);
  const evaluated = applyGates(results, gateProfile(profile ?? results.gate_profile.name));
  console.log(`${file}: ${results.mode}-loop run ${results.run_id}${results.latency_corrected ? '' : ' (latency not corrected for coordinated omission)'}`);
  console.log(renderGates(evaluated.gates, evaluated.gate_profile.label));
  return evaluated.pass ? ExitCode.Ok : ExitCode.Failed;
});
