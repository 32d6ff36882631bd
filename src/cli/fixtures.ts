import { Option } from 'commander';
import { getDataset, listDatasets } from '../../fixtures/src/datasets.ts';
import type { DatasetOverrides } from '../../fixtures/src/datasets.ts';
import { intrusionBound } from '../../fixtures/src/bound.ts';
import { plantedPlan } from '../../fixtures/src/planted.ts';
import { DEFAULT_ASSUMPTIONS, RUNBOOK_MACHINE, planCollection, renderPlan } from '../../fixtures/src/plan.ts';
import type { DatasetSpec } from '../../fixtures/src/types.ts';
import { exportPoints, exportQueries, measureGenerator } from '../../fixtures/src/node/export.ts';
import { checkManifestMirror } from '../../fixtures/src/node/manifest-file.ts';
import { loadDataset } from '../../fixtures/src/node/loader.ts';
import { progressReporter, formatCount } from '../../fixtures/src/node/progress.ts';
import { verifyPlanted } from '../../fixtures/src/node/verify.ts';
import { DEFAULT_HNSW_COLLECTION, REFERENCE_CACHE, exactStats, findReference, generatedSource, recallCurve, referenceSource } from '../../fixtures/src/node/difficulty.ts';
import type { DifficultySource, RecallCurve } from '../../fixtures/src/node/difficulty.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { startQdrant } from '../launcher/services/qdrant.ts';
import { preflightFixturesLoad } from '../preflight/commands.ts';
import { assertLoadAllowed, parseTargetKind, resolveTarget } from '../targets/index.ts';
import type { Target } from '../targets/index.ts';
import { CliCommand, runCli } from '../util/cli.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { UserError } from '../util/errors.ts';
import { integer, number, option, positive, rate, ratio } from '../util/options.ts';

interface DatasetFlags {
  dataset: string;
  size?: number;
  dim?: number;
  seed?: number;
  plantedQueries?: number;
  plantedK?: number;
  contrast?: number;
  structure?: string;
  clusters?: number;
  rank?: number;
  center?: number;
  subspace?: number;
}

// `fixtures export | head`: a reader that goes away ends the command quietly.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new CliCommand('fixtures')
  .description('Deterministic vector datasets with planted ground truth: list, export, queries, verify, bound, load');

/** The options every command takes: a dataset and overrides of its shape. */
function withDataset(cmd: CliCommand, defaultDataset = 'smoke'): CliCommand {
  return cmd
    .option('-d, --dataset <name>', 'dataset from fixtures/manifest.yaml (see `list`)', defaultDataset)
    .addOption(option('--size <n>', 'override the number of points (1_000_000 and 1e6 work too)', integer()))
    .addOption(option('--dim <n>', 'override the dimension', integer()))
    .addOption(option('--seed <n>', 'override the seed', integer()))
    .addOption(option('--planted-queries <n>', 'override the number of planted queries', integer()))
    .addOption(option('--planted-k <n>', 'override the planted neighbours per query (largest k with known truth)', integer()))
    .addOption(option('--contrast <c>', 'override the relative contrast of the nearest neighbour (difficulty; lower = harder)', number()))
    .addOption(new Option('--structure <kind>', 'override how points spread: clustered (clusters, low intrinsic dimension) or hard (uniform on the sphere)').choices(['clustered', 'manifold', 'hard']))
    .addOption(option('--clusters <n>', 'clustered: number of clusters', integer({ min: 1 })))
    .addOption(option('--rank <r>', 'clustered: dimension of each cluster subspace', integer({ min: 2 })))
    .addOption(option('--center <w>', 'clustered: squared weight of the cluster centre (mean in-cluster cosine)', ratio()))
    .addOption(option('--subspace <w>', 'clustered: squared weight of the in-cluster subspace part', ratio()));
}

