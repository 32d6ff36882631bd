import { afterAll, describe, expect, test } from 'vitest';
import { errorMessageOf, expectNoInternals, expectOrdered, expectStatus } from './lib/expectations.ts';
import { gw } from './lib/http.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { note } from './lib/record.ts';
import { target } from './lib/target.ts';

/** The runbook's own smoke collection (dimension 3); the suite writes only its reserved ids there. */
const COLLECTION = 'test';
const SEARCH = '/api/v1/vectors/search';
const BASE_ID = 900_000_000 + (hash(target().runId) % 10_000) * 10;
const ids = Array.from({ length: 6 }, (_, i) => BASE_ID + i);

function hash(s: string): number {
  let h = 2166136261;
  for (const ch of s) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h;
}

const points = [
  { id: ids[0], vector: [0.9, 0.1, 0.1], payload: { suite: 'readiness', tag: 'a' } },
  { id: ids[1], vector: [0.1, 0.9, 0.1], payload: { suite: 'readiness', tag: 'b' } },
  { id: ids[2], vector: [0.1, 0.1, 0.9], payload: { suite: 'readiness', tag: 'a' } },
];

afterAll(async () => {
  await gw.post('/api/v1/vectors/delete', { collection: COLLECTION, ids }, { quiet: true }).catch(() => undefined);
});

test('the runbook smoke search on the test collection answers 200 with ordered results', async () => {
  const r = await gw.post(SEARCH, { collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 10 });
  expectStatus(r, 200, 'runbook smoke search');
  const results = r.json().results;
  expect(Array.isArray(results), 'results is a list').toBe(true);
  expectOrdered(results.map((x: { score: number }) => x.score), 'cosine', 'smoke search');
});

test('upsert → get → search → delete round trip keeps vectors and payloads', async () => {
  const up = await gw.post('/api/v1/vectors/upsert', { collection: COLLECTION, points });
  expectStatus(up, 200, 'upsert');
  expect(up.json().upserted, 'points upserted').toBe(points.length);

  const got = await gw.get(`/api/v1/vectors/${COLLECTION}/${ids[1]}`);
  expectStatus(got, 200, 'get the upserted point');
  expect(got.json().payload, 'payload read back').toEqual(points[1]!.payload);
  const v = got.json().vector as number[];
  expect(v.length, 'vector length read back').toBe(3);

  const s = await gw.post(SEARCH, { collection: COLLECTION, query_vector: [0.1, 0.9, 0.1], limit: 3, filter: { must: [{ key: 'suite', match: { value: 'readiness' } }] } });
  expectStatus(s, 200, 'search the upserted points');
  expect(String(s.json().results[0]?.id), 'the nearest point is the one just written').toBe(String(ids[1]));

  const del = await gw.post('/api/v1/vectors/delete', { collection: COLLECTION, ids: [ids[1]] });
  expectStatus(del, 200, 'delete');
  const gone = await gw.get(`/api/v1/vectors/${COLLECTION}/${ids[1]}`);
  expectStatus(gone, 404, 'get after delete');
  const s2 = await gw.post(SEARCH, { collection: COLLECTION, query_vector: [0.1, 0.9, 0.1], limit: 3, filter: { must: [{ key: 'suite', match: { value: 'readiness' } }] } });
  expectStatus(s2, 200, 'search after delete');
  expect(s2.json().results.map((x: { id: number }) => String(x.id)), 'deleted point no longer found (cache invalidated)').not.toContain(String(ids[1]));
});

test('upserting the same points twice is idempotent (one copy, latest payload)', async () => {
  const p = { id: ids[3], vector: [0.5, 0.5, 0.1], payload: { suite: 'readiness', tag: 'c', v: 1 } };
  expectStatus(await gw.post('/api/v1/vectors/upsert', { collection: COLLECTION, points: [p] }), 200, 'first upsert');
  expectStatus(await gw.post('/api/v1/vectors/upsert', { collection: COLLECTION, points: [{ ...p, payload: { ...p.payload, v: 2 } }] }), 200, 'second upsert');
  const s = await gw.post(SEARCH, { collection: COLLECTION, query_vector: p.vector, limit: 10, with_payload: true, filter: { must: [{ key: 'tag', match: { value: 'c' } }, { key: 'suite', match: { value: 'readiness' } }] } });
  expectStatus(s, 200, 'search for the point');
  const hits = s.json().results.filter((x: { id: number }) => String(x.id) === String(ids[3]));
  expect(hits.length, 'copies of the point').toBe(1);
  expect(hits[0].payload?.v, 'payload of the second upsert wins').toBe(2);
});

test('a payload filter returns only matching points', async () => {
  expectStatus(await gw.post('/api/v1/vectors/upsert', { collection: COLLECTION, points }), 200, 'upsert');
  const r = await gw.post(SEARCH, { collection: COLLECTION, query_vector: [0.1, 0.9, 0.1], limit: 10, with_payload: true, filter: { must: [{ key: 'suite', match: { value: 'readiness' } }, { key: 'tag', match: { value: 'a' } }] } });
  expectStatus(r, 200, 'filtered search');
  const results = r.json().results as Array<{ id: number; payload?: { tag?: string } }>;
  note('filter', `tag = a → ${results.map((x) => `${x.id}:${x.payload?.tag}`).join(', ')}`);
  expect(results.length, 'matching points found').toBeGreaterThanOrEqual(2);
  for (const x of results) expect(x.payload?.tag, `point ${x.id} matches the filter`).toBe('a');
});

