/**
 * qdrant-local answering as Qdrant answers, case by case, grouped by area (float formatting,
 * query, validation, payload index, collections, aliases, batch update, points, service,
 * snapshots); the count per area is printed.
 *
 * Every case states what Qdrant answers, written from Qdrant's sources and its own REST tests
 * (`tests/openapi` in qdrant/qdrant): status, error text, and checks on the result. qdrant-local
 * (always started here, whatever QDRANT_BIN says) must give that answer. When QDRANT_BIN is set, a
 * real Qdrant started the same way (bin/serve --engine qdrant) gets the same requests: its answers
 * are held to the same statements (so that they stay Qdrant's), and qdrant-local's are compared
 * with its: status, envelope, error text, field names and JSON types, and values (fields that
 * differ between any two servers, such as `time`, left aside).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from './helpers/server.ts';
import type { Engine, StartedServer } from './helpers/server.ts';

const API_KEY = 'fidelity-key';
const C = 'fid';
const NAMED = 'fid_named';
const UUID = '0e2e0f44-27a4-4a5b-8b1d-8d8a2b0f3c11';
const QUERY = [0.2, 0.1, 0.9, 0.7];

type Vec = number[];
const DENSE: Array<{ id: number; vector: Vec; payload?: Record<string, unknown> }> = [
  { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', price: 10.0 } },
  { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], price: 11.0 } },
  { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], price: 9.5 } },
  { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], price: 9 } },
  { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: 0 } },
  { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
  { id: 7, vector: [0.25, 0.98, 0.14, 0.43], payload: { city: null, price: null } },
  { id: 8, vector: [0.79, 0.53, 0.72, 0.15], payload: { city: [], price: [] } },
];
/** Qdrant's `basic_collection_setup` (tests/openapi/helpers/collection_setup.py). */
const POINTS = [
  ...DENSE,
  { id: 9, vector: { 'sparse-text': { indices: [66, 12], values: [0.5, 0.5] } } },
  { id: 10, vector: { 'sparse-text': { indices: [1, 2, 3], values: [0.1, 0.2, 0.3] } }, payload: { city: [], price: [] } },
];

const dot = (a: Vec, b: Vec): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const byDot = (q: Vec): number[] => [...DENSE].sort((a, b) => dot(b.vector, q) - dot(a.vector, q)).map((p) => p.id);

interface Answer {
  status: number;
  text: string;
  json: unknown;
  bytes?: Buffer;
}
/** Per server: what earlier cases left for later ones (names, results). */
type Vars = Record<string, unknown>;
interface Ctx {
  url: string;
  snapshotsDir: string;
  vars: Vars;
  files: string;
}
interface Case {
  area: string;
  name: string;
  method: string;
  path: string | ((ctx: Ctx) => string);
  body?: unknown;
  form?: (ctx: Ctx) => FormData;
  /** Qdrant's status. */
  status: number;
  /** Qdrant's error text (`status.error`): exact, or a pattern. */
  error?: string | RegExp;
  /** Further statements about Qdrant's answer; throws (expect) when the answer differs. */
  check?: (a: Answer, ctx: Ctx) => void;
  /** How qdrant-local is compared with a real Qdrant: everything (default), names and types, or status and error only. */
  compare?: 'full' | 'shape' | 'status';
  /** Keeps something from the answer for later cases. */
  keep?: (a: Answer, ctx: Ctx) => void;
}

const res = (a: Answer): any => (a.json as { result?: unknown } | undefined)?.result; // eslint-disable-line @typescript-eslint/no-explicit-any
const ids = (points: Array<{ id: unknown }>): unknown[] => points.map((p) => p.id);
const SIG_DIGITS = (n: string): number => n.replace(/^-/, '').replace(/e.*$/i, '').replace('.', '').replace(/^0+/, '').length;
/** Every number in the `"vector"`/`"values"`/`"score"` fields of the raw text, as printed. */
function printedFloats(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"(?:vector|values|score|image|text)":(\[[^\]]*\]|-?[\d.eE+-]+)/g)) out.push(...(m[1]!.match(/-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g) ?? []));
  return out;
}
/** Qdrant prints f32: the shortest text that reads back as the same f32, at most 9 significant digits. */
function expectF32Printing(text: string): void {
  const floats = printedFloats(text);
  expect(floats.length).toBeGreaterThan(0);
  for (const f of floats) expect(SIG_DIGITS(f), `${f} is printed as a float64 expansion, Qdrant prints f32 shortest`).toBeLessThanOrEqual(9);
}

const CASES: Case[] = [];
const add = (area: string, cases: Array<Omit<Case, 'area'>>): void => {
  for (const c of cases) CASES.push({ area, ...c });
};

add('collections', [
  { name: 'delete a missing collection answers false', method: 'DELETE', path: `/collections/${C}`, status: 200, check: (a) => expect(res(a)).toBe(false) },
  {
    name: 'create (Qdrant basic_collection_setup)',
    method: 'PUT',
    path: `/collections/${C}`,
    body: { vectors: { size: 4, distance: 'Dot', on_disk: false }, sparse_vectors: { 'sparse-text': {} }, on_disk_payload: true, wal_config: { wal_capacity_mb: null } },
    status: 200,
    check: (a) => expect(res(a)).toBe(true),
  },
  { name: 'create again: 409', method: 'PUT', path: `/collections/${C}`, body: { vectors: { size: 4, distance: 'Dot' } }, status: 409, error: `Wrong input: Collection \`${C}\` already exists!` },
  { name: 'get a missing collection: 404', method: 'GET', path: '/collections/missing', status: 404, error: 'Not found: Collection `missing` doesn\'t exist!' },
  { name: 'exists', method: 'GET', path: `/collections/${C}/exists`, status: 200, check: (a) => expect(res(a)).toEqual({ exists: true }) },
  {
    name: 'named vectors collection',
    method: 'PUT',
    path: `/collections/${NAMED}`,
    body: { vectors: { image: { size: 4, distance: 'Dot' }, text: { size: 8, distance: 'Cosine' } } },
    status: 200,
  },
  {
    name: 'info: config as Qdrant prints it',
    method: 'GET',
    path: `/collections/${C}`,
    status: 200,
    compare: 'status',
    check: (a) => {
      const r = res(a);
      expect(['green', 'yellow', 'grey']).toContain(r.status);
      expect(r).toMatchObject({ optimizer_status: 'ok', points_count: 0, payload_schema: {} });
      expect(r.config.params.vectors).toEqual({ size: 4, distance: 'Dot', on_disk: false });
      expect(r.config.quantization_config).toBeNull();
      expect(r.config.hnsw_config).toMatchObject({ m: 16, ef_construct: 100, full_scan_threshold: 10000 });
      expect(r.config.optimizer_config).toHaveProperty('max_segment_size', null);
      const age = Date.now() - Date.parse(r.created_at);
      expect(age).toBeGreaterThanOrEqual(-1000);
      expect(age).toBeLessThan(60_000);
    },
  },
  { name: 'hnsw ef_construct 0: 422', method: 'PUT', path: '/collections/bad', body: { vectors: { size: 4, distance: 'Dot' }, hnsw_config: { ef_construct: 0 } }, status: 422, error: /^Validation error in JSON body: .*hnsw_config\.ef_construct/ },
  { name: 'unknown distance: 400', method: 'PUT', path: '/collections/bad', body: { vectors: { size: 4, distance: 'Hamming' } }, status: 400, error: /^Format error in JSON body: / },
  {
    name: 'a multivector collection',
    method: 'PUT',
    path: '/collections/fid_multi',
    body: { vectors: { m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } } },
    status: 200,
  },
  { name: 'the failed creates left nothing', method: 'GET', path: '/collections/bad/exists', status: 200, check: (a) => expect(res(a)).toEqual({ exists: false }) },
]);

