/**
 * npm run bench -- [--target local|external | --url U --api gateway|qdrant] --dataset D --mode open|closed
 *                  [--rate R] [--connections N] [--duration S] [--warmup S] [--k K] [--mix c[=d]:w,...]
 *                  [--profile production|ci] [--out DIR]
 * npm run bench -- --scenario smoke|load|stress|spike|soak|breakpoint|mixed [--rate-scale X] [--duration-scale X] [--target …]
 * npm run bench -- merge a.json b.json [-o merged.json] [--profile P]
 * npm run bench -- calibrate [--connections N] [--duration S] [--no-wrk]
 * npm run bench -- import-k6 out.json [more.json …] [--profile ci|production] [--scenario S] [--out DIR]
 */
import { SCENARIO_NAMES } from '../../scenarios/model.ts';
import { calibrate, renderCalibration } from '../bench/calibrate.ts';
import { runImportK6 } from '../bench/k6-import/command.ts';
import type { ImportK6Flags } from '../bench/k6-import/command.ts';
import { mergeResults } from '../bench/merge.ts';
import { renderSummary } from '../../reports/render/index.ts';
import { readResults } from '../results/read.ts';
import type { BenchResults } from '../results/bench.ts';
import { writeAtomic } from '../results/store.ts';
import { runBench } from '../bench/run.ts';
import { explainRecall } from '../bench/search-params.ts';
import { validateOptions } from '../bench/validate.ts';
import { preflightBench } from '../preflight/commands.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { DURATION_HINT, choice, duration, integer, option } from '../util/options.ts';

interface RunFlags {
  target?: string;
  url?: string;
  api?: string;
  apiKey?: string;
  allowRemoteLoad?: boolean;
  dataset?: string;
  size?: string;
  dim?: string;
  seed?: string;
  collection?: string;
  mix?: string;
  mode?: string;
  rate?: string;
  connections?: string;
  workers?: string;
  duration?: string;
  warmup?: string;
  k?: string;
  queries?: string;
  timeout?: string;
  spinMs?: string;
  napUs?: string;
  client?: string;
  profile?: string;
  out?: string;
  json?: boolean;
  scenario?: string;
  rateScale?: string;
  durationScale?: string;
  hnswEf?: string;
  sweep?: string;
}

const program = new CliCommand('bench')
  .description('Search benchmark: open-loop latency (corrected for coordinated omission) or closed-loop throughput, with recall from planted truth');

program
  .command('run', { isDefault: true })
  .description('run the benchmark and write reports/out/<run-id>/results.json (exit 1 when a gate fails)')
  .option('--target <kind>', 'local (the local stack, brought up if needed) or external (VDB_GATEWAY_URL, VDB_QDRANT_URL)')
  .option('--url <url>', 'any URL serving the search contract (overrides --target)')
  .option('--api <api>', 'gateway (POST /api/v1/vectors/search) or qdrant (POST /collections/{c}/points/query)')
  .option('--api-key <key>', 'API key (default VDB_API_KEY / VDB_QDRANT_API_KEY or the target\'s)')
  .option('--allow-remote-load', 'allow load against a host that is not loopback')
  .option('-d, --dataset <name>', 'dataset of the planted queries (npm run fixtures -- list)')
  .option('--size <n>', 'dataset size override (must match what was loaded)')
  .option('--dim <n>', 'dataset dimension override')
  .option('--seed <n>', 'dataset seed override')
  .option('--collection <name>', 'collection to search (default: the dataset name)')
  .option('--mix <spec>', 'query mix over collections: collection[=dataset]:weight,... e.g. mixtral:3,general:1')
  .option('--mode <mode>', 'open (constant arrival rate, latency gates) or closed (autocannon, max throughput)')
  .option('--rate <ops/s>', 'open mode: intended requests per second')
  .option('--connections <n>', 'connections (open mode: the in-flight bound)')
  .option('--workers <n>', 'open mode: driver threads, each with its share of the schedule and of the connections (histograms merged exactly)')
  .option('--duration <s>', `measured time (${DURATION_HINT})`)
  .option('--warmup <s>', `load before measuring (${DURATION_HINT})`)
  .option('--k <k>', 'results per search (recall@k)')
  .option('--queries <n>', 'distinct planted queries per collection, prebuilt before the run')
  .option('--timeout <ms>', 'per-request timeout')
  .option('--spin-ms <ms>', 'open mode: poll instead of sleeping this close to a send (default 1; with --workers 0 = timers only: cheaper, each send on the nearest 1 ms tick)')
  .option('--nap-us <us>', 'open mode: longest blocking nap while waiting for a send (0 = pure polling: most precise, twice the CPU)')
  .option('--client <kind>', 'open mode HTTP client: raw (keep-alive HTTP/1.1 on sockets, least CPU) or undici')
  .option('--profile <name>', 'gate profile: production (runbook targets) or ci (small machines, not production)')
  .option('--out <dir>', 'root of run directories (default reports/out)')
  .option('--json', 'print results.json instead of the summary')
  .option('--scenario <name>', `run a scenario's shape (${SCENARIO_NAMES.join(', ')}; scenarios/definitions.ts): it sets mode, rate and duration, and only its gates judge the run`)
  .option('--rate-scale <x>', 'scenario: multiply every rate (after the profile), e.g. 0.1')
  .option('--duration-scale <x>', 'scenario: multiply every duration, e.g. 0.05')
  .option('--hnsw-ef <n>', 'Qdrant API: send this hnsw_ef with every search (default: the engine\'s)')
  .option('--sweep <param>', 'after the run, recall and unloaded latency at each hnsw_ef, and the smallest passing both gates (hnsw_ef)')
  .action(async (f: RunFlags) => {
    const opts = validateOptions({
      target: f.target, url: f.url, api: f.api, apiKey: f.apiKey, allowRemoteLoad: f.allowRemoteLoad,
      dataset: f.dataset, size: f.size, dim: f.dim, seed: f.seed, collection: f.collection, mix: f.mix,
      mode: f.mode, rate: f.rate, connections: f.connections, workers: f.workers, durationS: f.duration, warmupS: f.warmup,
      k: f.k, queries: f.queries, timeoutMs: f.timeout, spinMs: f.spinMs, napUs: f.napUs, client: f.client, profile: f.profile, outDir: f.out,
      scenario: f.scenario, rateScale: f.rateScale, durationScale: f.durationScale, hnswEf: f.hnswEf, sweep: f.sweep,
    });
    await preflightBench(opts);
    const { results, path } = await runBench(opts, { log: (l) => console.error(l) });
    console.log(f.json ? JSON.stringify(results, null, 2) : `${renderSummary(results, path)}\n${explainRecall(results).join('\n')}`);
    return results.pass ? ExitCode.Ok : ExitCode.Failed;
  });

