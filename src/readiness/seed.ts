import { queryAt, seedSpecForModel, vectorAt } from '../../fixtures/src/index.ts';
import type { DatasetSpec, Distance } from '../../fixtures/src/index.ts';
import { seedCollection } from '../../fixtures/src/node/loader.ts';
import { QdrantRest } from '../../fixtures/src/node/qdrant-rest.ts';
import { errorMessage } from '../util/errors.ts';
import type { GatewayClient, ModelInfo } from './gateway-client.ts';

const SEED_PARALLEL = 3;
const DISTANCES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid'];

/**
 * The suite's fixture for a model: the collection's dimension and distance (a Dot collection
 * cannot take a Cosine dataset), the generator's per-model seed. Specs and the seeder share it.
 */
export function fixtureSpec(m: { name: string; dimension: number; distance: string }): DatasetSpec {
  const distance = DISTANCES.find((d) => d.toLowerCase() === m.distance.toLowerCase());
  return seedSpecForModel(m.name, m.dimension, distance ? { distance } : {});
}

/**
 * Seeds the suite's small fixture into every model collection (local and containers targets):
 * the same generator and loader as `npm run fixtures -- load`, resumable, so a reused stack is
 * topped up, not duplicated.
 */
export async function seedModels(qdrant: { url: string; apiKey?: string }, models: ModelInfo[], log: (l: string) => void): Promise<void> {
  const t0 = performance.now();
  let points = 0;
  // A few collections at once: each is its own engine worker, so their writes overlap.
  const queue = [...models];
  const worker = async (): Promise<void> => {
    for (let m = queue.shift(); m; m = queue.shift()) {
      const r = await seedCollection({ qdrantUrl: qdrant.url, apiKey: qdrant.apiKey, collection: m.collection, dim: m.dimension, spec: fixtureSpec(m) });
      points += r.uploaded;
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEED_PARALLEL, queue.length) }, worker));
  log(`seeded ${models.length} model collections (${points} points written) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  await waitIndexed(qdrant, models, log);
}

/** How long the runner waits for the engine to index what it just seeded. */
const INDEX_WAIT_MS = 120_000;
/** Statuses the optimizer will not leave by itself: the wait is over. */
const SETTLED = new Set(['green', 'grey', 'red']);

/**
 * After a load the engine optimizes (builds the index; Qdrant says `yellow`) before it reports
 * `green`. The specs check the steady state, as an operator would after a load: wait for it,
 * bounded. `grey` (optimizations pending: a Qdrant restarted on existing storage says so until
 * the next update) is a steady state too: waiting for green would never end. `red` ends the wait
 * at once. A collection still yellow at the deadline is left for the specs to report.
 */
export async function waitIndexed(qdrant: { url: string; apiKey?: string }, models: ModelInfo[], log: (l: string) => void): Promise<void> {
  const t0 = performance.now();
  const pending = new Set(models.map((m) => m.collection));
  const client = new QdrantRest({ url: qdrant.url, apiKey: qdrant.apiKey, connections: 1, timeoutMs: 5000 });
  try {
    while (pending.size > 0 && performance.now() - t0 < INDEX_WAIT_MS) {
      for (const c of [...pending]) {
        const info = await client.collectionInfo(c).catch(() => null);
        if (info?.status && SETTLED.has(info.status)) pending.delete(c);
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    await client.close();
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (pending.size > 0) log(`not indexed after ${secs} s: ${[...pending].join(', ')} (the model checks will say so)`);
  else if (performance.now() - t0 > 1000) log(`collections settled (green or grey) after ${secs} s`);
}

/**
 * Models whose collection holds the suite's fixture: the planted nearest neighbour of query 0
 * exists with the fixture's vector. For those, specs can check the search answers themselves.
 */
export async function detectFixtureModels(gw: GatewayClient, models: ModelInfo[], notes: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const m of models) {
    try {
      const spec = fixtureSpec(m);
      const id = queryAt(spec, 0).neighbors[0]!;
      const r = await gw.get(`/api/v1/vectors/${encodeURIComponent(m.collection)}/${id}`);
      if (r.status !== 200) continue;
      const got = (r.body as { vector?: number[] }).vector ?? [];
      const want = vectorAt(spec, id);
      const close = got.length === want.length && got.every((v, i) => Math.abs(v - want[i]!) < 1e-3);
      if (close) found.push(m.name);
    } catch (err) {
      notes.push(`fixture probe of ${m.name}: ${errorMessage(err)}`);
    }
  }
  return found;
}
