/** The engine bench: load in slices at each concurrency, wait for the index, search at each concurrency, compare with Python. */
import { setTimeout as sleep } from 'node:timers/promises';
import { QdrantClient } from '@qdrant/js-client-rest';
import { smokeDataset } from '../../tests/helpers/dataset.ts';
import { PersonError } from '../../tests/helpers/errors.ts';
import { ensureVenv } from '../../tests/helpers/server.ts';
import type { EngineBenchOptions } from './options.ts';
import { runPythonUpload } from './python-upload.ts';
import type { PythonUploadFigures } from './python-upload.ts';
import { runSearch } from './search.ts';
import type { SearchFigures } from './search.ts';
import { batchBodies, runUpsert } from './upsert.ts';
import type { UpsertFigures } from './upsert.ts';

export const COLLECTION = 'bench-engine';
const INDEX_TIMEOUT_S = 30 * 60;

export interface EngineBenchResults {
  schema: 'vdb-readiness/bench-engine@1';
  engine: string;
  version: string;
  url: string;
  size: number;
  dim: number;
  batch: number;
  upsert: UpsertFigures[];
  indexSeconds: number;
  indexedVectors: number;
  pointsCount: number;
  search: SearchFigures[];
  python?: PythonUploadFigures;
  pythonSkipped?: string;
}

/** Splits [0, size) into one slice per concurrency level, whole batches each. */
export function slices(size: number, levels: number, batch: number): Array<{ from: number; to: number }> {
  const batches = Math.ceil(size / batch);
  const out: Array<{ from: number; to: number }> = [];
  for (let l = 0; l < levels; l++) {
    const from = Math.min(size, Math.round((batches * l) / levels) * batch);
    const to = Math.min(size, Math.round((batches * (l + 1)) / levels) * batch);
    out.push({ from, to });
  }
  return out;
}

async function waitIndexed(client: QdrantClient, log: (s: string) => void): Promise<{ seconds: number; indexed: number; points: number }> {
  const started = performance.now();
  for (;;) {
    // An engine busy indexing may answer late or not at all for a while: keep polling.
    const info = await client.getCollection(COLLECTION).catch(() => undefined);
    const seconds = (performance.now() - started) / 1000;
    if (!info) {
      if (seconds > INDEX_TIMEOUT_S) throw new PersonError(`the engine stopped answering while indexing (${INDEX_TIMEOUT_S} s): see its log`);
      await sleep(5000);
      continue;
    }
    if (info.status === 'green') return { seconds, indexed: info.indexed_vectors_count ?? 0, points: info.points_count ?? 0 };
    if (seconds > INDEX_TIMEOUT_S) throw new PersonError(`the collection was not indexed after ${INDEX_TIMEOUT_S} s: see the engine's log`);
    log(`  indexing… ${Math.round(seconds)} s, ${info.indexed_vectors_count ?? 0} of ${info.points_count ?? 0} vectors indexed`);
    await sleep(5000);
  }
}

/** qdrant-local's venv python (bin/ensure-venv makes it if needed), or why there is none. */
async function pythonOrReason(): Promise<{ path: string; reason?: undefined } | { path?: undefined; reason: string }> {
  try {
    return { path: await ensureVenv() };
  } catch (err) {
    if (err instanceof PersonError) return { reason: `no qdrant-local venv (${err.message})` };
    throw err;
  }
}

export async function runEngineBench(opts: EngineBenchOptions, target: { url: string; apiKey?: string; engine: string; version: string }, log: (s: string) => void): Promise<EngineBenchResults> {
  const spec = smokeDataset({ count: opts.size, dim: opts.dim });
  const client = new QdrantClient({ url: target.url, apiKey: target.apiKey, checkCompatibility: false, timeout: 600_000 });
  const results: EngineBenchResults = {
    schema: 'vdb-readiness/bench-engine@1',
    url: target.url,
    engine: target.engine,
    version: target.version,
    size: opts.size,
    dim: opts.dim,
    batch: opts.batch,
    upsert: [],
    indexSeconds: 0,
    indexedVectors: 0,
    pointsCount: 0,
    search: [],
  };

  // Python first, on its own collection (deleted at once, before it gets indexed), so its load
  // does not overlap the Node figures. Its qdrant-client is the one in qdrant-local's venv.
  if (!opts.python) results.pythonSkipped = '--no-python';
  else {
    const python = await pythonOrReason();
    if (python.reason !== undefined) results.pythonSkipped = python.reason;
    else {
      log(`Python qdrant-client: uploading ${opts.size} points…`);
      results.python = await runPythonUpload(python.path, target.url, target.apiKey, spec, opts.size, opts.batch);
    }
  }

  if (await client.collectionExists(COLLECTION).then((r) => r.exists)) await client.deleteCollection(COLLECTION);
  await client.createCollection(COLLECTION, { vectors: { size: opts.dim, distance: 'Cosine' } });
  // Every body is generated before the first request: a pause between levels would let the
  // engine start indexing, and the next level would measure the index build instead.
  const parts = slices(opts.size, opts.concurrency.length, opts.batch);
  const bodies = parts.map((range) => batchBodies(spec, range, opts.batch));
  for (const [l, concurrency] of opts.concurrency.entries()) {
    log(`upsert: ids ${parts[l]!.from}..${parts[l]!.to} with ${concurrency} clients…`);
    results.upsert.push(await runUpsert(client, COLLECTION, bodies[l]!, concurrency));
  }
  log('waiting for the index (status green)…');
  const indexed = await waitIndexed(client, log);
  results.indexSeconds = indexed.seconds;
  results.indexedVectors = indexed.indexed;
  results.pointsCount = indexed.points;
  for (const concurrency of opts.concurrency) {
    log(`search: ${concurrency} clients for ${opts.searchSeconds} s…`);
    results.search.push(await runSearch(client, COLLECTION, spec, { concurrency, seconds: opts.searchSeconds, maxQueries: opts.maxQueries }));
  }
  await client.deleteCollection(COLLECTION);
  return results;
}
