/**
 * Raw REST against qdrant-local, in the shapes of Qdrant's own REST tests (a small Dot
 * collection with a sparse vector, array payloads, nulls and empty arrays): filters, payload
 * operations, selectors, uuid ids, payload indexes, validation codes, metrics, snapshot upload.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponse, restClient } from './helpers/http.ts';
import { startServer } from './helpers/server.ts';
import type { StartedServer } from './helpers/server.ts';

const API_KEY = 'fidelity-key';
const C = 'test_collection';
const UUID = '0e2e0f44-27a4-4a5b-8b1d-8d8a2b0f3c11';

type Point = { id: number | string; vector: number[] | Record<string, { indices: number[]; values: number[] }>; payload?: Record<string, unknown> };
const POINTS: Point[] = [
  { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', price: 10.0 } },
  { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], price: 11.0 } },
  { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], price: 9.5 } },
  { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], price: 9 } },
  { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: 0 } },
  { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
  { id: 7, vector: [0.25, 0.98, 0.14, 0.43], payload: { city: null, price: null } },
  { id: 8, vector: [0.79, 0.53, 0.72, 0.15], payload: { city: [], price: [] } },
  { id: 9, vector: { 'sparse-text': { indices: [66, 12], values: [0.5, 0.5] } } },
  { id: 10, vector: { 'sparse-text': { indices: [1, 2, 3], values: [0.1, 0.2, 0.3] } }, payload: { city: [], price: [] } },
];
const QUERY = [0.2, 0.1, 0.9, 0.7];

let dir: string;
let qdrant: StartedServer;

const rest = restClient(() => qdrant.info.url, API_KEY);

async function result<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await rest(method, path, body);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
  expect(r.json).toMatchObject({ status: 'ok', time: expect.any(Number) });
  return (r.json as { result: T }).result;
}

const ids = (points: Array<{ id: unknown }>): unknown[] => points.map((p) => p.id);
const countWhereIn = async (collection: string, filter: unknown): Promise<number> => (await result<{ count: number }>('POST', `/collections/${collection}/points/count`, { filter, exact: true })).count;
const countWhere = (filter: unknown): Promise<number> => countWhereIn(C, filter);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-rest-'));
  qdrant = await startServer({ storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'), apiKey: API_KEY, logPath: join(dir, 'qdrant.log') });
  expect(await result('PUT', `/collections/${C}`, { vectors: { size: 4, distance: 'Dot', on_disk: false }, sparse_vectors: { 'sparse-text': {} }, on_disk_payload: true })).toBe(true);
  expect(await result('PUT', `/collections/${C}/points?wait=true`, { points: POINTS })).toMatchObject({ status: 'completed', operation_id: expect.any(Number) });
});

afterAll(async () => {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('qdrant-local REST fidelity', () => {
  it('scores Dot exactly and leaves points without the queried vector out', async () => {
    const expected = POINTS.filter((p) => Array.isArray(p.vector))
      .map((p) => ({ id: p.id, score: (p.vector as number[]).reduce((s, x, i) => s + x * QUERY[i]!, 0) }))
      .sort((a, b) => b.score - a.score);
    const found = await result<Array<{ id: number; score: number; version: number }>>('POST', `/collections/${C}/points/search`, { vector: QUERY, limit: 10 });
    expect(ids(found)).toEqual(ids(expected));
    found.forEach((p, i) => expect(p.score).toBeCloseTo(expected[i]!.score, 5));
    expect(found[0]).not.toHaveProperty('payload');
    expect(found[0]).not.toHaveProperty('vector');
    const sparse = await result<{ points: Array<{ id: number }> }>('POST', `/collections/${C}/points/query`, { query: { indices: [1, 2], values: [1, 1] }, using: 'sparse-text', limit: 3 });
    expect(ids(sparse.points)).toEqual([10]);
  });

  it('filters on arrays, nulls, empties and ranges as Qdrant does', async () => {
    expect(await countWhere({ must: [{ key: 'city', match: { value: 'London' } }] })).toBe(2);
    expect(await countWhere({ must: [{ key: 'city', match: { any: ['Moscow', 'Berlin'] } }] })).toBe(4);
    expect(await countWhere({ must: [{ key: 'price', range: { gte: 9.5 } }] })).toBe(3);
    expect(await countWhere({ must_not: [{ key: 'city', match: { value: 'Berlin' } }] })).toBe(7);
    expect(await countWhere({ must: [{ is_empty: { key: 'city' } }] })).toBe(6);
    expect(await countWhere({ must: [{ is_null: { key: 'city' } }] })).toBe(1);
    expect(await countWhere({ must: [{ has_id: [1, 3, 99] }] })).toBe(2);
    expect(await countWhere({ should: [{ key: 'count', match: { value: 0 } }, { has_id: [6] }] })).toBe(2);
  });

  it('selects payload keys and returns vectors on request', async () => {
    const [inc] = await result<Array<{ payload: Record<string, unknown> }>>('POST', `/collections/${C}/points`, { ids: [2], with_payload: ['city'] });
    expect(inc!.payload).toEqual({ city: ['Berlin', 'London'] });
    const [exc] = await result<Array<{ payload: Record<string, unknown> }>>('POST', `/collections/${C}/points`, { ids: [2], with_payload: { exclude: ['city'] } });
    expect(exc!.payload).toEqual({ price: 11.0 });
    const sparse = await result<{ id: number; vector: Record<string, { indices: number[]; values: number[] }> }>('GET', `/collections/${C}/points/9`);
    expect(sparse.vector['sparse-text']!.indices.slice().sort((a, b) => a - b)).toEqual([12, 66]);
    const noPayload = await result<Array<Record<string, unknown>>>('POST', `/collections/${C}/points`, { ids: [1], with_payload: false });
    expect(noPayload[0]).toEqual({ id: 1 });
  });

  it('sets, overwrites, deletes and clears payload', async () => {
    const payloadOf = async (id: number): Promise<unknown> => (await result<{ payload: unknown }>('GET', `/collections/${C}/points/${id}`)).payload;
    await result('POST', `/collections/${C}/points/payload?wait=true`, { payload: { tag: 'x' }, points: [5] });
    expect(await payloadOf(5)).toEqual({ count: 0, tag: 'x' });
    await result('PUT', `/collections/${C}/points/payload?wait=true`, { payload: { only: true }, points: [5] });
    expect(await payloadOf(5)).toEqual({ only: true });
    await result('POST', `/collections/${C}/points/payload?wait=true`, { payload: { a: 1, b: 2 }, filter: { must: [{ has_id: [5] }] } });
    await result('POST', `/collections/${C}/points/payload/delete?wait=true`, { keys: ['a'], points: [5] });
    expect(await payloadOf(5)).toEqual({ only: true, b: 2 });
    await result('POST', `/collections/${C}/points/payload/clear?wait=true`, { points: [5] });
    expect(await payloadOf(5)).toEqual({});
  });

  it('takes uuid ids and rejects ids that are neither', async () => {
    await result('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: UUID, vector: [1, 0, 0, 0], payload: { kind: 'uuid' } }] });
    const got = await result<{ id: string }>('GET', `/collections/${C}/points/${UUID}`);
    expect(got.id).toBe(UUID);
    const bad = await rest('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 'not-a-uuid', vector: [1, 0, 0, 0] }] });
    expect(bad.status).toBe(400);
    expect(await result('POST', `/collections/${C}/points/delete?wait=true`, { points: [UUID] })).toMatchObject({ status: 'completed' });
    expect((await rest('GET', `/collections/${C}/points/${UUID}`)).status).toBe(404);
  });

  it('needs a payload index for facet and order_by, and uses it once created', async () => {
    expect((await rest('POST', `/collections/${C}/facet`, { key: 'city' })).status).toBe(400);
    await result('PUT', `/collections/${C}/index?wait=true`, { field_name: 'city', field_schema: 'keyword' });
    await result('PUT', `/collections/${C}/index?wait=true`, { field_name: 'price', field_schema: 'float' });
    const schema = (await result<{ payload_schema: Record<string, { data_type: string }> }>('GET', `/collections/${C}`)).payload_schema;
    expect(schema).toMatchObject({ city: { data_type: 'keyword' }, price: { data_type: 'float' } });
    const facet = await result<{ hits: Array<{ value: string; count: number }> }>('POST', `/collections/${C}/facet`, { key: 'city', exact: true });
    expect(Object.fromEntries(facet.hits.map((h) => [h.value, h.count]))).toEqual({ Berlin: 3, London: 2, Moscow: 2 });
    const ordered = await result<{ points: Array<{ id: number; payload: { price: number } }> }>('POST', `/collections/${C}/points/scroll`, { order_by: 'price', limit: 10 });
    expect(ordered.points.map((p) => p.payload.price)).toEqual([9, 9.5, 10, 11]);
    await result('DELETE', `/collections/${C}/index/city?wait=true`);
    expect(Object.keys((await result<{ payload_schema: object }>('GET', `/collections/${C}`)).payload_schema)).toEqual(['price']);
  });

  it("answers validation and format errors with Qdrant's codes", async () => {
    const ef = await rest('PUT', '/collections/bad', { vectors: { size: 4, distance: 'Dot' }, hnsw_config: { ef_construct: 0 } });
    expect(ef.status).toBe(422);
    expect((ef.json as { status: { error: string } }).status.error).toContain('hnsw_config.ef_construct');
    const timeout = await rest('PUT', '/collections/bad?timeout=0', { vectors: { size: 4, distance: 'Dot' } });
    expect(timeout.status).toBe(422);
    expect((timeout.json as { status: { error: string } }).status.error).toContain('timeout: value 0 invalid');
    expect((await rest('GET', `/collections/${'n'.repeat(300)}/points/1`)).status).toBe(422);
    expect((await rest('PUT', '/collections/bad', { vectors: { size: 4, distance: 'Hamming' } })).status).toBe(400);
    expect((await rest('POST', `/collections/${C}/points/search`, { vector: QUERY, limit: 0 })).status).toBe(422);
    // Qdrant (serde) ignores an unknown top-level field rather than refusing the body.
    expect((await rest('POST', `/collections/${C}/points/scroll`, { limit: 2, surprise: 1 })).status).toBe(200);
    expect((await rest('POST', `/collections/${C}/points/scroll`, { limit: 'two' })).status).toBe(400);
    const fusion = await rest('POST', `/collections/${C}/points/query`, { prefetch: [{ query: QUERY }], query: { fusion: 'rrf' } });
    expect(fusion.status, fusion.text).toBe(200);
    expect((await result<{ exists: boolean }>('GET', '/collections/bad/exists')).exists).toBe(false);
  });

  it('exposes Prometheus metrics and telemetry under Qdrant names', async () => {
    const metrics = await rest('GET', '/metrics');
    expect(metrics.status).toBe(200);
    // What Qdrant's own REST test (tests/openapi/test_service.py) holds every version to.
    expect(metrics.text).toContain('# HELP app_info information about qdrant server');
    expect(metrics.text).toContain('app_info{name="qdrant",version="');
    expect(metrics.text).toMatch(/^collections_total \d+$/m);
    expect(metrics.text).toContain('rest_responses_total{');
    const telemetry = await result<{ app: { name: string }; collections: { number_of_collections: number } }>('GET', '/telemetry');
    expect(telemetry.app.name).toBe('qdrant');
    expect(telemetry.collections.number_of_collections).toBe(1);
  });

  it("prints qdrant-local's metric lines in the exact form it states", async (ctx) => {
    // The whole lines (label order, value form, per-collection series) are qdrant-local's reading
    // of Qdrant's source; a real Qdrant's lines vary by version (1.18 prints some differently),
    // and qdrant-fidelity.test.ts compares the two engines' answers case by case.
    if (qdrant.info.engine !== 'qdrant-local') ctx.skip();
    const metrics = await rest('GET', '/metrics');
    expect(metrics.text).toMatch(/^app_info\{name="qdrant",version="1\.\d+\.\d+"\} 1$/m);
    expect(metrics.text).toMatch(/^collections_total 1$/m);
    // Qdrant writes its labels in the order it builds them: method, endpoint, status.
    expect(metrics.text).toMatch(/^rest_responses_total\{method="POST",endpoint="\/collections\/\{name\}\/points\/search",status="200"\} \d+$/m);
    expect(metrics.text).toMatch(new RegExp(`^collection_points\\{id="${C}"\\} \\d+$`, 'm'));
    expect(metrics.text).toContain('rest_responses_duration_seconds_bucket');
  });

  it('recovers a collection from an uploaded snapshot', async () => {
    const count = (await result<{ count: number }>('POST', `/collections/${C}/points/count`, {})).count;
    const snap = await result<{ name: string; checksum: string }>('POST', `/collections/${C}/snapshots?wait=true`);
    const archive = await fetch(`${qdrant.info.url}/collections/${C}/snapshots/${snap.name}`, { headers: { 'api-key': API_KEY } });
    const form = new FormData();
    form.append('snapshot', new Blob([await archive.arrayBuffer()]), snap.name);
    const uploaded = await readResponse(await fetch(`${qdrant.info.url}/collections/uploaded/snapshots/upload?wait=true&checksum=${snap.checksum}`, { method: 'POST', headers: { 'api-key': API_KEY }, body: form }));
    expect(uploaded.status, uploaded.text).toBe(200);
    expect((await result<{ count: number }>('POST', '/collections/uploaded/points/count', {})).count).toBe(count);
    const missing = await rest('GET', `/collections/${C}/snapshots/nope.snapshot`);
    expect(missing.status).toBe(404);
    expect(await result('DELETE', '/collections/uploaded')).toBe(true);
  });

  it('stays consistent under concurrent writes, reads and creates', async () => {
    const creates = await Promise.all(Array.from({ length: 6 }, () => rest('PUT', '/collections/racy', { vectors: { size: 4, distance: 'Cosine' } })));
    expect(creates.map((r) => r.status).sort()).toEqual([200, 409, 409, 409, 409, 409]);
    const writes = Array.from({ length: 20 }, (_, w) =>
      rest('PUT', '/collections/racy/points?wait=true', {
        points: Array.from({ length: 50 }, (_, k) => ({ id: w * 50 + k, vector: [1, w + 1, k + 1, 1], payload: { w } })),
      }),
    );
    const reads = Array.from({ length: 20 }, () => rest('POST', '/collections/racy/points/query', { query: [1, 1, 1, 1], limit: 5 }));
    const answers = await Promise.all([...writes, ...reads]);
    for (const a of answers) expect(a.status, a.text).toBe(200);
    expect((await result<{ count: number }>('POST', '/collections/racy/points/count', { exact: true })).count).toBe(1000);
    expect(await countWhereIn('racy', { must: [{ key: 'w', match: { value: 7 } }] })).toBe(50);
    const [deleted, late] = await Promise.all([rest('DELETE', '/collections/racy'), rest('POST', '/collections/racy/points/count', {})]);
    expect(deleted.status).toBe(200);
    expect([200, 404]).toContain(late.status);
    expect((await rest('POST', '/collections/racy/points/count', {})).status).toBe(404);
  });
});