function specFrom(o: DatasetFlags): DatasetSpec {
  const overrides: DatasetOverrides = {};
  const set = <K extends keyof DatasetOverrides>(k: K, v: DatasetOverrides[K] | undefined): void => {
    if (v !== undefined) overrides[k] = v;
  };
  set('size', o.size);
  set('dim', o.dim);
  set('seed', o.seed);
  set('queries', o.plantedQueries);
  set('k', o.plantedK);
  set('contrast', o.contrast);
  set('structure', o.structure as DatasetOverrides['structure']);
  set('clusters', o.clusters);
  set('rank', o.rank);
  set('center', o.center);
  set('subspace', o.subspace);
  return getDataset(o.dataset, overrides);
}

function requireGeneratable(spec: DatasetSpec, o: DatasetFlags, what: string): void {
  if (!spec.generate && o.size === undefined) {
    throw new UserError(`dataset ${spec.name} is declared only (${spec.count.toLocaleString('en-US')} points): ${what} it with an explicit --size, or use --plan / bound / export slices`);
  }
}

withDataset(program.command('list').description('the datasets of the manifest, with their planted-truth difficulty'))
  .option('--json', 'print JSON')
  .action((o: { json?: boolean }) => {
    const rows = listDatasets().map((s) => {
      const p = plantedPlan(s);
      return { name: s.name, count: s.count, dim: s.dim, distance: s.distance, queries: p.queries, k: p.k, top: p.cosines[0]!, kth: p.cosines[p.k - 1]!, contrast: p.contrastTop, bound: p.intrusion, generate: s.generate, description: s.description };
    });
    if (o.json) {
      console.log(JSON.stringify(rows, null, 2));
      return;
    }
    console.log(`${'name'.padEnd(16)}${'points'.padStart(13)}${'dim'.padStart(6)}  ${'distance'.padEnd(8)}${'queries'.padStart(8)}${'k'.padStart(4)}  ${'top..kth cos'.padEnd(13)}${'RC'.padStart(5)}  ${'P(intrusion)'.padEnd(13)}description`);
    for (const r of rows) {
      console.log(
        `${r.name.padEnd(16)}${formatCount(r.count).padStart(13)}${String(r.dim).padStart(6)}  ${r.distance.padEnd(8)}${String(r.queries).padStart(8)}${String(r.k).padStart(4)}  ${`${r.top.toFixed(2)}..${r.kth.toFixed(2)}`.padEnd(13)}${r.contrast.toFixed(2).padStart(5)}  ${`≤ ${r.bound.toExponential(1)}`.padEnd(13)}${r.description}${r.generate ? '' : ' [declared only]'}`,
      );
    }
  });

withDataset(program.command('export').description('points as JSON lines {"id","vector","payload"} on stdout'))
  .addOption(option('--from <i>', 'first id', integer({ min: 0 })).default(0))
  .addOption(option('--count <n>', 'number of points (default: all from --from)', integer({ min: 0 })))
  .action(async (o: DatasetFlags & { from: number; count?: number }) => {
    const spec = specFrom(o);
    const from = o.from;
    const count = o.count ?? spec.count - from;
    if (o.count === undefined) requireGeneratable(spec, o, 'export all of');
    if (from < 0 || count < 0 || from + count > spec.count) throw new UserError(`--from ${from} --count ${count} is outside ${spec.name} (ids 0..${spec.count - 1})`);
    await exportPoints(spec, from, count, process.stdout);
  });

withDataset(program.command('queries').description('planted queries as JSON lines {"id","vector","neighbors","scores"}, best first'))
  .addOption(option('--from <j>', 'first query', integer({ min: 0 })).default(0))
  .addOption(option('--count <n>', 'number of queries (default: all)', integer({ min: 0 })))
  .addOption(option('-k, --k <k>', 'neighbours per query', integer({ min: 1 })).default(10))
  .option('--with-filter', 'add "filter": the payload filter under which the same neighbours are the truth')
  .action(async (o: DatasetFlags & { from: number; count?: number; k: number; withFilter?: boolean }) => {
    const spec = specFrom(o);
    const plan = plantedPlan(spec);
    const { from, k } = o;
    const count = o.count ?? plan.queries - from;
    if (from < 0 || from + count > plan.queries) throw new UserError(`${spec.name} has ${plan.queries} planted queries at this size: ask for --from + --count ≤ ${plan.queries}, or raise --planted-queries`);
    if (k > plan.k) throw new UserError(`--k ${k} is beyond the planted truth of ${spec.name} (k ≤ ${plan.k}): add --planted-k ${k} (to the load too: it changes the data)`);
    await exportQueries(spec, from, count, k, process.stdout, o.withFilter === true);
  });