test('limit is honoured: limit 1 gives one result, limit 2 at most two', async () => {
  const one = await gw.post(SEARCH, { collection: COLLECTION, query_vector: [0.1, 0.2, 0.3], limit: 1 });
  expectStatus(one, 200, 'limit 1');
  expect(one.json().results.length, 'results for limit 1').toBe(1);
  const two = await gw.post(SEARCH, { collection: COLLECTION, query_vector: [0.1, 0.2, 0.3], limit: 2 });
  expect(two.json().results.length, 'results for limit 2').toBeLessThanOrEqual(2);
});

test('batch search answers each search as the single search does', async () => {
  const cfg = await modelConfig('general');
  const searches = [0, 1, 2].map((j) => ({ model: 'general', query_vector: fixtureQuery(cfg, j).vector, limit: 5 }));
  const batch = await gw.post(`${SEARCH}/batch`, { searches });
  expectStatus(batch, 200, 'batch search');
  const responses = batch.json().responses as Array<{ results: Array<{ id: unknown }> }>;
  expect(Array.isArray(responses) ? responses.length : 0, 'one response per search').toBe(searches.length);
  for (const [j, body] of searches.entries()) {
    const single = await gw.post(SEARCH, body, { quiet: true });
    expectStatus(single, 200, `single search ${j}`);
    const want = (single.json().results as Array<{ id: unknown }>).map((x) => String(x.id));
    expect(responses[j]!.results.map((x) => String(x.id)), `batch response ${j}: same ids as the single search`).toEqual(want);
    expect(want.length, `search ${j} found points`).toBeGreaterThan(0);
  }
});

test('an identical search is answered from the cache', async () => {
  // A threshold of this run's own makes the request new to the cache; the second one must hit it.
  const body = { collection: COLLECTION, query_vector: [0.3, 0.2, 0.1], limit: 3, score_threshold: -1 + (hash(target().runId) % 1000) / 1e6 };
  const first = await gw.post(SEARCH, body);
  expectStatus(first, 200, 'first search');
  const second = await gw.post(SEARCH, body);
  expectStatus(second, 200, 'the same search again');
  note('cached', `first ${first.json().cached}, second ${second.json().cached}`);
  expect(first.json().cached, 'a new search is not served from the cache').toBe(false);
  expect(second.json().cached, 'the identical search is served from the cache').toBe(true);
  expect(second.json().results, 'the cached answer equals the fresh one').toEqual(first.json().results);
});

/** Every bad input of the gateway contract: the right 4xx, a message that says what is wrong, nothing internal. */
const BAD_INPUTS: Array<{ name: string; status: number; body?: unknown; raw?: string; headers?: Record<string, string>; path?: string; message: RegExp }> = [
  { name: 'limit 0', status: 400, body: { collection: COLLECTION, query_vector: [0.1, 0.2, 0.3], limit: 0 }, message: /limit/i },
  { name: 'limit above the maximum (100000)', status: 400, body: { collection: COLLECTION, query_vector: [0.1, 0.2, 0.3], limit: 100_000 }, message: /limit/i },
  { name: 'wrong vector dimension', status: 400, body: { collection: COLLECTION, query_vector: [0.1, 0.2], limit: 10 }, message: /dimension|expect|length/i },
  { name: 'empty vector', status: 400, body: { collection: COLLECTION, query_vector: [], limit: 10 }, message: /query_vector/i },
  { name: 'missing query_vector', status: 400, body: { collection: COLLECTION, limit: 10 }, message: /query_vector/i },
  { name: 'a string inside the vector', status: 400, body: { collection: COLLECTION, query_vector: [0.1, 'x', 0.3], limit: 10 }, message: /query_vector|number/i },
  { name: 'NaN in the vector (not JSON)', status: 400, raw: '{"collection":"test","query_vector":[NaN,0.2,0.3],"limit":10}', message: /json/i },
  { name: 'a non-finite number (1e400)', status: 400, raw: '{"collection":"test","query_vector":[1e400,0.2,0.3],"limit":10}', message: /finite|infinity|number/i },
  { name: 'malformed JSON', status: 400, raw: '{"collection": "test", "query_vector": [0.1,', message: /json/i },
  { name: 'unknown collection', status: 404, body: { collection: 'no_such_collection_xyz', query_vector: [0.1, 0.2, 0.3], limit: 10 }, message: /no_such_collection_xyz/ },
  { name: 'a body over the size limit', status: 413, raw: JSON.stringify({ collection: COLLECTION, query_vector: [0.1, 0.2, 0.3], pad: 'x'.repeat(2 * 1024 * 1024) }), message: /large|limit|size/i },
  { name: 'a body that is not JSON content', status: 415, raw: 'collection=test', headers: { 'content-type': 'text/plain' }, message: /content|media|json/i },
];

describe('bad input is refused', () => {
  test.each(BAD_INPUTS)('$name → $status with a useful message and no internals leaked', async (c) => {
    const r = await gw.post(c.path ?? SEARCH, c.body, { ...(c.raw !== undefined ? { raw: c.raw } : {}), ...(c.headers ? { headers: c.headers } : {}) });
    expectStatus(r, c.status, c.name);
    const message = errorMessageOf(r);
    expect(message, `${c.name}: the error has a message`).not.toBe('');
    expect(message, `${c.name}: the message says what is wrong`).toMatch(c.message);
    expectNoInternals(r, c.name);
  });
});