program
  .command('merge')
  .description('merge results of runners that drove one load together: histograms added, percentiles recomputed, gates re-evaluated')
  .argument('<files...>', 'results.json files (two or more)')
  .option('-o, --out <file>', 'write the merged results here')
  .option('--profile <name>', 'gate profile (default: the first run\'s)')
  .action(async (files: string[], f: { out?: string; profile?: string }) => {
    const runs = (await Promise.all(files.map((p) => readResults(p, 'bench')))) as BenchResults[];
    const merged = mergeResults(runs, f.profile);
    if (f.out) await writeAtomic(f.out, `${JSON.stringify(merged, null, 2)}\n`);
    console.log(renderSummary(merged, f.out));
    return merged.pass ? ExitCode.Ok : ExitCode.Failed;
  });

program
  .command('calibrate')
  .description('measure the driver itself against a local stub server (and wrk, when installed): requests/s, CPU per request, event-loop lag')
  .addOption(option('--connections <n>', 'connections', integer({ min: 1, max: 1024 })).default(16))
  .addOption(option('--duration <s>', `time per tool (${DURATION_HINT})`, duration({ min: 1, max: 60 })).default(5))
  .addOption(option('--dim <n>', 'vector dimension of the request bodies', integer({ min: 1, max: 4096 })).default(128))
  .option('--no-wrk', 'skip wrk')
  .option('--json', 'print the figures as JSON')
  .action(async (f: { connections: number; duration: number; dim: number; wrk: boolean; json?: boolean }) => {
    const report = await calibrate({ connections: f.connections, durationS: f.duration, dim: f.dim, wrk: f.wrk }, (l) => console.error(l));
    console.log(f.json ? JSON.stringify(report, null, 2) : renderCalibration(report));
  });

program
  .command('import-k6')
  .description("turn k6's JSON output (k6 run --out json=out.json) into results: exact histograms per endpoint, model and scenario; several files = runners of one test, pooled exactly (exit 1 when a gate fails)")
  .argument('<files...>', 'k6 JSON output files (one per runner: execution segments, k6-operator parallelism; .gz too)')
  .addOption(option('--profile <name>', "gate profile: production or ci (default: the samples' profile tag, else production)", choice(['production', 'ci'] as const)))
  .addOption(option('--scenario <name>', "the scenario run (default: the samples' scenario_type tag)", choice(SCENARIO_NAMES)))
  .addOption(option('--k <k>', 'results per search recall was measured at (default 10)', integer({ min: 1, max: 10_000 })))
  .option('--url <url>', "the target (default: the first search's url tag)")
  .option('--out <dir>', 'root of run directories (default reports/out)')
  .option('--json', 'print results.json instead of the summary')
  .action(async (files: string[], f: ImportK6Flags) => runImportK6(files, f));

await runCli(program);
