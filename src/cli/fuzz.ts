/**
 * npm run fuzz -- [--target local|external|containers] [--api gateway,qdrant] [--budget <s>] [--seed <n>]
 *                 [--out DIR] [--allow-writes] [--allow-remote-load] [--keep]
 * npm run fuzz -- --replay <case file or run dir> [--target …]
 * Property-based requests (schemathesis) at the gateway and Qdrant; exit 0 when no check failed
 * and both are healthy afterwards, 1 when something failed (every failing case saved for --replay).
 */
import { join } from 'node:path';
import { renderSummary } from '../../reports/render/index.ts';
import { LEAK_CHECK } from '../fuzz/collect.ts';
import { replayAll } from '../fuzz/replay.ts';
import type { ReplayEndpoint } from '../fuzz/replay.ts';
import { preflightFuzz, runFuzz, targetSecrets } from '../fuzz/run.ts';
import { FUZZ_APIS } from '../results/fuzz.ts';
import type { FuzzApi } from '../results/fuzz.ts';
import { resolveTarget, TARGET_KINDS } from '../targets/index.ts';
import type { TargetKind } from '../targets/index.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { UserError } from '../util/errors.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { choice, duration, integer, option } from '../util/options.ts';

interface Flags {
  target: TargetKind;
  api: string;
  budget: number;
  seed?: number;
  out?: string;
  replay?: string;
  allowWrites?: boolean;
  allowRemoteLoad?: boolean;
  keep?: boolean;
  operation?: string[];
}

function parseApis(raw: string): FuzzApi[] {
  const apis = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = apis.filter((a) => !(FUZZ_APIS as readonly string[]).includes(a));
  if (bad.length || apis.length === 0) throw new UserError(`--api ${raw}: use gateway, qdrant or gateway,qdrant`);
  return [...new Set(apis)] as FuzzApi[];
}

const program = new CliCommand('fuzz')
  .description('Fuzz the gateway (from its /openapi.json) and Qdrant\'s REST API with schemathesis; results in reports/out/<run-id>/, failing cases in its cases/ for --replay')
  .addOption(option('--target <kind>', 'local (the local stack, used or brought up), external (VDB_GATEWAY_URL, VDB_API_KEY, VDB_QDRANT_URL, VDB_QDRANT_API_KEY) or containers', choice(TARGET_KINDS)).default('local'))
  .option('--api <list>', 'which APIs: gateway, qdrant, or both', 'gateway,qdrant')
  .addOption(option('--budget <s>', 'seconds of fuzzing, split between the APIs (default 120)', duration({ min: 2, max: 86_400 })).default(120))
  .addOption(option('--seed <n>', 'seed of the generated cases (default: drawn, and recorded in results.json)', integer({ min: 0, max: 2 ** 31 - 1 })))
  .option('--out <dir>', 'root of run directories (default reports/out)')
  .option('--replay <path>', 'send the saved failing cases of a run again (its directory, or one cases/<n>.json) and say whether each still fails')
  .option('--operation <name...>', 'only these operations, as the document names them (e.g. "POST /api/v1/vectors/search")')
  .option('--allow-writes', 'fuzz the gateway\'s upsert and delete operations too (they write to the model collections)')
  .option('--allow-remote-load', 'allow fuzzing a host that is not loopback')
  .option('--keep', 'keep a local stack this run brought up')
  .action(async (f: Flags) => {
    const apis = parseApis(f.api);
    if (f.replay) return replay(f.replay, f, apis);
    const { results, runDir } = await runFuzz({
      target: f.target,
      apis,
      budgetS: f.budget,
      ...(f.seed !== undefined ? { seed: f.seed } : {}),
      ...(f.out ? { outRoot: f.out } : {}),
      keep: f.keep,
      allowWrites: Boolean(f.allowWrites),
      allowRemoteLoad: Boolean(f.allowRemoteLoad),
      ...(f.operation?.length ? { only: f.operation } : {}),
      command: `npm run fuzz -- ${process.argv.slice(2).join(' ')}`.trim(),
      log: (l) => console.error(l),
    });
    console.log('');
    console.log(renderSummary(results, join(runDir, 'results.json')));
    return results.pass ? ExitCode.Ok : ExitCode.Failed;
  });

async function replay(path: string, f: Flags, apis: FuzzApi[]): Promise<ExitCode> {
  if (f.target === 'external') await preflightFuzz(apis, Boolean(f.allowRemoteLoad));
  const target = await resolveTarget({ kind: f.target, keep: f.keep, log: (l) => console.error(`  ${l}`) });
  try {
    const endpoints: Partial<Record<FuzzApi, ReplayEndpoint>> = {
      ...(target.gateway ? { gateway: { url: target.gateway.url, headers: { 'x-api-key': target.gateway.apiKey } } } : {}),
      ...(target.qdrant ? { qdrant: { url: target.qdrant.url, headers: target.qdrant.apiKey ? { 'api-key': target.qdrant.apiKey } : {} } } : {}),
    };
    const out = await replayAll(path, endpoints, targetSecrets(target), (l) => console.log(l));
    const still = out.filter((o) => o.stillFails).length;
    console.log(`\n${still} of ${out.length} case(s) still fail${out.some((o) => o.case.failed.some((x) => x.check !== 'not_a_server_error' && x.check !== LEAK_CHECK)) ? ' (5xx and leaks judged again; other checks by the answer\'s status)' : ''}`);
    return still > 0 ? ExitCode.Failed : ExitCode.Ok;
  } finally {
    await target.release();
  }
}

await runCli(program);
