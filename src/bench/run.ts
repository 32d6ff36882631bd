/**
 * One bench run: resolve where to send → prebuild the workload → preflight one request → drive
 * (open or closed loop) → aggregate with gates → write results.json. Flow of `npm run bench`.
 */
import { request } from 'undici';
import { SCENARIOS } from '../../scenarios/definitions.ts';
import { shapeDurationS } from '../../scenarios/model.ts';
import { gateProfile } from '../gates/definitions.ts';
import { assertLoadAllowed, resolveTarget } from '../targets/index.ts';
import { UnreachableError, UserError, errorMessage } from '../util/errors.ts';
import { newRunId } from '../results/run-dir.ts';
import { ResultsStore } from '../results/store.ts';
import type { BenchResults } from '../results/bench.ts';
import type { Endpoint, Target } from '../targets/index.ts';
import { redactUrl } from '../util/redact.ts';
import { reportsOutDir } from '../util/paths.ts';
import { runFiles } from '../../reports/render/index.ts';
import { aggregate } from './aggregate.ts';
import { runClosedLoop, runPerVuIterations } from './closed-loop.ts';
import { SEND_LAG_WARN_MS, startDriverMonitor } from './driver-check.ts';
import { startDriverPool } from './driver-pool.ts';
import type { DriverPool, WorkerFigures } from './driver-pool.ts';
import { fixturesQuerySource } from './fixtures-source.ts';
import { parseMix } from './mix.ts';
import type { MixEntry } from './mix.ts';
import { OpenLoopDriver } from './open-loop.ts';
import type { DriverTiming } from './open-loop.ts';
import type { BenchOptions } from './options.ts';
import { RunRecorder } from './recorder.ts';
import { gatewayModels, mixWarning, modelWorkloadSource, scenarioPlan, seedTargetModels } from './scenario.ts';
import { authHeaders, extractIds } from './search-contract.ts';
import type { SearchApi } from './search-contract.ts';
import { buildWorkload } from './workload.ts';
import { startSoakSampling, withResources } from '../soak/run.ts';
import { searchParamsInForce, sweepHnswEf } from './search-params.ts';
import type { QuerySource, Workload } from './workload.ts';

export interface RunBenchDeps {
  source?: QuerySource;
  log?: (line: string) => void;
}

const PREFLIGHT_TIMEOUT_MS = 10_000;

async function withEndpoint<T>(opts: BenchOptions, fn: (e: Endpoint, target?: Target) => Promise<T>): Promise<T> {
  if (opts.url) {
    const envKey = opts.api === 'gateway' ? process.env.VDB_API_KEY : (process.env.VDB_QDRANT_API_KEY ?? process.env.VDB_API_KEY);
    return fn({ url: opts.url, apiKey: opts.apiKey ?? envKey });
  }
  const target = await resolveTarget({ kind: opts.target, gateway: opts.api === 'gateway' });
  try {
    const ep = opts.api === 'gateway' ? target.gateway : target.qdrant;
    if (!ep) throw new UserError(`target ${opts.target} has no ${opts.api} URL: pass --url, or --api ${opts.api === 'gateway' ? 'qdrant' : 'gateway'}`);
    return await fn({ url: ep.url, apiKey: opts.apiKey ?? ep.apiKey }, target);
  } finally {
    await target.release();
  }
}

export function mixEntries(opts: BenchOptions): MixEntry[] {
  if (opts.mix) return parseMix(opts.mix, opts.dataset);
  return [{ collection: opts.collection ?? opts.dataset.replace(/^model-/, ''), dataset: opts.dataset, weight: 1 }];
}