withDataset(program.command('verify').description('planted truth against exact brute-force kNN; exit 1 under 99.9 % top-k agreement'))
  .addOption(option('-k, --k <k>', 'top-k compared', integer({ min: 1 })).default(10))
  .addOption(option('--workers <n>', 'worker threads (default: cores)', integer({ min: 1 })))
  .addOption(option('--min-agreement <f>', 'required share of equal top-k sets', ratio()).default(0.999))
  .option('--json', 'print the report as JSON')
  .action(async (o: DatasetFlags & { k: number; workers?: number; minAgreement: number; json?: boolean }) => {
    const spec = specFrom(o);
    requireGeneratable(spec, o, 'verify');
    const k = o.k;
    const plan = plantedPlan(spec);
    if (k > plan.k) throw new UserError(`--k ${k} is beyond the planted truth (k ≤ ${plan.k}): add --planted-k ${k}`);
    const min = o.minAgreement;
    if (!o.json) console.log(`verify ${spec.name}: ${formatCount(spec.count)} × ${spec.dim}, ${plan.queries} queries, top-${k}, union bound P(any intrusion) ≤ ${plan.intrusion.toExponential(2)}`);
    const bar = o.json ? undefined : progressReporter({ total: spec.count, unit: 'points scanned' });
    const workers = o.workers;
    const r = await verifyPlanted(spec, k, { ...(workers !== undefined ? { workers } : {}), onProgress: (n) => bar?.update(n) });
    bar?.finish();
    const pass = r.agreement >= min;
    if (o.json) console.log(JSON.stringify({ ...r, minAgreement: min, pass }, null, 2));
    else {
      console.log(`top-${k} sets equal: ${r.setsEqual}/${r.queries} (${(r.agreement * 100).toFixed(2)} %), same order: ${r.orderEqual}/${r.queries}, max |score error| ${r.maxScoreError.toExponential(1)}`);
      console.log(`brute force: ${formatCount(spec.count * r.queries)} similarities in ${r.seconds.toFixed(1)} s`);
      for (const m of r.mismatches) console.log(`  query ${m.query}: planted ${m.planted.join(',')} exact ${m.exact.join(',')}`);
      console.log(pass ? `PASS (≥ ${(min * 100).toFixed(1)} %)` : `FAIL (< ${(min * 100).toFixed(1)} %)`);
    }
    return pass ? ExitCode.Ok : ExitCode.Failed;
  });

