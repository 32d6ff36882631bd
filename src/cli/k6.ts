/**
 * npm run k6 -- <scenario> [--target local|external|containers] [--profile ci|production]
 *                [--rate-scale X] [--duration-scale X] [--out DIR] [--allow-remote-load] [--keep] [-- <k6 flags>]
 * Runs scenarios/k6/<scenario>.ts with k6 (K6_BIN or PATH) against the target, writes the run
 * under reports/out/, and exits with k6's own code (99: a threshold failed; 4: no k6).
 */
import { SCENARIO_NAMES } from '../../scenarios/model.ts';
import type { ScenarioName } from '../../scenarios/model.ts';
import { renderSummary } from '../../reports/render/index.ts';
import { GATE_PROFILES } from '../gates/definitions.ts';
import type { GateProfileName } from '../gates/definitions.ts';
import { runK6Scenario } from '../k6/run.ts';
import { preflightK6 } from '../preflight/commands.ts';
import { TARGET_KINDS } from '../targets/index.ts';
import type { TargetKind } from '../targets/index.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import type { ExitCode } from '../util/exit-codes.ts';
import { argument, choice, number, option } from '../util/options.ts';
import { join } from 'node:path';

interface Flags {
  target: TargetKind;
  profile?: GateProfileName;
  rateScale?: number;
  durationScale?: number;
  out?: string;
  allowRemoteLoad?: boolean;
  keep?: boolean;
}

const scale = { min: 0.001, max: 1000 };

const program = new CliCommand('k6')
  .description('Run a scenario\'s k6 script against a target; results in reports/out/<run-id>/, exit code k6\'s own (99: a threshold failed)')
  .addArgument(argument('<scenario>', `scenario: ${SCENARIO_NAMES.join(', ')} (scenarios/k6/<scenario>.ts)`, choice(SCENARIO_NAMES)))
  .argument('[k6-flags...]', 'flags for `k6 run`, after -- (e.g. -- --vus 2 --http-debug)')
  .addOption(option('--target <kind>', 'local (the local stack, brought up and seeded if needed), external (VDB_GATEWAY_URL, VDB_API_KEY) or containers', choice(TARGET_KINDS)).default('local'))
  .addOption(option('--profile <name>', `gate profile the thresholds come from: ${Object.keys(GATE_PROFILES).join(' or ')} (default: ci for local/containers, production for external)`, choice(Object.keys(GATE_PROFILES) as GateProfileName[])))
  .addOption(option('--rate-scale <x>', 'multiply every rate of the shape (VDB_RATE_SCALE)', number(scale)))
  .addOption(option('--duration-scale <x>', 'multiply every duration of the shape (VDB_DURATION_SCALE)', number(scale)))
  .option('--out <dir>', 'root of run directories (default reports/out)')
  .option('--allow-remote-load', 'allow load against a host that is not loopback')
  .option('--keep', 'keep a local stack this run brought up')
  .action(async (scenario: ScenarioName, k6Args: string[], f: Flags) => {
    await preflightK6(f.target, Boolean(f.allowRemoteLoad));
    const out = await runK6Scenario({
      scenario,
      target: f.target,
      profile: f.profile,
      rateScale: f.rateScale,
      durationScale: f.durationScale,
      allowRemoteLoad: Boolean(f.allowRemoteLoad),
      keep: f.keep,
      outRoot: f.out,
      k6Args,
      log: (l) => console.error(l),
    });
    console.log('');
    if (out.results) {
      console.log(renderSummary(out.results, join(out.runDir, 'results.json')));
      if (out.source === 'k6-summary') console.log('  (from k6\'s end-of-test summary: percentiles only; its JSON output could not be imported)');
    } else {
      console.log(`k6 left no results in ${out.runDir} (neither its JSON output nor a summary)`);
    }
    console.log(`k6 exit code ${out.exitCode}${out.exitCode === 99 ? ' (a threshold failed)' : ''}`);
    return out.exitCode as ExitCode;
  });

await runCli(program);
