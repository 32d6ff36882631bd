/**
 * The points side of Qdrant's REST answers that qdrant-local once gave differently (found by
 * running Qdrant's own `tests/openapi` suite against it): serde's leniency (the `with_vectors`
 * alias, unknown fields at any depth and inside union branches, but not in a filter, a null discover
 * context), datetime ranges in Qdrant's formats only, Qdrant's vector validation words
 * (sparse, multivector, empty updates, unknown names, missing points), `lookup_from` resolved
 * before anything else, recommendation averages in f32, text indexes with stopwords.
 *
 * Each case states Qdrant's answer. The server is the one `bin/serve` picks, so with QDRANT_BIN set
 * a real Qdrant is held to the same statements.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from './helpers/http.ts';
import type { ReadResponse } from './helpers/http.ts';
import { startServer } from './helpers/server.ts';
import type { StartedServer } from './helpers/server.ts';

const API_KEY = 'fidelity-points-key';
const C = 'fid_points';
const MULTI = 'fid_points_named';
const TEXT = 'fid_points_text';

type Vec = number[];
const DENSE: Array<{ id: number; vector: Vec; payload?: Record<string, unknown> }> = [
  { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin' } },
  { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'] } },
  { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'] } },
  { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'] } },
  { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: 0 } },
  { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
];

let dir: string;
let qdrant: StartedServer;

const rest = restClient(() => qdrant.info.url, API_KEY);

async function result<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await rest(method, path, body);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
  return (r.json as { result: T }).result;
}

/** Qdrant's error answer: the status and `status.error`, exactly. */
async function refused(method: string, path: string, body: unknown, status: number, error: string | RegExp): Promise<void> {
  const r = await rest(method, path, body);
  expect(r.status, r.text).toBe(status);
  const text = (r.json as { status: { error: string } }).status.error;
  if (typeof error === 'string') expect(text).toBe(error);
  else expect(text).toMatch(error);
}