withDataset(program.command('bound').description('the probability that a random vector intrudes a planted top-k, at a size and dimension'), '100m-768')
  .addOption(option('-k, --k <k>', 'top-k (default: the dataset planted k)', integer({ min: 1 })))
  .addOption(option('--kth-score <s>', 'k-th planted cosine to evaluate (default: the one the dataset plants at this size)', number()))
  .option('--json', 'print JSON')
  .action((o: DatasetFlags & { k?: number; kthScore?: number; json?: boolean }) => {
    const k = o.k;
    const spec = specFrom(k !== undefined && o.plantedK === undefined ? { ...o, plantedK: k } : o);
    const plan = plantedPlan(spec);
    const kth = o.kthScore ?? plan.cosines[plan.k - 1]!;
    const b = intrusionBound({ count: spec.count, dim: spec.dim, k: plan.k, kthScore: kth, queries: plan.queries, structure: spec.structure });
    if (o.json) {
      console.log(JSON.stringify({ count: spec.count, dim: spec.dim, structure: spec.structure, k: plan.k, queries: plan.queries, kthScore: kth, topScore: plan.cosines[0], contrastTop: plan.contrastTop, contrastKth: plan.contrastKth, ...b }, null, 2));
      return;
    }
    const st = spec.structure;
    console.log(`N = ${formatCount(spec.count)} points, d = ${spec.dim}, k = ${plan.k}, ${plan.queries} planted queries (dataset ${spec.name}, structure ${st.kind === 'hard' ? 'hard: uniform' : `${st.kind}: ${st.clusters} clusters, rank ${st.rank}, center ${st.center}, subspace ${st.subspace}${st.kind === 'manifold' ? "; own cluster kept below the k-th by construction, other clusters' points uniform" : ''}`})`);
    console.log(`planted cosines ${plan.cosines[0]!.toFixed(4)} (nearest) .. ${kth.toFixed(4)} (k-th); relative contrast ${plan.contrastTop.toFixed(2)} .. ${plan.contrastKth.toFixed(2)}`);
    console.log(st.kind === 'clustered' ? `typical best cosine of a point of the query's own cluster = ${b.typicalBestRandom.toFixed(4)}` : `typical best random cosine √(2 ln N / d) = ${b.typicalBestRandom.toFixed(4)}`);
    console.log(`P(<q,x> ≥ ${kth.toFixed(4)}) for one random unit vector: ${b.pointTail.toExponential(3)} exact (½·I_{1−t²}((d−1)/2, ½)), ≤ ${b.pointTailBall.toExponential(3)} (Ball: e^{−d t²/2})`);
    if (b.sameClusterTail !== undefined) console.log(`P(<q,x> ≥ ${kth.toFixed(4)}) for a point of the query's own cluster (probability 1/${st.kind === 'clustered' ? st.clusters : 1}): ≤ ${b.sameClusterTail.toExponential(3)}`);
    console.log(`P(a random vector intrudes one query's top-${plan.k}) ≤ ${st.kind === 'clustered' ? 'E[intruders]' : '(N − k) · tail'} = ${b.perQuery.toExponential(3)}`);
    console.log(`P(any intrusion over all ${plan.queries} queries) ≤ ${b.allQueries.toExponential(3)}`);
    const t99 = (st.kind === 'clustered' ? [kth - 0.1, kth - 0.05, kth + 0.05] : [0.2, 0.25, 0.3, 0.35]).map((t) => `${t.toFixed(2)}: ${intrusionBound({ count: spec.count, dim: spec.dim, k: plan.k, kthScore: t, structure: st, queries: plan.queries }).perQuery.toExponential(1)}`).join(', ');
    console.log(`per-query bound at other k-th cosines: ${t99}`);
  });

