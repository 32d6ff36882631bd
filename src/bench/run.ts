/**
 * One bench run: resolve where to send → prebuild the workload → preflight one request → drive
 * (open or closed loop) → aggregate with gates → write results.json. Flow of `npm run bench`.
 */
import { request } from 'undici';
import { assertLoadAllowed, resolveTarget } from '../targets/index.ts';
import { UnreachableError, UserError, errorMessage } from '../util/errors.ts';
import { newRunId } from '../results/run-dir.ts';
import { ResultsStore } from '../results/store.ts';
import type { BenchResults } from '../results/bench.ts';
import type { Endpoint } from '../targets/index.ts';
import { redactUrl } from '../util/redact.ts';
import { reportsOutDir } from '../util/paths.ts';
import { runFiles } from '../../reports/render/index.ts';
import { aggregate } from './aggregate.ts';
import { runClosedLoop } from './closed-loop.ts';
import { startDriverMonitor } from './driver-check.ts';
import { fixturesQuerySource } from './fixtures-source.ts';
import { parseMix } from './mix.ts';
import type { MixEntry } from './mix.ts';
import { OpenLoopDriver } from './open-loop.ts';
import type { BenchOptions } from './options.ts';
import { RunRecorder } from './recorder.ts';
import { authHeaders, extractIds } from './search-contract.ts';
import type { SearchApi } from './search-contract.ts';
import { buildWorkload } from './workload.ts';
import type { QuerySource, Workload } from './workload.ts';

export interface RunBenchDeps {
  source?: QuerySource;
  log?: (line: string) => void;
}

const PREFLIGHT_TIMEOUT_MS = 10_000;

async function withEndpoint<T>(opts: BenchOptions, fn: (e: Endpoint) => Promise<T>): Promise<T> {
  if (opts.url) {
    const envKey = opts.api === 'gateway' ? process.env.VDB_API_KEY : (process.env.VDB_QDRANT_API_KEY ?? process.env.VDB_API_KEY);
    return fn({ url: opts.url, apiKey: opts.apiKey ?? envKey });
  }
  const target = await resolveTarget({ kind: opts.target, gateway: opts.api === 'gateway' });
  try {
    const ep = opts.api === 'gateway' ? target.gateway : target.qdrant;
    if (!ep) throw new UserError(`target ${opts.target} has no ${opts.api} URL: pass --url, or --api ${opts.api === 'gateway' ? 'qdrant' : 'gateway'}`);
    return await fn({ url: ep.url, apiKey: opts.apiKey ?? ep.apiKey });
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

export async function runBench(opts: BenchOptions, deps: RunBenchDeps = {}): Promise<{ results: BenchResults; path: string }> {
  const log = deps.log ?? (() => {});
  const source = deps.source ?? fixturesQuerySource({ size: opts.size, dim: opts.dim, seed: opts.seed });
  return withEndpoint(opts, async (ep) => {
    assertLoadAllowed(ep.url, { allowRemoteLoad: opts.allowRemoteLoad });
    const entries = mixEntries(opts);
    const basePath = new URL(ep.url).pathname.replace(/\/$/, '');
    const workload = buildWorkload(entries, source, { api: opts.api, k: opts.k, queries: opts.queries, basePath });
    const headers = authHeaders(opts.api, ep.apiKey);
    await preflight(ep.url, opts.api, headers, workload);
    log(`prepared ${workload.queries.length} queries; ${opts.mode} loop against ${redactUrl(ep.url)} for ${opts.warmupS} s warmup + ${opts.durationS} s`);

    const runId = newRunId('bench');
    const startedAt = new Date();
    const recorder = new RunRecorder(workload);
    const monitor = startDriverMonitor();
    let elapsedS: number;
    let closedLoop: Record<string, unknown> | undefined;
    let timing = null;
    if (opts.mode === 'open') {
      const driver = new OpenLoopDriver(workload, recorder, { url: new URL(ep.url).origin, headers, rate: opts.rate, connections: opts.connections, durationS: opts.durationS, warmupS: opts.warmupS, timeoutMs: opts.timeoutMs, spinMs: opts.spinMs, napUs: opts.napUs, client: opts.client });
      timing = await driver.run();
      elapsedS = Math.max(opts.durationS, (recorder.lastDoneMs - recorder.originMs) / 1000);
    } else {
      const out = await runClosedLoop(workload, recorder, { url: ep.url, headers, connections: opts.connections, durationS: opts.durationS, warmupS: opts.warmupS, timeoutMs: opts.timeoutMs });
      elapsedS = out.wallMs / 1000;
      closedLoop = { autocannon: out.autocannon };
    }
    const check = monitor.stop(timing ? timing.dispatched : recorder.total.requests, timing, opts.mode === 'open' ? opts.spinMs : 0);
    const { apiKey: _omit, ...params } = opts;
    const results = aggregate({
      runId,
      startedAt,
      finishedAt: new Date(),
      mode: opts.mode,
      params: { ...params, url: redactUrl(ep.url), mix: entries },
      target: { url: redactUrl(ep.url), api: opts.api },
      workload,
      recorder,
      elapsedS,
      driver: { ...check },
      closedLoop,
      profile: opts.profile,
    });
    const store = await ResultsStore.create(runId, opts.outDir ?? reportsOutDir());
    await store.save(results);
    for (const [name, content] of Object.entries(runFiles(results))) await store.writeFile(name, content);
    return { results, path: store.path };
  });
}