const ids = (points: Array<{ id: unknown }>): unknown[] => points.map((p) => p.id);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-fid-points-'));
  qdrant = await startServer({ storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'), apiKey: API_KEY, logPath: join(dir, 'qdrant.log') });
  await result('PUT', `/collections/${C}`, { vectors: { size: 4, distance: 'Dot' }, sparse_vectors: { 'sparse-text': {} } });
  await result('PUT', `/collections/${C}/points?wait=true`, { points: DENSE });
  await result('PUT', `/collections/${MULTI}`, {
    vectors: { image: { size: 4, distance: 'Dot' }, colbert: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
  });
  await result('PUT', `/collections/${MULTI}/points?wait=true`, {
    points: [
      { id: 1, vector: { image: [1, 0, 0, 0], colbert: [[1, 0], [0, 1]] } },
      { id: 2, vector: { image: [0, 1, 0, 0], colbert: [[0.5, 0.5]] } },
    ],
  });
});

afterAll(async () => {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe(`points fidelity to Qdrant (${process.env.QDRANT_BIN ? 'a real Qdrant' : 'qdrant-local'})`, () => {
  it('reads `with_vectors` as `with_vector` in scroll, retrieve and query', async () => {
    const scrolled = await result<{ points: Array<{ vector?: Vec }> }>('POST', `/collections/${C}/points/scroll`, { with_vectors: true, limit: 1 });
    expect(scrolled.points[0]!.vector).toEqual(DENSE[0]!.vector);
    const [got] = await result<Array<{ vector?: Vec }>>('POST', `/collections/${C}/points`, { ids: [2], with_vectors: true });
    expect(got!.vector).toEqual(DENSE[1]!.vector);
    const queried = await result<{ points: Array<{ vector?: Vec }> }>('POST', `/collections/${C}/points/query`, { query: [1, 0, 0, 0], limit: 1, with_vectors: true });
    expect(queried.points[0]!.vector).toBeDefined();
  });

  it('ignores unknown fields below the top level (a batch search item with `exact`)', async () => {
    const batch = await result<Array<Array<{ id: number }>>>('POST', `/collections/${C}/points/recommend/batch`, {
      searches: [{ positive: [1], limit: 2, exact: true }],
    });
    const single = await result<Array<{ id: number }>>('POST', `/collections/${C}/points/recommend`, { positive: [1], limit: 2 });
    expect(batch).toEqual([single]);
  });

  it('ignores an unknown field inside a named vector\'s params (a union branch), as serde does', async () => {
    await result('PUT', '/collections/fid_points_future', { vectors: { a: { size: 4, distance: 'Dot', some_future_field: 1 } } });
    const info = await result<{ config: { params: { vectors: Record<string, { size: number; distance: string }> } } }>('GET', '/collections/fid_points_future');
    expect(info.config.params.vectors.a).toMatchObject({ size: 4, distance: 'Dot' });
    expect(info.config.params.vectors.a).not.toHaveProperty('some_future_field');
    await result('DELETE', '/collections/fid_points_future');
  });

  it('refuses an unknown field in a filter (Qdrant\'s `Filter` denies unknown fields): 400, also given as a condition', async () => {
    await refused('POST', `/collections/${C}/points/scroll`, { filter: { must: [{ key: 'city', match: { value: 'Berlin' } }], foo: 1 } }, 400, /^Format error in JSON body: unknown field `foo`, expected one of `should`, `min_should`, `must`, `must_not`/);
    const asCondition = await rest('POST', `/collections/${C}/points/scroll`, { filter: { must: [{ has_idd: [1] }] } });
    expect(asCondition.status, asCondition.text).toBe(400);
  });

  it('reads a datetime range in Qdrant\'s formats only: a string of digits is 400 with its words', async () => {
    const DT = 'fid_points_dt';
    await result('PUT', `/collections/${DT}`, { vectors: { size: 2, distance: 'Dot' } });
    await result('PUT', `/collections/${DT}/points?wait=true`, {
      points: [
        { id: 1, vector: [1, 0], payload: { at: '2015-01-01T00:00:00Z' } },
        { id: 2, vector: [0, 1], payload: { at: '2015-02-01T08:00:00+02:00' } },
      ],
    });
    await result('PUT', `/collections/${DT}/index?wait=true`, { field_name: 'at', field_schema: 'datetime' });
    const scroll = (range: unknown): Promise<ReadResponse> => rest('POST', `/collections/${DT}/points/scroll`, { filter: { must: [{ key: 'at', range }] } });
    for (const [range, want] of [
      [{ gte: '2015-01-01', lte: '2015-01-01 00:00' }, [1]],
      [{ gte: '2015-02-01T06:00:00', lte: '2015-02-01T06:00:00Z' }, [2]],
      [{ gte: '2015-02-01T06:00', lte: '2015-02-01 07:00:00+0100' }, [2]],
    ] as const) {
      const r = await scroll(range);
      expect(r.status, r.text).toBe(200);
      expect(ids((r.json as { result: { points: Array<{ id: unknown }> } }).result.points)).toEqual(want);
    }
    const words = (v: string): RegExp => new RegExp(`^Format error in JSON body: '${v}' does not match accepted datetime format \\(RFC3339\\)\\. Example: 2014-01-01T00:00:00Z`);
    for (const v of ['1422758400000', '1420070400', '20150201', '2015-02-01 06:00:00 AM']) {
      await refused('POST', `/collections/${DT}/points/scroll`, { filter: { must: [{ key: 'at', range: { gte: v, lte: v } }] } }, 400, words(v));
    }
    await refused('POST', `/collections/${DT}/points/scroll`, { filter: { must: [{ key: 'at', range: { gte: '2015-01-01', lte: 5 } }] } }, 400, /^Format error in JSON body: invalid type: integer `5`, expected a string/);
    await result('DELETE', `/collections/${DT}`);
  });

  it('answers 404 for a missing `lookup_from` collection even when no example is an id', async () => {
    const lookup_from = { collection: 'fid_missing_lookup', vector: 'default' };
    for (const [path, body] of [
      [`/collections/${C}/points/recommend`, { positive: [[0.1, 0.2, 0.3, 0.4]], limit: 3, lookup_from }],
      [`/collections/${C}/points/query`, { query: { recommend: { positive: [[0.1, 0.2, 0.3, 0.4]] } }, lookup_from }],
    ] as const) {
      const r = await rest('POST', path, body);
      expect(r.status, r.text).toBe(404);
      expect(r.text).toContain('fid_missing_lookup');
    }
  });

  it('averages recommendation examples in f32: by id and by the same vectors give the same answer', async () => {
    const points = await result<Array<{ id: number; vector: Vec }>>('POST', `/collections/${C}/points`, { ids: [1, 2, 3, 4], with_vector: true });
    const byId = await result<unknown[]>('POST', `/collections/${C}/points/recommend`, { positive: [1, 2], negative: [3, 4], limit: 6 });
    const byVector = await result<unknown[]>('POST', `/collections/${C}/points/recommend`, {
      positive: points.slice(0, 2).map((p) => p.vector),
      negative: points.slice(2, 4).map((p) => p.vector),
      filter: { must_not: [{ has_id: [1, 2, 3, 4] }] },
      limit: 6,
    });
    expect(byId).toHaveLength(2);
    expect(byVector).toEqual(byId);
  });

  it('refuses a recommendation with no example at all (400)', async () => {
    const r = await rest('POST', `/collections/${C}/points/recommend`, { positive: [], strategy: 'best_score', limit: 2 });
    expect(r.status, r.text).toBe(400);
  });

  it('takes `discover` with a null context as a target-only query, ordered as nearest', async () => {
    const target = [0.2, 0.1, 0.9, 0.7];
    const nearest = await result<{ points: Array<{ id: number; score: number }> }>('POST', `/collections/${C}/points/query`, { query: target, limit: 6 });
    const discovered = await result<{ points: Array<{ id: number; score: number }> }>('POST', `/collections/${C}/points/query`, {
      query: { discover: { target, context: null } },
      limit: 6,
      offset: null,
    });
    expect(ids(discovered.points)).toEqual(ids(nearest.points));
    expect(discovered.points[0]!.score).not.toBe(nearest.points[0]!.score);
  });

  it("words vector update errors as Qdrant: missing point 404, empty update 422, unknown name 400", async () => {
    await refused('PUT', `/collections/${MULTI}/points/vectors?wait=true`, { points: [{ id: 424242424242, vector: { image: [1, 1, 1, 1] } }] }, 404, 'Not found: No point with id 424242424242 found');
    await refused('PUT', `/collections/${MULTI}/points/vectors?wait=true`, { points: [{ id: 1, vector: {} }] }, 422, 'Validation error in JSON body: [points[0].vector: must specify vectors to update for point]');
    await refused('POST', `/collections/${MULTI}/points/vectors/delete?wait=true`, { points: [1], vector: ['nope'] }, 400, 'Wrong input: Not existing vector name error: nope');
    const [point] = await result<Array<{ vector: Record<string, unknown> }>>('POST', `/collections/${MULTI}/points`, { ids: [1], with_vector: true });
    expect(Object.keys(point!.vector).sort()).toEqual(['colbert', 'image']);
  });

  it('validates sparse vectors with Qdrant\'s paths and words (422)', async () => {
    const put = (vector: unknown): Promise<ReadResponse> => rest('PUT', `/collections/${C}/points?wait=true`, { points: [{ id: 99, vector: { 'sparse-text': vector } }] });
    const lengths = await put({ indices: [100, 500], values: [0.9, 0.8, 0.5] });
    expect(lengths.status).toBe(422);
    expect(lengths.text).toContain('points[0].vector.?.values: Validation error: must be the same length as indices [{}]');
    const unique = await put({ indices: [100, 500, 500], values: [0.9, 0.8, 0.5] });
    expect(unique.status).toBe(422);
    expect(unique.text).toContain('points[0].vector.?.indices: Validation error: must be unique [{}]');
    expect((await rest('GET', `/collections/${C}/points/99`)).status).toBe(404);
  });

  it('validates multivectors and reads a plain vector as a multivector of one', async () => {
    const put = (colbert: unknown): Promise<ReadResponse> => rest('PUT', `/collections/${MULTI}/points?wait=true`, { points: [{ id: 3, vector: { colbert } }] });
    const empty = await put([[1, 0], []]);
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Validation error in JSON body: [points[0].vector.?.data: all vectors must be non-empty]');
    const ragged = await put([[1, 0], [1]]);
    expect(ragged.status).toBe(422);
    expect(ragged.text).toContain('all vectors must have the same dimension, found vector with dimension 1');
    await result('PUT', `/collections/${MULTI}/points?wait=true`, { points: [{ id: 3, vector: { colbert: [0.3, 0.7] } }] });
    const got = await result<{ vector: { colbert: Vec[] } }>('GET', `/collections/${MULTI}/points/3`);
    expect(got.vector.colbert).toEqual([[0.3, 0.7]]);
    const found = await result<Array<{ id: number }>>('POST', `/collections/${MULTI}/points/search`, { vector: { name: 'colbert', vector: [1, 0] }, limit: 3 });
    expect(ids(found)).toEqual([1, 2, 3]);
  });

  it('builds a text index with stopwords and matches `text_any` as the split words', async () => {
    await result('PUT', `/collections/${TEXT}`, { vectors: { size: 2, distance: 'Dot' } });
    const titles = ['Robot Dreams', 'The Star', 'Little Lost Robot', 'Of Mice and Men'];
    await result('PUT', `/collections/${TEXT}/points?wait=true`, { points: titles.map((title, id) => ({ id, vector: [1, 0], payload: { title } })) });
    await result('PUT', `/collections/${TEXT}/index?wait=true`, { field_name: 'title', field_schema: { type: 'text', tokenizer: 'word', lowercase: true, stopwords: 'english' } });
    const any = await result<{ points: Array<{ id: number }> }>('POST', `/collections/${TEXT}/points/scroll`, { filter: { must: { key: 'title', match: { text_any: 'robot of the star' } } } });
    expect(ids(any.points)).toEqual([0, 1, 2]);
    const schema = await result<{ payload_schema: Record<string, { data_type: string }> }>('GET', `/collections/${TEXT}`);
    expect(schema.payload_schema.title!.data_type).toBe('text');
  });
});