withDataset(program.command('load').description('load a dataset into Qdrant (batched, parallel, resumable); --plan prints the recommended config first'))
  .addOption(new Option('-t, --target <kind>', 'local (running stack, or bring one up) or external (VDB_QDRANT_URL)').default('local'))
  .option('--qdrant-url <url>', 'load into this Qdrant URL instead of a target')
  .option('--api-key <key>', 'Qdrant API key (default: the target’s, or VDB_QDRANT_API_KEY)')
  .option('-c, --collection <name>', 'collection (default: the dataset name)')
  .addOption(option('--batch <n>', 'points per upsert', integer({ min: 1 })).default(256))
  .addOption(option('--parallel <n>', 'upserts in flight at most', integer({ min: 1 })).default(4))
  .addOption(option('--generators <n>', 'worker threads generating batches (default: 0 under 200k points, else cores − 1)', integer({ min: 0 })))
  .option('--plan', 'print the recommended collection config and estimates, write nothing')
  .option('--use-plan', 'create the collection with the planned config (default only from 1M points)')
  .addOption(option('--ram <GiB>', 'plan: RAM of the Qdrant node', positive({ unit: 'GiB' })).default(RUNBOOK_MACHINE.ramBytes / 1024 ** 3))
  .addOption(option('--disk <GiB>', 'plan: disk of the Qdrant node', positive({ unit: 'GiB' })).default(RUNBOOK_MACHINE.diskBytes / 1024 ** 3))
  .addOption(option('--cores <n>', 'plan: CPUs of the Qdrant node', integer({ min: 1 })).default(RUNBOOK_MACHINE.cores))
  .addOption(option('--rate <points/s>', 'plan: measured upload rate at this dimension', rate({ unit: 'points' })))
  .option('--no-keep', 'tear down a local stack this command brought up')
  .option('--no-gateway', 'when bringing a local stack up, start only Redis and Qdrant')
  .option('--allow-remote-load', 'allow loading into a host that is not loopback')
  .action(async (o: DatasetFlags & LoadFlags) => {
    const spec = specFrom(o);
    const machine = { ramBytes: o.ram * 1024 ** 3, diskBytes: o.disk * 1024 ** 3, cores: o.cores };
    const assumptions = o.rate !== undefined ? { ...DEFAULT_ASSUMPTIONS, uploadPointsPerSec768: (o.rate * spec.dim) / 768 } : DEFAULT_ASSUMPTIONS;
    const plan = planCollection(spec, machine, assumptions, o.plan ? measureGenerator(spec, 300) : undefined);
    if (o.plan) {
      console.log(renderPlan(plan));
      return;
    }
    requireGeneratable(spec, o, 'load');
    await withQdrant(o, async (url, apiKey) => {
      const collection = o.collection ?? spec.name.replace(/^model-/, '');
      const ac = new AbortController();
      const onSignal = (): void => ac.abort(new UserError('interrupted: run the same command again to resume (ids are deterministic, nothing is duplicated)', ExitCode.Failed));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const bar = progressReporter({ total: spec.count, label: `load ${spec.name} → ${collection}` });
      try {
        const usePlan = o.usePlan === true || spec.count >= 1_000_000;
        const r = await loadDataset({
          qdrantUrl: url,
          apiKey,
          collection,
          spec,
          batchSize: o.batch,
          parallel: o.parallel,
          ...(o.generators !== undefined ? { generators: o.generators } : {}),
          signal: ac.signal,
          ...(usePlan ? { collectionConfig: plan.create } : {}),
          onProgress: (p) => bar.update(p.done),
        });
        bar.finish(
          `${r.created ? 'created' : 'resumed'} ${collection}: ${formatCount(r.finalCount)} points (${formatCount(r.uploaded)} uploaded, ${formatCount(r.skipped)} already there${r.repairedBatches ? `, ${r.repairedBatches} batches repaired` : ''}) in ${r.seconds.toFixed(1)} s, ${formatCount(r.pointsPerSec)} points/s`,
        );
      } catch (err) {
        bar.finish();
        throw ac.signal.aborted ? ac.signal.reason : err;
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  });

interface LoadFlags {
  target: string;
  qdrantUrl?: string;
  apiKey?: string;
  collection?: string;
  batch: number;
  parallel: number;
  generators?: number;
  plan?: boolean;
  usePlan?: boolean;
  ram: number;
  disk: number;
  cores: number;
  rate?: number;
  keep: boolean;
  gateway: boolean;
  allowRemoteLoad?: boolean;
}

async function withQdrant(o: LoadFlags, fn: (url: string, apiKey: string | undefined) => Promise<void>): Promise<void> {
  if (o.qdrantUrl) {
    assertLoadAllowed(o.qdrantUrl, { allowRemoteLoad: o.allowRemoteLoad });
    const apiKey = o.apiKey ?? process.env.VDB_QDRANT_API_KEY;
    await preflightFixturesLoad({ url: o.qdrantUrl, apiKey, urlFlag: true, keyFlag: o.apiKey !== undefined });
    return fn(o.qdrantUrl, apiKey);
  }
  const kind = parseTargetKind(o.target);
  const target: Target = await resolveTarget({ kind, keep: o.keep, gateway: o.gateway, log: (l) => console.error(l) });
  try {
    if (!target.qdrant) throw new UserError(`target ${kind} gives no Qdrant URL: set VDB_QDRANT_URL (and VDB_QDRANT_API_KEY), or pass --qdrant-url`);
    assertLoadAllowed(target.qdrant.url, { allowRemoteLoad: o.allowRemoteLoad });
    const apiKey = o.apiKey ?? target.qdrant.apiKey;
    // the local stack's Qdrant is the suite's own; an external one is what a person configured
    if (kind === 'external') await preflightFixturesLoad({ url: target.qdrant.url, apiKey, urlFlag: false, keyFlag: o.apiKey !== undefined });
    await fn(target.qdrant.url, apiKey);
  } finally {
    await target.release();
  }
}

program
  .command('difficulty')
  .description('measure LID, relative contrast and the recall@10-vs-hnsw_ef curve of a default HNSW, for the real reference set and synthetic datasets side by side')
  .option('-d, --dataset <list>', 'comma list: reference, a dataset name, or name/hard | name/clustered for a structure', 'reference,model-general,model-general/hard,medium-768,medium-768/hard')
  .addOption(option('--size <n>', 'points per dataset (the reference set: its first n)', integer({ min: 100 })).default(20000))
  .addOption(option('--queries <n>', 'queries per dataset', integer({ min: 1 })).default(200))
  .option('--ef <list>', 'hnsw_ef values of the recall curve', '10,16,32,64,128,256')
  .option('--reference-dir <dir>', 'a reference set built by fixtures/reference/bin/build (default: the largest built in fixtures/reference/.cache)')
  .option('--qdrant-url <url>', 'the engine (default: VDB_QDRANT_URL, else a qdrant started for this run in a temp dir)')
  .option('--no-recall', 'skip the engine: LID and contrast only')
  .addOption(option('--contrast <c>', 'synthetic sets: override the nearest neighbour\'s relative contrast', number()))
  .addOption(option('--clusters <n>', 'synthetic sets: override the clusters (implies clustered)', integer({ min: 1 })))
  .addOption(option('--rank <r>', 'synthetic sets: override the cluster rank', integer({ min: 2 })))
  .addOption(option('--center <w>', 'synthetic sets: override the centre weight', ratio()))
  .addOption(option('--subspace <w>', 'synthetic sets: override the subspace weight', ratio()))
  .option('--json', 'print JSON')
  .action(async (o: { dataset: string; size: number; queries: number; ef: string; referenceDir?: string; qdrantUrl?: string; recall: boolean; json?: boolean; contrast?: number; clusters?: number; rank?: number; center?: number; subspace?: number }) => {
    const tune: DatasetOverrides = {};
    for (const key of ['contrast', 'clusters', 'rank', 'center', 'subspace'] as const) if (o[key] !== undefined) tune[key] = o[key];
    const efs = o.ef.split(',').map((x) => Number(x.trim()));
    if (efs.some((x) => !Number.isInteger(x) || x < 1)) throw new UserError(`--ef takes positive integers separated by commas, got ${o.ef}`);
    const sources: DifficultySource[] = [];
    for (const raw of o.dataset.split(',').map((x) => x.trim()).filter(Boolean)) {
      if (raw === 'reference') {
        const dir = findReference(o.referenceDir);
        if (!dir && o.referenceDir) throw new UserError(`--reference-dir ${o.referenceDir} holds no complete reference set (no meta.json): build one there (fixtures/reference/bin/build --out ${o.referenceDir}) or drop the flag`);
        if (!dir) {
          console.error(`reference set: none built in ${relative(process.cwd(), REFERENCE_CACHE) || REFERENCE_CACHE}, skipped (build one: fixtures/reference/bin/build --size 20000, a few minutes; the first run also installs torch)`);
          continue;
        }
        const ref = referenceSource(dir, o.size, o.queries);
        if (!o.json) console.error(`reference set: ${dir} (${ref.meta.count} points${ref.count < ref.meta.count ? `, its first ${ref.count} measured` : ''})`);
        sources.push(ref);
        continue;
      }
      const [name, structure] = raw.split('/');
      if (structure !== undefined && structure !== 'hard' && structure !== 'clustered' && structure !== 'manifold') throw new UserError(`--dataset ${raw}: the structure after / is hard, clustered or manifold`);
      const spec = getDataset(name!, { size: o.size, queries: o.queries, ...(structure ? { structure } : {}), ...(name!.startsWith('model-') ? { dim: 384 } : {}), ...tune });
      sources.push(generatedSource(spec, `${spec.name}/${spec.structure.kind}`, o.queries));
    }
    if (sources.length === 0) throw new UserError('no dataset to measure: pass --dataset, or build the reference set (fixtures/reference/bin/build)');
    const engine = o.recall ? await difficultyEngine(o.qdrantUrl) : undefined;
    const rows: Array<{ dataset: string; count: number; dim: number; lid: number; rc1: number; rc10: number; truthAgrees?: number; queries: number; curve?: RecallCurve }> = [];
    try {
      for (const src of sources) {
        const t0 = performance.now();
        const ex = exactStats(src);
        if (!o.json) console.error(`  ${src.name}: exact scan in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
        const row: (typeof rows)[number] = { dataset: src.name, count: src.count, dim: src.dim, lid: ex.lid, rc1: ex.rc1, rc10: ex.rc10, queries: ex.top10.length };
        if (ex.truthAgrees !== undefined) row.truthAgrees = ex.truthAgrees;
        if (engine) row.curve = await recallCurve({ url: engine.url, ...(engine.apiKey ? { apiKey: engine.apiKey } : {}), collection: `difficulty-${sources.indexOf(src)}`, src, top10: ex.top10, ef: efs, onLog: (l) => !o.json && console.error(l) });
        rows.push(row);
      }
    } finally {
      await engine?.stop();
    }
    if (o.json) {
      console.log(JSON.stringify({ engine: engine?.name, hnsw: DEFAULT_HNSW_COLLECTION, rows }, null, 2));
      return;
    }
    console.log(`difficulty: LID (MLE, k = 20, 200 sample points), relative contrast of the 1st/10th neighbour, recall@10 of a default HNSW (m 16, ef_construct 100) on ${engine?.name ?? 'no engine'}`);
    console.log(`${'dataset'.padEnd(34)}${'points'.padStart(8)}${'dim'.padStart(5)}${'LID'.padStart(7)}${'RC@1'.padStart(7)}${'RC@10'.padStart(7)}  truth  recall@10 at hnsw_ef ${efs.join(' / ')}`);
    for (const r of rows) {
      const truth = r.truthAgrees === undefined ? '  -  ' : `${r.truthAgrees}/${r.queries}`.padStart(5);
      const curve = r.curve ? r.curve.recall.map((x) => x.toFixed(3)).join(' / ') : '(not measured)';
      console.log(`${r.dataset.padEnd(34)}${String(r.count).padStart(8)}${String(r.dim).padStart(5)}${r.lid.toFixed(1).padStart(7)}${r.rc1.toFixed(2).padStart(7)}${r.rc10.toFixed(2).padStart(7)}  ${truth}  ${curve}`);
    }
  });

async function difficultyEngine(url?: string): Promise<{ url: string; apiKey?: string; name: string; stop(): Promise<void> }> {
  const given = url ?? process.env.VDB_QDRANT_URL;
  if (given) {
    assertLoadAllowed(given, { allowRemoteLoad: false });
    const apiKey = process.env.VDB_QDRANT_API_KEY;
    return { url: given, ...(apiKey ? { apiKey } : {}), name: given, stop: async () => {} };
  }
  const dir = mkdtempSync(join(tmpdir(), 'vdb-difficulty-'));
  const q = await startQdrant({ storagePath: join(dir, 'storage'), logPath: join(dir, 'qdrant.log') });
  return {
    url: q.info.url,
    name: `${q.info.engine} ${q.info.version}`,
    stop: async () => {
      await q.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

program
  .command('manifest')
  .description('check that fixtures/manifest.yaml and its TypeScript mirror agree')
  .action(() => {
    const diff = checkManifestMirror();
    if (diff) {
      console.log(`fixtures/manifest.yaml and fixtures/src/manifest.ts differ: ${diff}`);
      return ExitCode.Failed;
    }
    console.log('manifest.yaml and manifest.ts agree');
    return ExitCode.Ok;
  });

await runCli(program);

