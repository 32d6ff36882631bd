/**
 * The collections and service side of Qdrant's REST behaviour, as Qdrant's own REST tests
 * (`tests/openapi` in qdrant/qdrant) state it: `init_from`, serde's `quantization` alias,
 * collection-name validation on `exists`, the `/locks` write lock, `/issues` for an unindexed
 * filter field, `/telemetry` segments, shard snapshots and the standalone `/cluster` calls, and
 * an option newer than the server ignored as serde ignores it.
 * Runs against the engine `bin/serve` picks (a real Qdrant with QDRANT_BIN); the few answers
 * newer than the Qdrant a user may run skip there, and say why.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restClient } from './helpers/http.ts';
import type { ReadResponse } from './helpers/http.ts';
import { startServer } from './helpers/server.ts';
import type { StartedServer } from './helpers/server.ts';

const API_KEY = 'fidelity-collections-key';
const SRC = 'fc_source';
const POINTS = [
  { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin' } },
  { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'] } },
  { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: 'Moscow', count: 3 } },
];
const DOT4 = { size: 4, distance: 'Dot' };

let dir: string;
let qdrant: StartedServer;

const rest = restClient(() => qdrant.info.url, API_KEY);

async function result<T>(method: string, path: string, body?: unknown): Promise<T> {
  const r = await rest(method, path, body);
  expect(r.status, `${method} ${path}: ${r.text}`).toBe(200);
  return (r.json as { result: T }).result;
}

const errorOf = (r: ReadResponse): string => (r.json as { status: { error: string } }).status.error;

async function recreate(name: string, body: unknown): Promise<ReadResponse> {
  await result('DELETE', `/collections/${name}`);
  return rest('PUT', `/collections/${name}`, body);
}

async function points(name: string): Promise<Array<{ id: number; payload?: Record<string, unknown>; vector?: number[] }>> {
  const r = await result<{ points: Array<{ id: number; payload?: Record<string, unknown>; vector?: number[] }> }>(
    'POST', `/collections/${name}/points/scroll`, { limit: 100, with_payload: true, with_vector: true },
  );
  return r.points;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-fidelity-collections-'));
  qdrant = await startServer({ storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'), apiKey: API_KEY, logPath: join(dir, 'qdrant.log') });
  expect(await result('PUT', `/collections/${SRC}`, { vectors: DOT4 })).toBe(true);
  expect(await result('PUT', `/collections/${SRC}/points?wait=true`, { points: POINTS })).toMatchObject({ status: 'completed' });
}, 120_000);

afterAll(async () => {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('collections: create and config', () => {
  it('init_from copies every point of the source, vectors and payloads', async () => {
    expect((await recreate('fc_copy', { vectors: DOT4, init_from: { collection: SRC } })).status).toBe(200);
    const copied = await points('fc_copy');
    expect(copied.map((p) => p.id)).toEqual([1, 2, 3]);
    expect(copied.map((p) => p.payload)).toEqual(POINTS.map((p) => p.payload));
    expect(copied[2]!.vector).toEqual(POINTS[2]!.vector);
  });

  it('init_from refuses a missing source and a vector of another size or distance', async () => {
    expect((await recreate('fc_copy', { vectors: DOT4, init_from: { collection: 'fc-does-not-exist' } })).status).toBe(404);
    expect((await recreate('fc_copy', { vectors: { size: 8, distance: 'Dot' }, init_from: { collection: SRC } })).status).toBe(400);
    expect((await recreate('fc_copy', { vectors: { size: 4, distance: 'Cosine' }, init_from: { collection: SRC } })).status).toBe(400);
    // A refused init_from leaves no collection behind.
    expect((await result<{ exists: boolean }>('GET', '/collections/fc_copy/exists')).exists).toBe(false);
  });

  it('takes `quantization` as serde\'s alias of quantization_config and reports it back', async () => {
    const body = { vectors: DOT4, quantization: { scalar: { type: 'int8', quantile: 0.5 } } };
    expect((await recreate('fc_quant', body)).status).toBe(200);
    const info = await result<{ config: { quantization_config: unknown } }>('GET', '/collections/fc_quant');
    expect(info.config.quantization_config).toEqual({ scalar: { type: 'int8', quantile: 0.5 } });
  });

  it('ignores an HNSW option newer than the server (serde), inside a named vector too', async () => {
    const body = { vectors: { v: { ...DOT4, hnsw_config: { m: 20, copy_vectors: true } } }, hnsw_config: { copy_vectors: true } };
    const r = await recreate('fc_newer', body);
    expect(r.status, r.text).toBe(200);
    const info = await result<{ config: { params: { vectors: { v: { hnsw_config: { m: number } } } } } }>('GET', '/collections/fc_newer');
    expect(info.config.params.vectors.v.hnsw_config.m).toBe(20);
  });

  it('answers 422 for an empty collection name or one with control characters', async () => {
    for (const name of ['', '%09', '%0A', 'name%09with%09tabs']) {
      const r = await rest('GET', `/collections/${name}/exists`);
      expect(r.status, `name ${JSON.stringify(name)}: ${r.text}`).toBe(422);
      expect(errorOf(r)).toMatch(/^Validation error/);
    }
  });
});

describe('service: locks, issues, telemetry, cluster', () => {
  it('refuses writes while POST /locks holds the write lock, with its message', async () => {
    const upsert = (): Promise<ReadResponse> => rest('PUT', `/collections/${SRC}/points?wait=true`, { points: [{ id: 10, vector: [1, 0, 0, 0] }] });
    await result('POST', '/locks', { write: true, error_message: 'fidelity lock' });
    try {
      expect(await result('GET', '/locks')).toMatchObject({ write: true, error_message: 'fidelity lock' });
      const locked = await upsert();
      expect(locked.status).toBe(403);
      expect(locked.text).toContain('fidelity lock');
      // Reads go on.
      expect((await rest('POST', `/collections/${SRC}/points/count`, { exact: true })).status).toBe(200);
    } finally {
      await result('POST', '/locks', { write: false });
    }
    expect((await upsert()).status).toBe(200);
    await result('POST', `/collections/${SRC}/points/delete?wait=true`, { points: [10] });
  });

  it('raises an UNINDEXED_FIELD issue for a searched field, and drops it once the suggested index exists', async () => {
    const code = `${SRC}.UNINDEXED_FIELD.city`;
    type Issue = { code: string; timestamp: string; solution: { immediate: { action: { method: string; uri: string; body: unknown } } } };
    const issues = async (): Promise<Issue[]> => (await result<{ issues: Issue[] }>('GET', '/issues')).issues;
    expect((await issues()).map((i) => i.code)).not.toContain(code);
    await result('POST', `/collections/${SRC}/points/search`, { vector: [0.2, 0.1, 0.9, 0.7], limit: 3, filter: { must: [{ key: 'city', match: { any: ['London', 'Moscow'] } }] } });
    const issue = (await issues()).find((i) => i.code === code);
    expect(issue, 'the issue after a filtered search').toBeDefined();
    const action = issue!.solution.immediate.action;
    expect(action).toEqual({ method: 'PUT', uri: `/collections/${SRC}/index`, headers: expect.anything(), body: { field_name: 'city', field_schema: 'keyword' } });
    expect((await rest(action.method, action.uri, action.body)).status).toBe(200);
    expect((await issues()).map((i) => i.code)).not.toContain(code);
    await result('DELETE', `/collections/${SRC}/index/city?wait=true`);
  });

  it('lists the segments of a shard at telemetry details_level 4', async () => {
    type Telemetry = { collections: { collections: Array<{ id: string; shards: Array<{ local: { segments: Array<Record<string, unknown>> } }> }> } };
    const t = await result<Telemetry>('GET', '/telemetry?details_level=4');
    const source = t.collections.collections.find((c) => c.id === SRC)!;
    const segments = source.shards[0]!.local.segments;
    expect(segments.length).toBeGreaterThan(0);
    expect(Object.keys(segments[0]!).sort()).toEqual(['config', 'info', 'payload_field_indices', 'vector_index_searches']);
  });

  it('answers 405 naming standalone mode for the cluster calls of a distributed node', async (ctx) => {
    if (qdrant.info.engine !== 'qdrant-local') ctx.skip(); // Qdrant's answer since its issue 9421; older servers answer 400 or 500
    for (const [method, path] of [['POST', '/cluster/recover'], ['DELETE', '/cluster/peer/1']] as const) {
      const r = await rest(method, path);
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(errorOf(r)).toContain('standalone mode');
    }
  });
});

describe('shard snapshots', () => {
  const base = `/collections/${SRC}/shards/0/snapshots`;

  it('creates, lists, downloads (checksum), deletes and recovers a shard snapshot', async () => {
    expect(await result('GET', base)).toEqual([]);
    const made = await result<{ name: string; checksum: string }>('POST', `${base}?wait=true`);
    expect((await result<Array<{ name: string; checksum: string }>>('GET', base)).map((s) => [s.name, s.checksum])).toEqual([[made.name, made.checksum]]);
    const download = await fetch(`${qdrant.info.url}${base}/${made.name}`, { headers: { 'api-key': API_KEY } });
    expect(download.status).toBe(200);
    expect(createHash('sha256').update(Buffer.from(await download.arrayBuffer())).digest('hex')).toBe(made.checksum);
    expect(await result('DELETE', `${base}/${made.name}?wait=true`)).toBe(true);
    expect(await result('GET', base)).toEqual([]);
  });

  it('answers recovery errors with Qdrant\'s codes and keeps traversal names out', async () => {
    expect((await rest('PUT', '/collections/fc_nowhere/shards/0/snapshots/recover', { location: 'whatever' })).status).toBe(404);
    expect((await rest('PUT', `${base}/recover`, { location: 'file:///whatever.snapshot' })).status).toBe(400);
    expect((await rest('GET', `${base}/..%2F..%2F..%2Fetc%2Fpasswd`)).status).toBe(404);
  });

  it('answers 202 to wait=false and then lists the snapshot', async () => {
    expect((await rest('POST', `${base}?wait=false`)).status).toBe(202);
    let listed: Array<{ name: string }> = [];
    for (let i = 0; i < 100 && listed.length === 0; i++) {
      listed = await result<Array<{ name: string }>>('GET', base);
      if (listed.length === 0) await sleep(100);
    }
    expect(listed).toHaveLength(1);
    expect((await rest('DELETE', `${base}/${listed[0]!.name}?wait=false`)).status).toBe(202);
  });
});