add('points', [
  {
    name: 'upsert wait=true: completed, operations numbered from 0',
    method: 'PUT',
    path: `/collections/${C}/points?wait=true`,
    body: { points: POINTS },
    status: 200,
    check: (a) => expect(res(a)).toEqual({ operation_id: 0, status: 'completed' }),
  },
  {
    name: 'named vectors upsert',
    method: 'PUT',
    path: `/collections/${NAMED}/points?wait=true`,
    body: { points: DENSE.map((p) => ({ id: p.id, vector: { image: p.vector, text: [...p.vector, ...p.vector] } })) },
    status: 200,
  },
  { name: 'multivector upsert', method: 'PUT', path: '/collections/fid_multi/points?wait=true', body: { points: [{ id: 1, vector: { m: [[0.1, 0.2], [0.3, 0.4]] } }, { id: 2, vector: { m: [[1.0, 0.0]] } }] }, status: 200 },
  {
    name: 'multivector query (max_sim)',
    method: 'POST',
    path: '/collections/fid_multi/points/query',
    body: { query: [[1.0, 0.0], [0.0, 1.0]], using: 'm', with_vector: true },
    status: 200,
    check: (a) => {
      expect(ids(res(a).points)).toEqual([2, 1]);
      expect(a.text).toContain('"vector":{"m":[[0.1,0.2],[0.3,0.4]]}');
      expect(res(a).points[1].score).toBeCloseTo(0.7, 6);
    },
  },
  { name: 'multivector dimension check', method: 'PUT', path: '/collections/fid_multi/points?wait=true', body: { points: [{ id: 3, vector: { m: [[0.1, 0.2, 0.3]] } }] }, status: 400, error: 'Wrong input: Vector dimension error: expected dim: 2, got 3' },
  {
    name: 'retrieve leaves missing ids out, payload by default, no vector',
    method: 'POST',
    path: `/collections/${C}/points`,
    body: { ids: [1, 99] },
    status: 200,
    check: (a) => expect(res(a)).toEqual([{ id: 1, payload: { city: 'Berlin', price: 10.0 } }]),
  },
  { name: 'get a missing point: 404', method: 'GET', path: `/collections/${C}/points/99`, status: 404, error: 'Not found: No point with id 99 found' },
  { name: 'payload floats print as given', method: 'GET', path: `/collections/${C}/points/3`, status: 200, check: (a) => expect(a.text).toContain('"payload":{"city":["Berlin","Moscow"],"price":9.5}') },
  { name: 'count exact', method: 'POST', path: `/collections/${C}/points/count`, body: { exact: true }, status: 200, check: (a) => expect(res(a)).toEqual({ count: 10 }) },
  { name: 'count with a filter on arrays', method: 'POST', path: `/collections/${C}/points/count`, body: { filter: { must: [{ key: 'city', match: { value: 'London' } }] }, exact: true }, status: 200, check: (a) => expect(res(a)).toEqual({ count: 2 }) },
  {
    name: 'scroll pages by id',
    method: 'POST',
    path: `/collections/${C}/points/scroll`,
    body: { limit: 3 },
    status: 200,
    check: (a) => {
      expect(ids(res(a).points)).toEqual([1, 2, 3]);
      expect(res(a).next_page_offset).toBe(4);
    },
  },
  { name: 'an unknown top-level field is ignored', method: 'POST', path: `/collections/${C}/points/scroll`, body: { limit: 1, surprise: 1 }, status: 200 },
  { name: 'a field of the wrong type: format error', method: 'POST', path: `/collections/${C}/points/scroll`, body: { limit: 'two' }, status: 400, error: /^Format error in JSON body: / },
  { name: 'wrong dimension: 400', method: 'PUT', path: `/collections/${C}/points?wait=true`, body: { points: [{ id: 20, vector: [1, 2, 3] }] }, status: 400, error: 'Wrong input: Vector dimension error: expected dim: 4, got 3' },
  { name: 'an id that is neither: format error', method: 'PUT', path: `/collections/${C}/points?wait=true`, body: { points: [{ id: 'not-a-uuid', vector: [1, 0, 0, 0] }] }, status: 400, error: /^Format error in JSON body: / },
  { name: 'uuid id upsert', method: 'PUT', path: `/collections/${C}/points?wait=true`, body: { points: [{ id: UUID, vector: [1, 0, 0, 0], payload: { kind: 'uuid' } }] }, status: 200 },
  { name: 'uuid id get', method: 'GET', path: `/collections/${C}/points/${UUID}`, status: 200, check: (a) => expect(res(a)).toMatchObject({ id: UUID, payload: { kind: 'uuid' } }) },
  { name: 'uuid id delete', method: 'POST', path: `/collections/${C}/points/delete?wait=true`, body: { points: [UUID] }, status: 200, check: (a) => expect(res(a).status).toBe('completed') },
  { name: 'without wait: acknowledged', method: 'POST', path: `/collections/${C}/points/payload`, body: { payload: { tag: 'x' }, points: [6] }, status: 200, check: (a) => expect(res(a).status).toBe('acknowledged') },
]);

add('float formatting', [
  { name: 'a stored vector prints as it was given', method: 'GET', path: `/collections/${C}/points/3`, status: 200, check: (a) => expect(a.text).toContain('"vector":[0.36,0.55,0.47,0.94]') },
  { name: 'scores print as f32', method: 'POST', path: `/collections/${C}/points/search`, body: { vector: QUERY, limit: 8 }, status: 200, check: (a) => expectF32Printing(a.text) },
  { name: 'query scores print as f32', method: 'POST', path: `/collections/${C}/points/query`, body: { query: [0.15, 0.3, 0.45, 0.6], with_vector: true }, status: 200, check: (a) => expectF32Printing(a.text) },
  {
    name: 'normalised (Cosine) vectors print as f32',
    method: 'POST',
    path: `/collections/${NAMED}/points`,
    body: { ids: [1, 2], with_vector: ['text'], with_payload: false },
    status: 200,
    check: (a) => {
      expectF32Printing(a.text);
      const v = res(a)[0].vector.text as number[];
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    },
  },
  { name: 'sparse values print as given', method: 'GET', path: `/collections/${C}/points/9`, status: 200, check: (a) => expect(a.text).toContain('"values":[0.5,0.5]') },
]);