/** One real request before the load, so a wrong URL, key or collection is one clear line. */
async function preflight(url: string, api: SearchApi, headers: Record<string, string>, w: Workload): Promise<void> {
  const q = w.queries[0]!;
  const target = new URL(url);
  let res;
  try {
    res = await request(new URL(q.path, target.origin), { method: 'POST', headers, body: q.body, headersTimeout: PREFLIGHT_TIMEOUT_MS, bodyTimeout: PREFLIGHT_TIMEOUT_MS });
  } catch (err) {
    throw new UnreachableError(`cannot reach ${target.origin} (${errorMessage(err)}): start the server, or check --url / --target`);
  }
  const text = await res.body.text();
  const collection = w.entries[q.entry]!.collection;
  if (res.statusCode === 401 || res.statusCode === 403) {
    throw new UserError(`${target.origin} refused the API key (HTTP ${res.statusCode}): set ${api === 'gateway' ? 'VDB_API_KEY' : 'VDB_QDRANT_API_KEY'} or pass --api-key`);
  }
  if (res.statusCode === 404) {
    throw new UserError(`collection "${collection}" not found at ${target.origin} (HTTP 404): load it with npm run fixtures -- load --dataset ${w.entries[q.entry]!.dataset}, or check --api (${api})`);
  }
  if (res.statusCode >= 300) throw new UserError(`search preflight on "${collection}" answered HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
  let ids: string[] | null = null;
  try {
    ids = extractIds(JSON.parse(text));
  } catch {
    ids = null;
  }
  if (!ids) throw new UserError(`search preflight on "${collection}": the answer has no list of hits with ids (is --api ${api} right?): ${text.slice(0, 200)}`);
}

/** What to search: the options' mix, or (a scenario without one) the gateway's model collections, seeded on the local stack. */
async function searchPlan(opts: BenchOptions, ep: Endpoint, target: Target | undefined, deps: RunBenchDeps, log: (l: string) => void): Promise<{ entries: MixEntry[]; source: QuerySource }> {
  if (!opts.modelCollections) return { entries: mixEntries(opts), source: deps.source ?? fixturesQuerySource({ size: opts.size, dim: opts.dim, seed: opts.seed }) };
  if (opts.api !== 'gateway') throw new UserError('--scenario searches the gateway\'s model collections: use --api gateway, or give --dataset / --mix');
  const models = await gatewayModels(ep.url, ep.apiKey);
  if (target) await seedTargetModels(target, models, log);
  const plan = modelWorkloadSource(models);
  return deps.source ? { ...plan, source: deps.source } : plan;
}

interface Driven {
  mode: 'open' | 'closed';
  elapsedS: number;
  timing: DriverTiming | null;
  closedLoop?: Record<string, unknown>;
  /** Scenario runs: the options as the shape set them, for params. */
  shape?: Record<string, unknown>;
  /** `--workers`: each driver thread's own figures. */
  perWorker?: WorkerFigures[];
  notes: string[];
}

const openLoopCommon = (opts: BenchOptions, url: string, headers: Record<string, string>) =>
  ({ url: new URL(url).origin, headers, connections: opts.connections, timeoutMs: opts.timeoutMs, spinMs: opts.spinMs, napUs: opts.napUs, client: opts.client });

/** Drives the load: the options' open or closed loop (on `pool`'s threads when given), or the scenario's shape. */
async function drive(opts: BenchOptions, workload: Workload, recorder: RunRecorder, url: string, headers: Record<string, string>, log: (l: string) => void, pool: DriverPool | null): Promise<Driven> {
  const common = openLoopCommon(opts, url, headers);
  const def = opts.scenario ? SCENARIOS[opts.scenario] : undefined;
  if (def) {
    const plan = scenarioPlan(def, gateProfile(opts.profile), { rateScale: opts.rateScale, durationScale: opts.durationScale });
    if (plan.kind === 'per-vu') {
      log(`scenario ${def.name} (${def.executor}): ${plan.vus} VU(s) × ${plan.iterations} iterations, at most ${plan.maxDurationS} s`);
      const out = await runPerVuIterations(workload, recorder, { url, headers, vus: plan.vus, iterations: plan.iterations, maxDurationS: plan.maxDurationS, timeoutMs: opts.timeoutMs });
      const notes = out.notStarted > 0 ? [`${out.notStarted} iteration(s) not started within the scenario's ${plan.maxDurationS} s`] : [];
      return { mode: 'closed', elapsedS: out.wallMs / 1000, timing: null, shape: { mode: 'closed', vus: plan.vus, iterations: plan.iterations, durationS: plan.maxDurationS }, notes };
    }
    log(`scenario ${def.name} (${def.executor}): ${plan.schedule.total} requests over ${plan.durationS} s, up to ${plan.schedule.peakPerS}/s`);
    const driver = new OpenLoopDriver(workload, recorder, { ...common, rate: plan.schedule.peakPerS, durationS: plan.durationS, warmupS: 0, schedule: plan.schedule });
    const timing = await driver.run();
    const elapsedS = Math.max(plan.durationS, (recorder.lastDoneMs - recorder.originMs) / 1000);
    return { mode: 'open', elapsedS, timing, shape: { mode: 'open', rate: plan.schedule.peakPerS, durationS: plan.durationS, requests: plan.schedule.total }, notes: [] };
  }
  if (opts.mode === 'open' && pool) {
    const { timing, perWorker } = await pool.run(recorder);
    return { mode: 'open', elapsedS: Math.max(opts.durationS, (recorder.lastDoneMs - recorder.originMs) / 1000), timing, perWorker, notes: [] };
  }
  if (opts.mode === 'open') {
    const driver = new OpenLoopDriver(workload, recorder, { ...common, rate: opts.rate, durationS: opts.durationS, warmupS: opts.warmupS });
    const timing = await driver.run();
    return { mode: 'open', elapsedS: Math.max(opts.durationS, (recorder.lastDoneMs - recorder.originMs) / 1000), timing, notes: [] };
  }
  const out = await runClosedLoop(workload, recorder, { url, headers, connections: opts.connections, durationS: opts.durationS, warmupS: opts.warmupS, timeoutMs: opts.timeoutMs });
  return { mode: 'closed', elapsedS: out.wallMs / 1000, timing: null, closedLoop: { autocannon: out.autocannon }, notes: [] };
}

