import { Option } from 'commander';
import { join } from 'node:path';
import { gateProfile } from '../gates/definitions.ts';
import { GROUPS, isGroup } from '../readiness/groups.ts';
import { parseTargetKind, resolveTarget } from '../targets/index.ts';
import type { TargetKind } from '../targets/index.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { UserError } from '../util/errors.ts';
import type { ExitCode } from '../util/exit-codes.ts';
import { externalNames, preflight, preflightError } from '../preflight/index.ts';
import { writePreflightResults } from '../preflight/results.ts';
import { assertSeedAllowed } from '../readiness/seed-guard.ts';

interface Flags {
  target: string;
  only?: string;
  comprehensive?: boolean;
  profile?: string;
  out?: string;
  keep?: boolean;
  allowDisruptive?: boolean;
  seed?: boolean;
  deployHook?: string;
}

function parseOnly(raw: string | undefined): string[] {
  if (!raw) return [];
  const groups = raw.split(',').map((g) => g.trim()).filter(Boolean);
  const bad = groups.filter((g) => !isGroup(g));
  if (bad.length) throw new UserError(`unknown group(s) ${bad.join(', ')} in --only: use ${GROUPS.join(', ')}`);
  return groups;
}

/** Loopback targets the suite manages run on small machines: the ci profile, labelled as such. */
const defaultProfile = (kind: TargetKind): string => (kind === 'external' ? 'production' : 'ci');

async function main(flags: Flags): Promise<ExitCode> {
  const kind = parseTargetKind(flags.target);
  const only = parseOnly(flags.only);
  let profile;
  try {
    profile = gateProfile(flags.profile ?? defaultProfile(kind));
  } catch (err) {
    throw new UserError(`${(err as Error).message}: pass --profile ci or --profile production`);
  }
  const log = (line: string): void => console.log(line);
  const t0 = performance.now();
  const deployHook = flags.deployHook?.trim();
  if (flags.deployHook !== undefined && !deployHook) throw new UserError('--deploy-hook needs a command, e.g. --deploy-hook "npm run --silent deploy --"');
  const target = await resolveTarget({ kind, keep: flags.keep, networkFaults: Boolean(flags.comprehensive), ...(deployHook ? { deployHook } : {}), log: (l) => console.error(`  ${l}`) });
  const targetSecs = (performance.now() - t0) / 1000;
  if (targetSecs >= 1) console.log(`target ready in ${targetSecs.toFixed(1)} s`);
  try {
    const command = `npm run readiness -- ${process.argv.slice(2).join(' ')}`.trim();
    // The suite brings local and containers targets up itself; an external one is what a person configured.
    if (kind === 'external') {
      assertSeedAllowed(target, { seed: Boolean(flags.seed), allowDisruptive: Boolean(flags.allowDisruptive) });
      const report = await preflight(target, { needs: { gateway: 'required', qdrant: 'if-given', redis: 'if-given' }, roleKeys: true, names: externalNames() });
      const err = preflightError(report);
      if (err) {
        const written = await writePreflightResults({
          target,
          report,
          profile,
          command,
          options: { only, comprehensive: Boolean(flags.comprehensive), allowDisruptive: Boolean(flags.allowDisruptive), ...(deployHook ? { deployHook } : {}) },
          ...(flags.out ? { outRoot: flags.out } : {}),
        });
        // the one error line goes to stderr; where the run's record of it is, to stdout
        console.log(`  results: ${written}`);
        throw err;
      }
    }
    // Loaded after the preflight: vitest takes a second or two to import, a failed preflight answers without it.
    const [{ runReadiness }, { renderSummary }, { rewriteWithCoverage, verdictExitCode }] = await Promise.all([
      import('../readiness/run.ts'),
      import('../../reports/render/index.ts'),
      import('../report/coverage-rewrite.ts'),
    ]);
    console.log(`readiness: ${kind} target ${target.gateway?.url ?? '(no gateway)'} · profile ${profile.label}${only.length ? ` · only ${only.join(',')}` : ''}${flags.comprehensive ? ' · comprehensive' : ''}`);
    const { results: ran, runDir } = await runReadiness({
      target,
      only,
      comprehensive: Boolean(flags.comprehensive),
      allowDisruptive: Boolean(flags.allowDisruptive),
      seed: Boolean(flags.seed),
      ...(deployHook ? { deployHook } : {}),
      profile,
      ...(flags.out ? { outRoot: flags.out } : {}),
      command,
      log,
    });
    const results = await rewriteWithCoverage(ran, runDir);
    console.log('');
    console.log(renderSummary(results, join(runDir, 'results.json')));
    console.log(`  wall time ${((performance.now() - t0) / 1000).toFixed(1)} s, target included`);
    return verdictExitCode(results.verdict);
  } finally {
    const t1 = performance.now();
    await target.release();
    const releaseSecs = (performance.now() - t1) / 1000;
    if (releaseSecs >= 1) console.log(`target released in ${releaseSecs.toFixed(1)} s (total ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

const program = new CliCommand('readiness')
  .description('Run the readiness specs against a live target and write results.json, junit.xml and report.html')
  .addOption(new Option('--target <kind>', 'local (default), external (VDB_* env) or containers').default('local'))
  .option('--only <groups>', `comma-separated groups: ${GROUPS.join(', ')}`)
  .option('--comprehensive', 'include the disruptive groups: rollback (deploys and rollbacks under traffic) and faults (stop/start Redis and Qdrant)')
  .option('--profile <name>', 'gate profile: ci or production (default: ci for local/containers, production for external)')
  .option('--out <dir>', 'results root (default reports/out)')
  .option('--keep', 'keep a local stack this run brought up')
  .option('--seed', 'external: seed the suite\'s fixture into every model collection first (local and containers always do; a Qdrant not on loopback also needs --allow-disruptive)')
  .option('--allow-disruptive', 'allow specs that stop services or deploy against an external target')
  .option('--deploy-hook <command>', 'deploy the target with this command (run as `<command> deploy --json …`, `<command> rollback --json`, `<command> status --json`, e.g. "npm run --silent deploy --")')
  .action(main);

await runCli(program);