add('payload index', [
  { name: 'keyword index without wait', method: 'PUT', path: `/collections/${C}/index`, body: { field_name: 'city', field_schema: 'keyword' }, status: 200, check: (a) => expect(res(a).status).toBe('acknowledged') },
  { name: 'float index', method: 'PUT', path: `/collections/${C}/index?wait=true`, body: { field_name: 'price', field_schema: 'float' }, status: 200, check: (a) => expect(res(a).status).toBe('completed') },
  { name: 'integer index with params', method: 'PUT', path: `/collections/${C}/index?wait=true`, body: { field_name: 'count', field_schema: { type: 'integer', lookup: true, range: false } }, status: 200 },
  { name: 'numeric field name', method: 'PUT', path: `/collections/${C}/index?wait=true`, body: { field_name: '123', field_schema: 'keyword' }, status: 200 },
  {
    name: 'lookup and range both off: 422',
    method: 'PUT',
    path: `/collections/${C}/index?wait=true`,
    body: { field_name: 'count2', field_schema: { type: 'integer', lookup: false, range: false } },
    status: 422,
    error: /^Validation error in JSON body: .*the 'lookup' and 'range' capabilities can't be both disabled/,
  },
  { name: 'an unknown schema: format error', method: 'PUT', path: `/collections/${C}/index`, body: { field_name: 'x', field_schema: 'bogus' }, status: 400, error: /^Format error in JSON body: / },
  {
    name: 'payload_schema: type, params, points',
    method: 'GET',
    path: `/collections/${C}`,
    status: 200,
    compare: 'status',
    check: (a) => {
      const schema = res(a).payload_schema;
      expect(schema.city).toEqual({ data_type: 'keyword', points: 4 });
      expect(schema.price).toMatchObject({ data_type: 'float' });
      expect(schema.count).toMatchObject({ data_type: 'integer', params: { type: 'integer', lookup: true, range: false }, points: 1 });
    },
  },
  {
    name: 'facet on the index',
    method: 'POST',
    path: `/collections/${C}/facet`,
    body: { key: 'city', exact: true },
    status: 200,
    check: (a) => expect(Object.fromEntries((res(a).hits as Array<{ value: string; count: number }>).map((h) => [h.value, h.count]))).toEqual({ Berlin: 3, London: 2, Moscow: 2 }),
  },
  { name: 'delete an index', method: 'DELETE', path: `/collections/${C}/index/123?wait=true`, status: 200 },
  { name: 'it is gone from payload_schema', method: 'GET', path: `/collections/${C}`, status: 200, compare: 'status', check: (a) => expect(Object.keys(res(a).payload_schema).sort()).toEqual(['city', 'count', 'price']) },
]);

const rrf = (lists: number[][], k = 2): Map<number, number> => {
  const scores = new Map<number, number>();
  for (const list of lists) list.forEach((id, rank) => scores.set(id, (scores.get(id) ?? 0) + 1 / (k + rank)));
  return scores;
};

