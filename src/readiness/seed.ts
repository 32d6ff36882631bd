import { queryAt, seedSpecForModel, vectorAt } from '../../fixtures/src/index.ts';
import type { DatasetSpec, Distance } from '../../fixtures/src/index.ts';
import { seedCollection } from '../../fixtures/src/node/loader.ts';
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