export async function runBench(opts: BenchOptions, deps: RunBenchDeps = {}): Promise<{ results: BenchResults; path: string }> {
  const log = deps.log ?? (() => {});
  return withEndpoint(opts, async (ep, target) => {
    assertLoadAllowed(ep.url, { allowRemoteLoad: opts.allowRemoteLoad });
    const { entries, source } = await searchPlan(opts, ep, target, deps, log);
    const basePath = new URL(ep.url).pathname.replace(/\/$/, '');
    const sent = opts.hnswEf !== undefined ? { hnsw_ef: opts.hnswEf } : {};
    const workload = buildWorkload(entries, source, { api: opts.api, k: opts.k, queries: opts.queries, basePath, searchParams: sent });
    const headers = authHeaders(opts.api, ep.apiKey);
    await preflight(ep.url, opts.api, headers, workload);
    const def = opts.scenario ? SCENARIOS[opts.scenario] : undefined;
    if (!def) log(`prepared ${workload.queries.length} queries; ${opts.mode} loop against ${redactUrl(ep.url)} for ${opts.warmupS} s warmup + ${opts.durationS} s`);
    else log(`prepared ${workload.queries.length} queries of ${entries.length} collection(s); scenario ${def.name} against ${redactUrl(ep.url)}, profile ${opts.profile}`);

    const runId = newRunId('bench');
    const startedAt = new Date();
    const recorder = new RunRecorder(workload);
    // the engine behind the searches: the Qdrant API itself, or the target's Qdrant behind a gateway
    const qdrant: Endpoint | undefined = opts.api === 'qdrant' ? ep : target?.qdrant ? { url: target.qdrant.url, apiKey: target.qdrant.apiKey } : undefined;
    // a soak run samples the gateway's, the engine's and Redis's resources beside the load (src/soak)
    const soak = def?.name === 'soak'
      ? await startSoakSampling({ gateway: opts.api === 'gateway' ? ep : undefined, qdrant, target, plannedS: shapeDurationS(def, gateProfile(opts.profile), { rateScale: opts.rateScale, durationScale: opts.durationScale }), log })
      : null;
    // started (and waited for) before the monitor: what threads cost to start is not the run's
    const pool = opts.workers > 1 ? await startDriverPool(workload, { ...openLoopCommon(opts, ep.url, headers), rate: opts.rate, durationS: opts.durationS, warmupS: opts.warmupS }, opts.workers) : null;
    const monitor = startDriverMonitor();
    let driven: Driven;
    try {
      driven = await drive(opts, workload, recorder, ep.url, headers, log, pool);
    } catch (err) {
      await pool?.close();
      await soak?.stop();
      throw err;
    }
    const check = monitor.stop(driven.timing ? driven.timing.dispatched : recorder.total.requests, driven.timing, driven.mode === 'open' ? opts.spinMs : 0);
    for (const w of driven.perWorker ?? []) {
      if (w.send_lag_ms.p99 > SEND_LAG_WARN_MS) check.warnings.push(`driver worker ${w.worker}: 1 % of its sends started > ${w.send_lag_ms.p99} ms late with a connection free (the driver was slow): fewer --workers than cores, or a lower --rate`);
    }
    const sampled = soak ? await soak.stop() : null;
    const { apiKey: _omit, ...params } = opts;
    const searchParams = await Promise.all(entries.map((e) => searchParamsInForce(qdrant, e.collection, sent)));
    const scenarioWarnings = def ? [mixWarning(def), ...driven.notes].filter((w): w is string => w !== null) : [];
    const aggregated = aggregate({
      runId,
      startedAt,
      finishedAt: new Date(),
      mode: driven.mode,
      params: { ...params, ...driven.shape, url: redactUrl(ep.url), mix: entries },
      target: { url: redactUrl(ep.url), api: opts.api },
      workload,
      recorder,
      elapsedS: driven.elapsedS,
      driver: { ...check, ...(driven.perWorker ? { workers: driven.perWorker } : {}) },
      closedLoop: driven.closedLoop,
      profile: opts.profile,
      ...(def ? { scenario: { name: def.name, closedLoop: `${def.executor}, sequential clients`, warnings: scenarioWarnings } } : {}),
      searchParams,
    });
    const results = sampled ? withResources(aggregated, sampled, startedAt, opts.profile) : aggregated;
    if (opts.sweep === 'hnsw_ef') {
      if (!qdrant) throw new UserError('--sweep hnsw_ef searches Qdrant directly: use --api qdrant with --url, or a target with a Qdrant URL');
      log(`sweeping hnsw_ef over ${workload.queries.length} queries, one at a time`);
      results.hnsw_ef_sweep = await sweepHnswEf({ qdrant, entries, source, k: opts.k, queries: opts.queries, profile: opts.profile, log });
    }
    if (def) {
      const judged = new Set(results.gates.results.map((g) => g.name));
      const unjudged = def.gates.filter((g) => !judged.has(g));
      if (unjudged.length) results.warnings.push(`gate(s) ${unjudged.join(', ')} of scenario ${def.name} not judged by the built-in driver (${driven.mode === 'closed' ? 'closed-loop latency, or ' : ''}not measured here): k6 judges them (npm run k6 -- ${def.name})`);
    }
    const store = await ResultsStore.create(runId, opts.outDir ?? reportsOutDir());
    await store.save(results);
    for (const [name, content] of Object.entries(runFiles(results))) await store.writeFile(name, content);
    return { results, path: store.path };
  });
}