add('query', [
  { name: 'nearest by vector', method: 'POST', path: `/collections/${C}/points/query`, body: { query: QUERY, limit: 3 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual(byDot(QUERY).slice(0, 3)) },
  { name: 'nearest as {nearest}', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { nearest: QUERY }, limit: 3 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual(byDot(QUERY).slice(0, 3)) },
  { name: 'with params', method: 'POST', path: `/collections/${C}/points/query`, body: { query: QUERY, params: { hnsw_ef: 128, exact: true }, limit: 3 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual(byDot(QUERY).slice(0, 3)) },
  { name: 'with using (sparse)', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { indices: [1, 2], values: [1, 1] }, using: 'sparse-text', limit: 3 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual([10]) },
  { name: 'with using (named dense)', method: 'POST', path: `/collections/${NAMED}/points/query`, body: { query: QUERY, using: 'image', limit: 3 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual(byDot(QUERY).slice(0, 3)) },
  {
    name: 'a prefetch rescored by the same query equals the plain query',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { prefetch: { limit: 1000 }, query: QUERY },
    status: 200,
    check: (a) => expect(ids(res(a).points)).toEqual(byDot(QUERY)),
  },
  {
    name: 'order_by query',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { query: { order_by: 'price' }, with_payload: true },
    status: 200,
    check: (a) => expect((res(a).points as Array<{ payload: { price: number } }>).map((p) => p.payload.price)).toEqual([9, 9.5, 10, 11]),
  },
  {
    name: 'rrf over two prefetches',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { prefetch: [{ query: [0.1, 0.2, 0.3, 0.4] }, { query: [0.5, 0.6, 0.7, 0.8] }], query: { fusion: 'rrf' } },
    status: 200,
    check: (a) => {
      const expected = rrf([byDot([0.1, 0.2, 0.3, 0.4]), byDot([0.5, 0.6, 0.7, 0.8])]);
      const got = res(a).points as Array<{ id: number; score: number }>;
      expect(got).toHaveLength(8);
      for (const p of got) expect(p.score).toBeCloseTo(expected.get(p.id)!, 5);
    },
    keep: (a, ctx) => (ctx.vars.rrfScores = (res(a).points as Array<{ score: number }>).map((p) => p.score)),
  },
  {
    name: 'score_threshold with prefetch and fusion',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { prefetch: [{ query: [0.1, 0.2, 0.3, 0.4] }, { query: [0.5, 0.6, 0.7, 0.8] }], query: { fusion: 'rrf' }, score_threshold: 0.6 },
    status: 200,
    check: (a) => {
      const got = res(a).points as Array<{ score: number }>;
      expect(got.length).toBeGreaterThan(0);
      expect(got.length).toBeLessThan(8);
      for (const p of got) expect(p.score).toBeGreaterThanOrEqual(0.6);
    },
  },
  { name: 'rrf with k', method: 'POST', path: `/collections/${C}/points/query`, body: { prefetch: [{ query: [0.1, 0.2, 0.3, 0.4] }, { query: [0.1, 0.2, 0.3, 0.4] }], query: { rrf: { k: 60 } }, limit: 1 }, status: 200, check: (a) => expect(res(a).points[0].score).toBeCloseTo(2 / 60, 6) },
  {
    name: 'dbsf over two prefetches',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { prefetch: [{ query: [0.1, 0.2, 0.3, 0.4] }, { query: [0.5, 0.6, 0.7, 0.8] }], query: { fusion: 'dbsf' } },
    status: 200,
    check: (a) => {
      const scores = (res(a).points as Array<{ score: number }>).map((p) => p.score);
      expect(scores).toHaveLength(8);
      expect([...scores].sort((x, y) => y - x)).toEqual(scores);
    },
  },
  {
    name: 'mmr: another order, no vectors unless asked',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { query: { nearest: [0.35, 0.08, 0.11, 0.47], mmr: { diversity: 0.5, candidates_limit: 100 } } },
    status: 200,
    check: (a) => {
      const got = res(a).points as Array<Record<string, unknown>>;
      expect(ids(got as Array<{ id: number }>)).not.toEqual(byDot([0.35, 0.08, 0.11, 0.47]));
      for (const p of got) {
        expect(p).not.toHaveProperty('vector');
        expect(p).not.toHaveProperty('payload');
      }
    },
    keep: (a, ctx) => (ctx.vars.mmr = res(a).points),
  },
  { name: 'mmr defaults are diversity 0.5', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { nearest: [0.35, 0.08, 0.11, 0.47], mmr: {} } }, status: 200, check: (a, ctx) => expect(res(a).points).toEqual(ctx.vars.mmr) },
  {
    name: 'sample random',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { query: { sample: 'random' } },
    status: 200,
    compare: 'shape',
    check: (a) => expect(new Set(ids(res(a).points))).toEqual(new Set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])),
  },
  {
    name: 'recommend (average_vector) leaves the examples out',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { query: { recommend: { positive: [1, 2, 3, 4], negative: [3] } } },
    status: 200,
    check: (a) => expect(ids(res(a).points).sort()).toEqual([5, 6, 7, 8]),
  },
  { name: 'recommend best_score', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { recommend: { positive: [1, 2], negative: [3], strategy: 'best_score' } } }, status: 200, check: (a) => expect(ids(res(a).points).sort()).toEqual([4, 5, 6, 7, 8]) },
  { name: 'recommend sum_scores', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { recommend: { positive: [1], strategy: 'sum_scores' } }, limit: 2 }, status: 200, check: (a) => expect(res(a).points).toHaveLength(2) },
  { name: 'discover', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { discover: { target: 2, context: [{ positive: 3, negative: 4 }] } } }, status: 200, check: (a) => expect(ids(res(a).points).sort()).toEqual([1, 5, 6, 7, 8]) },
  { name: 'context', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { context: [{ positive: 2, negative: 4 }] }, limit: 100 }, status: 200, check: (a) => expect(ids(res(a).points).sort()).toEqual([1, 3, 5, 6, 7, 8]) },
  {
    name: 'formula over a prefetch',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { prefetch: { query: QUERY, limit: 8 }, query: { formula: { sum: ['$score', { mult: [0.5, 'price'] }] }, defaults: { price: 0 } }, limit: 2 },
    status: 200,
    check: (a) => {
      const expected = DENSE.map((p) => ({ id: p.id, score: dot(p.vector, QUERY) + 0.5 * (typeof p.payload?.price === 'number' ? p.payload.price : 0) })).sort((x, y) => y.score - x.score);
      const got = res(a).points as Array<{ id: number; score: number }>;
      expect(ids(got)).toEqual(ids(expected.slice(0, 2)));
      expect(got[0]!.score).toBeCloseTo(expected[0]!.score, 4);
    },
  },
  {
    name: 'legacy recommend answers as the query',
    method: 'POST',
    path: `/collections/${C}/points/recommend`,
    body: { positive: [1, 2, 3, 4], negative: [3], limit: 10 },
    status: 200,
    check: (a) => expect(ids(res(a)).sort()).toEqual([5, 6, 7, 8]),
  },
  { name: 'legacy discover', method: 'POST', path: `/collections/${C}/points/discover`, body: { target: 2, context: [{ positive: 3, negative: 4 }], limit: 10 }, status: 200, check: (a) => expect(ids(res(a)).sort()).toEqual([1, 5, 6, 7, 8]) },
  { name: 'legacy recommend batch', method: 'POST', path: `/collections/${C}/points/recommend/batch`, body: { searches: [{ positive: [1], limit: 2 }] }, status: 200, check: (a) => expect(res(a)[0]).toHaveLength(2) },
  {
    name: 'groups by a payload field, arrays in several groups',
    method: 'POST',
    path: `/collections/${C}/points/query/groups`,
    body: { query: QUERY, group_by: 'city', group_size: 2, limit: 3, with_payload: true },
    status: 200,
    check: (a) => {
      const groups = res(a).groups as Array<{ id: string; hits: Array<{ payload: { city: string | string[] } }> }>;
      expect(groups.map((g) => g.id).sort()).toEqual(['Berlin', 'London', 'Moscow']);
      for (const g of groups) for (const h of g.hits) expect([h.payload.city].flat()).toContain(g.id);
    },
  },
  {
    name: 'groups with_lookup of a missing collection: 404',
    method: 'POST',
    path: `/collections/${C}/points/query/groups`,
    body: { query: QUERY, group_by: 'price', with_lookup: { collection: 'non_existing_collection', with_vector: true } },
    status: 404,
    error: /Collection non_existing_collection not found/,
  },
  { name: 'by point id', method: 'POST', path: `/collections/${C}/points/query`, body: { query: 1, limit: 3 }, status: 200, check: (a) => expect(ids(res(a).points)).not.toContain(1) },
  { name: 'lookup_from another collection', method: 'POST', path: `/collections/${C}/points/query`, body: { query: 1, lookup_from: { collection: NAMED, vector: 'image' }, limit: 1 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual([byDot(DENSE[0]!.vector)[0]]) },
  { name: 'by a missing id: 404', method: 'POST', path: `/collections/${C}/points/query`, body: { query: 99 }, status: 404, error: 'Not found: No point with id 99 found' },
  { name: 'batch', method: 'POST', path: `/collections/${C}/points/query/batch`, body: { searches: [{ query: QUERY, limit: 2 }, { query: { order_by: 'price' }, limit: 1 }] }, status: 200, check: (a) => expect(res(a)).toHaveLength(2) },
  { name: 'no query: points by id', method: 'POST', path: `/collections/${C}/points/query`, body: { with_payload: true, limit: 2 }, status: 200, check: (a) => expect(ids(res(a).points)).toEqual([1, 2]) },
  {
    name: 'prefetch without a query',
    method: 'POST',
    path: `/collections/${C}/points/query`,
    body: { prefetch: [{ query: { recommend: { positive: [1] } } }] },
    status: 400,
    error: "Bad request: A query is needed to merge the prefetches. Can't have prefetches without defining a query.",
  },
  { name: 'score_threshold without a query', method: 'POST', path: `/collections/${C}/points/query`, body: { score_threshold: 10 }, status: 400, error: "Bad request: A query is needed to use the score_threshold. Can't have score_threshold without defining a query." },
  { name: 'score_threshold with order_by', method: 'POST', path: `/collections/${C}/points/query`, body: { score_threshold: 10, query: { order_by: { key: 'price' } } }, status: 400, error: "Bad request: Can't use score_threshold with an order_by query." },
  { name: 'limit 0', method: 'POST', path: `/collections/${C}/points/query`, body: { query: { recommend: { positive: [1] } }, limit: 0 }, status: 422, error: 'Validation error in JSON body: [internal.limit: value 0 invalid, must be 1 or larger]' },
  { name: 'a missing collection', method: 'POST', path: '/collections/missing/points/query', body: { query: QUERY }, status: 404, error: 'Not found: Collection `missing` doesn\'t exist!' },
]);

