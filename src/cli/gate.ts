/**
 * npm run gate -- <run dir | results.json> [--profile production|ci] [--junit <file>]
 * Judges any run that carries gates (readiness, bench) again, by its own profile or another:
 * prints the gates, exits 1 when one fails or none was measured.
 */
import { renderGates, renderJunit, renderRunLine } from '../../reports/render/index.ts';
import { GATE_PROFILES, gateProfile } from '../gates/definitions.ts';
import { rejudge } from '../results/kinds.ts';
import { readResults } from '../results/read.ts';
import { writeAtomic } from '../results/store.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { UserError } from '../util/errors.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { choice, option } from '../util/options.ts';

const program = new CliCommand('gate')
  .description('judge the release gates of any run (readiness or bench) again; exit 1 when one fails')
  .argument('<results>', 'a run directory or its results.json (e.g. reports/out/latest, reports/out/latest-bench)')
  .addOption(option('--profile <name>', `gate profile: ${Object.keys(GATE_PROFILES).join(' or ')} (default: the run's own)`, choice(Object.keys(GATE_PROFILES))))
  .option('--junit <file>', 'also write the gates as JUnit XML')
  .action(async (file: string, o: { profile?: string; junit?: string }) => {
    const read = await readResults(file);
    if (read.kind === 'fuzz') {
      throw new UserError(`${file} is a fuzz run: it has no gates, its checks are its verdict (npm run fuzz exits 1 on any failing case); npm run fuzz -- --replay ${file} sends its failing cases again`);
    }
    if (read.kind === 'capacity') {
      throw new UserError(`${file} is a capacity run: a plan, not gated; npm run report -- ${file} shows it beside a release's runs`);
    }
    const results = o.profile === undefined ? read : rejudge(read, gateProfile(o.profile));
    console.log(renderRunLine(results, file));
    console.log(renderGates(results.gates));
    if (o.junit) await writeAtomic(o.junit, renderJunit(results));
    if (results.gates.results.length === 0) {
      console.log('no gate was measured by this run, so none passed: gate a run that measures them (npm run bench, or readiness with the performance group)');
      return ExitCode.Failed;
    }
    // a k6 run's thresholds come from the same gates; one k6 found broken fails the gate too
    const broken = results.kind === 'bench' ? (results.runner?.thresholds ?? []).filter((x) => !x.ok) : [];
    for (const x of broken) console.log(`  FAIL  k6 threshold ${x.metric} ${x.expression}`);
    return results.gates.results.every((g) => g.pass) && broken.length === 0 ? ExitCode.Ok : ExitCode.Failed;
  });

await runCli(program);
