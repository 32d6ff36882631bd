/** The benchmark's collection: random vectors seeded through the gateway, random queries. */
import { CommandError } from '../../src/cli/run.ts';
import { prng, randomVector, type Target } from './closed-loop.ts';
import type { Stack } from './stack.ts';

export const COLLECTION = 'imp';
export const DIM = 128;
/** Distinct queries of a cached phase: after the first pass every answer comes from the cache. */
export const HOT_QUERIES = 20;

type Gateway = NonNullable<Stack['gateway']>;

/** A search of the collection through the gateway's front door (nginx). */
export const gatewaySearch = (gw: Gateway): Target => ({
  origin: gw.url,
  path: '/api/v1/vectors/search',
  headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
  body: (v) => JSON.stringify({ collection: COLLECTION, query_vector: v, limit: 10 }),
});

export async function seed(stack: Stack, points: number): Promise<void> {
  const gw = stack.gateway;
  if (!gw) throw new CommandError('the local stack has no gateway: run `npm run stack -- up` (with the gateway tier)');
  const rand = prng(7);
  for (let start = 0; start < points; start += 200) {
    const batch = Array.from({ length: Math.min(200, points - start) }, (_, i) => ({ id: start + i, vector: randomVector(rand, DIM), payload: { i: start + i } }));
    const res = await fetch(`${gw.url}/api/v1/vectors/upsert`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
      body: JSON.stringify({ collection: COLLECTION, points: batch }),
      signal: AbortSignal.timeout(60_000),
    });
    if (res.status !== 200) throw new CommandError(`seeding ${COLLECTION} through the gateway failed: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  }
}