add('validation', [
  {
    name: 'a condition with a key and nothing to test (search)',
    method: 'POST',
    path: `/collections/${C}/points/search`,
    body: { vector: QUERY, limit: 3, filter: { must: [{ key: 'city' }] } },
    status: 422,
    error: /^Validation error in JSON body: .*At least one field condition must be specified/,
  },
  { name: '… in scroll', method: 'POST', path: `/collections/${C}/points/scroll`, body: { filter: { should: [{ key: 'city' }] } }, status: 422, error: /At least one field condition must be specified/ },
  { name: '… in count', method: 'POST', path: `/collections/${C}/points/count`, body: { filter: { must_not: [{ key: 'city' }] } }, status: 422, error: /At least one field condition must be specified/ },
  { name: '… nested in a query prefetch', method: 'POST', path: `/collections/${C}/points/query`, body: { prefetch: { query: QUERY, filter: { must: [{ must: [{ key: 'price' }] }] } }, query: QUERY }, status: 422, error: /At least one field condition must be specified/ },
  { name: 'search limit 0', method: 'POST', path: `/collections/${C}/points/search`, body: { vector: QUERY, limit: 0 }, status: 422, error: /limit: value 0 invalid, must be 1 or larger\]$/ },
  { name: 'timeout 0', method: 'PUT', path: '/collections/bad?timeout=0', body: { vectors: { size: 4, distance: 'Dot' } }, status: 422, error: /timeout: value 0 invalid/ },
  { name: 'a collection name too long', method: 'GET', path: `/collections/${'n'.repeat(300)}/points/1`, status: 422 },
  { name: 'an empty body', method: 'POST', path: `/collections/${C}/points/search`, status: 400, error: /^Format error in JSON body: / },
]);

const batchOps = {
  operations: [
    { upsert: { points: [{ id: 7, vector: [1.0, 2.0, 3.0, 4.0], payload: {} }] } },
    { upsert: { points: [{ id: 8, vector: [1.0, 2.0, 3.0, 4.0], payload: {} }] } },
    { delete: { points: [8] } },
    { upsert: { points: [{ id: 7, vector: [2.0, 1.0, 3.0, 4.0], payload: {} }] } },
    { upsert: { points: [{ id: 9, vector: { 'sparse-text': { indices: [123, 321], values: [5.5, 5.5] } }, payload: {} }] } },
    { delete: { points: [10] } },
  ],
};
add('batch update', [
  { name: 'upserts and deletes in order', method: 'POST', path: `/collections/${C}/points/batch?wait=true`, body: batchOps, status: 200, check: (a) => expect(res(a)).toHaveLength(6) },
  {
    name: 'their effect',
    method: 'POST',
    path: `/collections/${C}/points`,
    body: { ids: [7, 8, 9, 10], with_vector: true, with_payload: true },
    status: 200,
    check: (a) =>
      expect(res(a)).toEqual([
        { id: 7, payload: {}, vector: [2.0, 1.0, 3.0, 4.0] },
        { id: 9, payload: {}, vector: { 'sparse-text': { indices: [123, 321], values: [5.5, 5.5] } } },
      ]),
  },
  {
    name: 'vector updates and deletes',
    method: 'POST',
    path: `/collections/${C}/points/batch?wait=true`,
    body: {
      operations: [
        { update_vectors: { points: [{ id: 7, vector: [9.0, 2.0, 4.0, 2.0] }] } },
        { upsert: { points: [{ id: 9, vector: [0.0, 5.0, 2.0, 1.0], payload: {} }] } },
        { delete_vectors: { points: [9], vector: [''] } },
      ],
    },
    status: 200,
  },
  { name: 'their effect ', method: 'POST', path: `/collections/${C}/points`, body: { ids: [7, 9], with_vector: true }, status: 200, check: (a) => expect(res(a)).toEqual([{ id: 7, payload: {}, vector: [9.0, 2.0, 4.0, 2.0] }, { id: 9, payload: {}, vector: {} }]) },
  {
    name: 'payload operations on one point',
    method: 'POST',
    path: `/collections/${C}/points/batch?wait=true`,
    body: {
      operations: [
        { overwrite_payload: { payload: { test_payload_1: '1' }, points: [1] } },
        { set_payload: { payload: { test_payload_2: '2', test_payload_3: '3' }, points: [1] } },
        { delete_payload: { keys: ['test_payload_2'], points: [1] } },
        { clear_payload: { points: [2] } },
      ],
    },
    status: 200,
  },
  { name: 'their effect  ', method: 'POST', path: `/collections/${C}/points`, body: { ids: [1, 2] }, status: 200, check: (a) => expect(res(a)).toEqual([{ id: 1, payload: { test_payload_1: '1', test_payload_3: '3' } }, { id: 2, payload: {} }]) },
  { name: 'a batch on a missing collection', method: 'POST', path: '/collections/missing/points/batch', body: batchOps, status: 404, error: 'Not found: Collection `missing` doesn\'t exist!' },
]);

add('aliases', [
  { name: 'create', method: 'POST', path: '/collections/aliases', body: { actions: [{ create_alias: { alias_name: 'fid_alias', collection_name: C } }] }, status: 200, check: (a) => expect(res(a)).toBe(true) },
  { name: 'list', method: 'GET', path: '/aliases', status: 200, check: (a) => expect(res(a)).toEqual({ aliases: [{ alias_name: 'fid_alias', collection_name: C }] }) },
  { name: "a collection's aliases", method: 'GET', path: `/collections/${C}/aliases`, status: 200, check: (a) => expect(res(a)).toEqual({ aliases: [{ alias_name: 'fid_alias', collection_name: C }] }) },
  { name: 'search through an alias', method: 'POST', path: '/collections/fid_alias/points/search', body: { vector: QUERY, limit: 3 }, status: 200, check: (a) => expect(res(a)).toHaveLength(3) },
  { name: 'an alias named like a collection: 409', method: 'POST', path: '/collections/aliases', body: { actions: [{ create_alias: { alias_name: NAMED, collection_name: C } }] }, status: 409 },
  { name: 'a collection named like an alias: 400', method: 'PUT', path: '/collections/fid_alias', body: { vectors: { size: 4, distance: 'Dot' } }, status: 400 },
  { name: 'rename', method: 'POST', path: '/collections/aliases', body: { actions: [{ rename_alias: { old_alias_name: 'fid_alias', new_alias_name: 'fid_alias2' } }] }, status: 200 },
  { name: 'delete', method: 'POST', path: '/collections/aliases', body: { actions: [{ delete_alias: { alias_name: 'fid_alias2' } }] }, status: 200 },
  { name: 'none left', method: 'GET', path: '/aliases', status: 200, check: (a) => expect(res(a)).toEqual({ aliases: [] }) },
  { name: 'search through a deleted alias: 404', method: 'POST', path: '/collections/fid_alias2/points/search', body: { vector: QUERY, limit: 3 }, status: 404 },
  { name: 'an alias to a missing collection: 404', method: 'POST', path: '/collections/aliases', body: { actions: [{ create_alias: { alias_name: 'a', collection_name: 'missing' } }] }, status: 404 },
]);

add('collection update', [
  {
    name: 'PATCH vector, hnsw, quantization and params',
    method: 'PATCH',
    path: `/collections/${C}`,
    body: {
      vectors: { '': { hnsw_config: { m: 32 }, quantization_config: { scalar: { type: 'int8', quantile: 0.8 } }, on_disk: true } },
      hnsw_config: { ef_construct: 123 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
      params: { on_disk_payload: false },
      optimizers_config: { default_segment_number: 6 },
    },
    status: 200,
    check: (a) => expect(res(a)).toBe(true),
  },
  {
    name: 'reported back in config',
    method: 'GET',
    path: `/collections/${C}`,
    status: 200,
    compare: 'status',
    check: (a) => {
      const config = res(a).config;
      expect(config.params.vectors.hnsw_config.m).toBe(32);
      expect(config.params.vectors.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.8 } });
      expect(config.params.vectors.on_disk).toBe(true);
      expect(config.params.on_disk_payload).toBe(false);
      expect(config.hnsw_config).toMatchObject({ m: 16, ef_construct: 123 });
      expect(config.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.99, always_ram: true } });
      expect(config.optimizer_config.default_segment_number).toBe(6);
    },
  },
  { name: 'still served after the update', method: 'POST', path: `/collections/${C}/points/query`, body: { query: QUERY, limit: 1 }, status: 200 },
]);

add('service', [
  { name: 'root', method: 'GET', path: '/', status: 200, compare: 'status', check: (a) => expect(a.json).toMatchObject({ title: 'qdrant - vector search engine', version: expect.stringMatching(/^1\.\d+\.\d+/) }) },
  { name: 'healthz', method: 'GET', path: '/healthz', status: 200, check: (a) => expect(a.text).toBe('healthz check passed') },
  { name: 'readyz', method: 'GET', path: '/readyz', status: 200, check: (a) => expect(a.text).toBe('all shards are ready') },
  {
    name: 'telemetry: responses by "METHOD /route", then status',
    method: 'GET',
    path: '/telemetry',
    status: 200,
    compare: 'status',
    check: (a) => {
      const r = res(a);
      expect(r.app.name).toBe('qdrant');
      expect(r.collections.number_of_collections).toBe(3);
      const search = r.requests.rest.responses['POST /collections/{name}/points/search'];
      expect(search['200'].count).toBeGreaterThan(0);
      expect(search['422'].count).toBeGreaterThan(0);
      expect(typeof search['200'].avg_duration_micros).toBe('number');
    },
  },
  {
    name: 'telemetry details_level 0: its keys',
    method: 'GET',
    path: '/telemetry?details_level=0',
    status: 200,
    compare: 'status',
    check: (a) => {
      expect(Object.keys(res(a)).sort()).toEqual(['app', 'cluster', 'collections', 'id', 'requests']);
      expect(Object.keys(res(a).collections)).toEqual(['number_of_collections']);
    },
  },
  {
    name: 'telemetry details_level 2: collections with id, init time and config',
    method: 'GET',
    path: '/telemetry?details_level=2',
    status: 200,
    compare: 'status',
    check: (a) => {
      expect(Object.keys(res(a)).sort()).toEqual(['app', 'cluster', 'collections', 'hardware', 'id', 'memory', 'requests']);
      expect(Object.keys(res(a).collections.collections[0]).sort()).toEqual(['config', 'id', 'init_time_ms']);
    },
  },
  {
    name: 'metrics: per-collection series and REST counters',
    method: 'GET',
    path: '/metrics',
    status: 200,
    compare: 'status',
    check: (a) => {
      expect(a.text).toMatch(/^app_info\{name="qdrant",version="1\.\d+\.\d+[^"]*"\} 1$/m);
      expect(a.text).toMatch(/^collections_total 3$/m);
      expect(a.text).toMatch(new RegExp(`^collection_points\\{id="${C}"\\} 8$`, 'm'));
      expect(a.text).toMatch(/^rest_responses_total\{method="POST",endpoint="\/collections\/\{name\}\/points\/query",status="200"\} \d+$/m);
    },
  },
  { name: 'issues', method: 'GET', path: '/issues', status: 200, check: (a) => expect(res(a)).toEqual({ issues: [] }) },
  { name: 'cluster (standalone)', method: 'GET', path: '/cluster', status: 200, compare: 'shape', check: (a) => expect(res(a).status).toBe('disabled') },
]);

add('snapshots', [
  { name: 'none yet', method: 'GET', path: `/collections/${C}/snapshots`, status: 200, check: (a) => expect(res(a)).toEqual([]) },
  {
    name: 'create, wait=true',
    method: 'POST',
    path: `/collections/${C}/snapshots?wait=true`,
    status: 200,
    check: (a) => expect(res(a)).toMatchObject({ name: expect.stringMatching(new RegExp(`^${C}-\\d+-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.snapshot$`)), creation_time: expect.any(String), size: expect.any(Number), checksum: expect.stringMatching(/^[0-9a-f]{64}$/) }),
    keep: (a, ctx) => Object.assign(ctx.vars, { snapshot: res(a).name, checksum: res(a).checksum }),
  },
  { name: 'listed', method: 'GET', path: `/collections/${C}/snapshots`, status: 200, check: (a, ctx) => expect(ids((res(a) as Array<{ name: string }>).map((s) => ({ id: s.name })))).toEqual([ctx.vars.snapshot]) },
  {
    name: 'download matches its checksum',
    method: 'GET',
    path: (ctx) => `/collections/${C}/snapshots/${String(ctx.vars.snapshot)}`,
    status: 200,
    compare: 'status',
    check: (a, ctx) => expect(createHash('sha256').update(a.bytes!).digest('hex')).toBe(ctx.vars.checksum),
    keep: (a, ctx) => (ctx.vars.archive = a.bytes),
  },
  { name: 'a missing snapshot: 404', method: 'GET', path: `/collections/${C}/snapshots/nope.snapshot`, status: 404 },
  { name: 'path traversal: 404', method: 'GET', path: `/collections/${C}/snapshots/..%2F..%2F..%2Fetc%2Fpasswd`, status: 404 },
  { name: 'a file:// host: 400', method: 'PUT', path: '/collections/recovered/snapshots/recover', body: { location: 'file://whatever.snapshot' }, status: 400, error: 'Bad request: Invalid snapshot URI, file path must be absolute or on localhost' },
  { name: 'a relative file://: 400', method: 'PUT', path: '/collections/recovered/snapshots/recover', body: { location: 'file://./etc/passwd' }, status: 400, error: 'Bad request: Invalid snapshot URI, file path must be absolute or on localhost' },
  { name: 'a missing file: 400', method: 'PUT', path: '/collections/recovered/snapshots/recover', body: { location: 'file:///whatever.snapshot' }, status: 400, error: 'Bad request: Snapshot file "/whatever.snapshot" does not exist' },
  { name: 'a missing file on localhost: 400', method: 'PUT', path: '/collections/recovered/snapshots/recover', body: { location: 'file://localhost/whatever.snapshot' }, status: 400, error: 'Bad request: Snapshot file "/whatever.snapshot" does not exist' },
  { name: 'a file outside the snapshots dir: 403', method: 'PUT', path: '/collections/recovered/snapshots/recover', body: { location: 'file:///etc/passwd' }, status: 403, error: /^Forbidden: Snapshot file path must be inside the snapshots directory/ },
  {
    name: 'recover from a file in the snapshots dir',
    method: 'PUT',
    path: '/collections/recovered/snapshots/recover',
    body: (ctx: Ctx) => ({ location: `file://${join(ctx.snapshotsDir, C, String(ctx.vars.snapshot))}` }),
    status: 200,
  },
  { name: 'recovered points', method: 'POST', path: '/collections/recovered/points/count', body: { exact: true }, status: 200, check: (a) => expect(res(a)).toEqual({ count: 8 }) },
  { name: 'recover from a URL, wrong checksum: 400', method: 'PUT', path: '/collections/recovered_url/snapshots/recover', body: (ctx: Ctx) => ({ location: `${ctx.files}/snapshot.tar`, checksum: '3'.repeat(64), wait: 'true' }), status: 400 },
  { name: 'not recovered', method: 'POST', path: '/collections/recovered_url/points/scroll', body: {}, status: 404 },
  { name: 'recover from a URL', method: 'PUT', path: '/collections/recovered_url/snapshots/recover', body: (ctx: Ctx) => ({ location: `${ctx.files}/snapshot.tar`, checksum: ctx.vars.checksum, wait: 'true' }), status: 200 },
  { name: 'recovered from the URL', method: 'POST', path: '/collections/recovered_url/points/scroll', body: {}, status: 200, check: (a) => expect(res(a).points).toHaveLength(8) },
  {
    name: 'upload an empty file: 400, no server paths',
    method: 'POST',
    path: '/collections/uploaded/snapshots/upload',
    form: () => {
      const form = new FormData();
      form.append('snapshot', new Blob([]), 'empty.snapshot');
      return form;
    },
    status: 400,
    check: (a) => {
      expect(a.text).toContain('does not contain a collection config');
      expect(a.text).not.toContain('recovery-');
      expect(a.text).not.toContain('config.json');
    },
  },
  {
    name: 'upload a snapshot',
    method: 'POST',
    path: (ctx) => `/collections/uploaded/snapshots/upload?wait=true&checksum=${String(ctx.vars.checksum)}`,
    form: (ctx) => {
      const form = new FormData();
      form.append('snapshot', new Blob([ctx.vars.archive as Buffer]), String(ctx.vars.snapshot));
      return form;
    },
    status: 200,
  },
  { name: 'create, wait=false: 202', method: 'POST', path: `/collections/${C}/snapshots?wait=false`, status: 202, check: (a) => expect(a.json).toMatchObject({ status: 'accepted' }) },
  { name: 'delete, wait=true', method: 'DELETE', path: (ctx) => `/collections/${C}/snapshots/${String(ctx.vars.snapshot)}?wait=true`, status: 200, check: (a) => expect(res(a)).toBe(true) },
  { name: 'full snapshots: none yet', method: 'GET', path: '/snapshots', status: 200, check: (a) => expect(res(a)).toEqual([]) },
  {
    name: 'full snapshot, wait=true',
    method: 'POST',
    path: '/snapshots?wait=true',
    status: 200,
    check: (a) => expect(res(a).name).toMatch(/^full-snapshot-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.snapshot$/),
    keep: (a, ctx) => (ctx.vars.full = res(a).name),
  },
  { name: 'full snapshots listed', method: 'GET', path: '/snapshots', status: 200, check: (a, ctx) => expect((res(a) as Array<{ name: string }>).map((s) => s.name)).toEqual([ctx.vars.full]) },
  { name: 'full snapshot delete', method: 'DELETE', path: (ctx) => `/snapshots/${String(ctx.vars.full)}?wait=true`, status: 200 },
  { name: 'full snapshot, wait=false: 202', method: 'POST', path: '/snapshots?wait=false', status: 202 },
  { name: 'a missing full snapshot: 404', method: 'GET', path: '/snapshots/nope.snapshot', status: 404 },
]);

// ---------------------------------------------------------------------------------------- running

const VOLATILE = new Set(['time', 'operation_id', 'creation_time', 'checksum', 'size', 'name', 'version', 'commit']);

/** Where `local` differs from `real` (names, JSON types, and for `full` the values), or undefined. */
function difference(local: unknown, real: unknown, mode: 'full' | 'shape', path = '$'): string | undefined {
  const kind = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(local) !== kind(real)) return `${path}: ${kind(local)} here, ${kind(real)} in Qdrant`;
  if (Array.isArray(local) && Array.isArray(real)) {
    if (mode === 'full' && local.length !== real.length) return `${path}: ${local.length} items here, ${real.length} in Qdrant`;
    const n = mode === 'full' ? local.length : Math.min(local.length, real.length, 1);
    for (let i = 0; i < n; i++) {
      const d = difference(local[i], real[i], mode, `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (kind(local) === 'object') {
    const a = local as Record<string, unknown>;
    const b = real as Record<string, unknown>;
    const keys = (o: Record<string, unknown>): string => Object.keys(o).sort().join(',');
    if (keys(a) !== keys(b)) return `${path}: fields {${keys(a)}} here, {${keys(b)}} in Qdrant`;
    for (const k of Object.keys(a)) {
      const d = VOLATILE.has(k) ? difference(a[k], b[k], 'shape', `${path}.${k}`) : difference(a[k], b[k], mode, `${path}.${k}`);
      if (d) return d;
    }
    return undefined;
  }
  if (mode === 'full' && local !== real) {
    if (typeof local === 'number' && typeof real === 'number' && Math.abs(local - real) <= 1e-5 * Math.max(1, Math.abs(real))) return undefined;
    return `${path}: ${JSON.stringify(local)} here, ${JSON.stringify(real)} in Qdrant`;
  }
  return undefined;
}

function compareAnswers(c: Case, local: Answer, real: Answer): string | undefined {
  if (local.status !== real.status) return `status ${local.status} here, ${real.status} in Qdrant (${real.text.slice(0, 200)})`;
  const envelope = (a: Answer): string => (a.json && typeof a.json === 'object' && !Array.isArray(a.json) ? Object.keys(a.json).sort().join(',') : typeof a.json);
  if (envelope(local) !== envelope(real)) return `envelope {${envelope(local)}} here, {${envelope(real)}} in Qdrant`;
  const errorOf = (a: Answer): unknown => (a.json as { status?: { error?: string } } | undefined)?.status?.error;
  if (errorOf(local) !== errorOf(real)) return `error ${JSON.stringify(errorOf(local))} here, ${JSON.stringify(errorOf(real))} in Qdrant`;
  if (c.compare === 'status' || local.bytes) return undefined;
  if (local.json === undefined) return local.text === real.text ? undefined : `text ${JSON.stringify(local.text.slice(0, 80))} here, ${JSON.stringify(real.text.slice(0, 80))} in Qdrant`;
  return difference(res(local), res(real), c.compare ?? 'full', '$.result');
}

function checkStatement(c: Case, a: Answer, ctx: Ctx): string | undefined {
  try {
    expect(a.status, a.text.slice(0, 300)).toBe(c.status);
    if (c.error !== undefined) {
      const error = (a.json as { status?: { error?: string } } | undefined)?.status?.error;
      if (typeof c.error === 'string') expect(error).toBe(c.error);
      else expect(error).toMatch(c.error);
    }
    const envelope = a.json as { status?: unknown } | undefined;
    if (a.status < 400 && envelope && typeof envelope === 'object' && 'status' in envelope) expect(envelope.status).toBe(a.status === 202 ? 'accepted' : 'ok');
    c.check?.(a, ctx);
    return undefined;
  } catch (err) {
    return (err as Error).message.split('\n')[0];
  }
}

async function send(ctx: Ctx, c: Case): Promise<Answer> {
  const path = typeof c.path === 'function' ? c.path(ctx) : c.path;
  const body = typeof c.body === 'function' ? (c.body as (x: Ctx) => unknown)(ctx) : c.body;
  const headers: Record<string, string> = { 'api-key': API_KEY };
  let payload: FormData | string | undefined;
  if (c.form) payload = c.form(ctx);
  else if (body !== undefined) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body);
  } else if (c.method === 'POST' && !path.includes('/snapshots')) headers['content-type'] = 'application/json';
  const response = await fetch(`${ctx.url}${path}`, { method: c.method, headers, body: payload, signal: AbortSignal.timeout(60_000) });
  const raw = Buffer.from(await response.arrayBuffer());
  const binary = (response.headers.get('content-type') ?? '').includes('octet-stream');
  const text = binary ? '' : raw.toString('utf8');
  let json: unknown;
  if (!binary) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: response.status, text, json, ...(binary ? { bytes: raw } : {}) };
}

interface Run {
  engine: Engine;
  ctx: Ctx;
  answers: Answer[];
}

async function runAll(server: StartedServer, snapshotsDir: string, files: { url: string; put(name: string, data: Buffer): void }): Promise<Run> {
  const ctx: Ctx = { url: server.info.url, snapshotsDir, vars: {}, files: files.url };
  const answers: Answer[] = [];
  for (const c of CASES) {
    const a = await send(ctx, c);
    c.keep?.(a, ctx);
    if (ctx.vars.archive && !ctx.vars.served) {
      files.put('snapshot.tar', ctx.vars.archive as Buffer);
      ctx.vars.served = true;
    }
    answers.push(a);
  }
  return { engine: server.info.engine, ctx, answers };
}

/** A loopback file server for `recover` from a URL (Qdrant's tests use one the same way). */
async function fileServer(): Promise<{ url: string; put(name: string, data: Buffer): void; close(): Promise<void> }> {
  const files = new Map<string, Buffer>();
  const server: Server = createServer((req, reply) => {
    const data = files.get((req.url ?? '').replace(/^\//, ''));
    reply.writeHead(data ? 200 : 404, { 'content-type': 'application/octet-stream' });
    reply.end(data ?? '');
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    put: (name, data) => files.set(name, data),
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const dirs: string[] = [];
const servers: StartedServer[] = [];
const fileServers: Array<{ close(): Promise<void> }> = [];
let local: Run;
let real: Run | undefined;

async function startAndRun(engine: Engine): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), `qdrant-fidelity-${engine}-`));
  dirs.push(dir);
  const snapshotsDir = join(dir, 'snapshots');
  const server = await startServer({ storagePath: join(dir, 'storage'), snapshotsPath: snapshotsDir, apiKey: API_KEY, logPath: join(dir, 'server.log'), engine });
  servers.push(server);
  const files = await fileServer();
  fileServers.push(files);
  return runAll(server, snapshotsDir, files);
}

beforeAll(async () => {
  local = await startAndRun('qdrant-local');
  if (process.env.QDRANT_BIN) real = await startAndRun('qdrant');
}, 300_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await Promise.all(fileServers.map((f) => f.close()));
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const AREAS = [...new Set(CASES.map((c) => c.area))];

/** Per case: what is wrong with qdrant-local's answer (and Qdrant's, when one runs), or nothing. */
function verdicts(): Array<{ c: Case; problems: string[] }> {
  return CASES.map((c, i) => {
    const problems: string[] = [];
    const mine = checkStatement(c, local.answers[i]!, local.ctx);
    if (mine) problems.push(`qdrant-local: ${mine}`);
    if (real) {
      const theirs = checkStatement(c, real.answers[i]!, real.ctx);
      if (theirs) problems.push(`Qdrant itself answers otherwise than this test states (fix the statement): ${theirs}`);
      const diff = compareAnswers(c, local.answers[i]!, real.answers[i]!);
      if (diff) problems.push(`qdrant-local vs Qdrant: ${diff}`);
    }
    return { c, problems };
  });
}

describe(`REST fidelity to Qdrant (${process.env.QDRANT_BIN ? 'compared with a real Qdrant' : "against Qdrant's answers as written from its sources"})`, () => {
  it('prints the count of matching cases per area', () => {
    const all = verdicts();
    const lines = AREAS.map((area) => {
      const mine = all.filter((v) => v.c.area === area);
      return `  ${area.padEnd(18)} ${mine.filter((v) => v.problems.length === 0).length}/${mine.length}`;
    });
    const ok = all.filter((v) => v.problems.length === 0).length;
    const failures = all.filter((v) => v.problems.length > 0).map((v) => `  ✗ ${v.c.area} / ${v.c.name}: ${v.problems.join('; ')}`);
    console.log(`qdrant-local REST fidelity${real ? ' (compared with a real Qdrant)' : ''}: ${ok}/${all.length} cases\n${[...lines, ...failures].join('\n')}`);
    expect(all.length).toBeGreaterThan(100);
  });

  it.each(AREAS)('%s: every case answered as Qdrant answers it', (area) => {
    const failed = verdicts()
      .filter((v) => v.c.area === area && v.problems.length > 0)
      .map((v) => `${v.c.method} ${typeof v.c.path === 'string' ? v.c.path : '(computed path)'} — ${v.c.name}: ${v.problems.join('; ')}`);
    expect(failed).toEqual([]);
  });
});
