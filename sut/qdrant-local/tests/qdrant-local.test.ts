/**
 * qdrant-local against the official JS client and raw REST, on a real process: the smoke
 * dataset (10,000 × 128, cosine, planted neighbours), filters, scroll, count, deletes,
 * snapshots, restart, and Qdrant's error codes and envelopes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { QdrantClient } from '@qdrant/js-client-rest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillVectors, payloadAt, queryAt, queryCount, smokeDataset } from './helpers/dataset.ts';
import { restClient } from './helpers/http.ts';
import { startServer } from './helpers/server.ts';
import type { StartedServer } from './helpers/server.ts';

const API_KEY = 'test-key-qdrant-local';
const COLLECTION = 'smoke';
const BATCH = 1000;
const spec = smokeDataset();

let dir: string;
let qdrant: StartedServer;
let client: QdrantClient;

async function start(): Promise<void> {
  qdrant = await startServer({ storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'), apiKey: API_KEY, logPath: join(dir, 'qdrant.log') });
  client = new QdrantClient({ url: qdrant.info.url, apiKey: API_KEY, checkCompatibility: false });
}

const rest = restClient(() => qdrant.info.url, API_KEY);

function points(from: number, count: number): Array<{ id: number; vector: number[]; payload: Record<string, unknown> }> {
  const flat = fillVectors(spec, from, count);
  return Array.from({ length: count }, (_, k) => ({
    id: from + k,
    vector: Array.from(flat.subarray(k * spec.dim, (k + 1) * spec.dim)),
    payload: payloadAt(spec, from + k),
  }));
}

async function waitGreen(name: string): Promise<Awaited<ReturnType<QdrantClient['getCollection']>>> {
  for (let i = 0; i < 600; i++) {
    const info = await client.getCollection(name);
    if (info.status === 'green') return info;
    await sleep(500);
  }
  throw new Error(`collection ${name} never turned green`);
}

async function expectPlantedFirst(queries: number[]): Promise<void> {
  for (const j of queries) {
    const q = queryAt(spec, j);
    const res = await client.query(COLLECTION, { query: Array.from(q.vector), limit: 5 });
    expect(res.points[0]?.id, `query ${j}`).toBe(q.neighbors[0]);
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-test-'));
  await start();
});

afterAll(async () => {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('qdrant-local with @qdrant/js-client-rest', () => {
  it('says what it is on / and answers health probes without a key', async () => {
    const root = await rest('GET', '/', undefined, {});
    expect(root.status).toBe(200);
    expect(root.json).toMatchObject({ title: 'qdrant - vector search engine', version: expect.stringMatching(/^1\.\d+\.\d+$/) });
    if (qdrant.info.engine === 'qdrant-local') expect(root.json).toHaveProperty('qdrant_local.engine', 'qdrant-edge-py');
    for (const probe of ['/healthz', '/livez', '/readyz']) expect((await rest('GET', probe, undefined, {})).status).toBe(200);
    expect((await rest('GET', '/cluster')).json).toMatchObject({ result: { status: 'disabled' }, status: 'ok' });
  });

  it('rejects a missing or wrong API key with 401, as Qdrant does', async () => {
    const missing = await rest('GET', '/collections', undefined, {});
    expect(missing.status).toBe(401);
    expect(missing.text).toBe('Must provide an API key or an Authorization bearer token');
    const wrong = await rest('GET', '/collections', undefined, { 'api-key': 'nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toBe('Invalid API key or JWT');
    expect((await rest('GET', '/metrics', undefined, {})).status).toBe(401);
    expect((await rest('GET', '/collections', undefined, { authorization: `Bearer ${API_KEY}` })).status).toBe(200);
    const noKey = new QdrantClient({ url: qdrant.info.url, checkCompatibility: false });
    await expect(noKey.getCollections()).rejects.toMatchObject({ status: 401 });
  });

  it('creates a collection and reports its parameters back; a second create is 409', async () => {
    await client.createCollection(COLLECTION, {
      vectors: { size: spec.dim, distance: 'Cosine', on_disk: false },
      hnsw_config: { m: 16, ef_construct: 64 },
      // Small threshold: 10,000 points of 512 B get a real HNSW index, not one plain segment.
      optimizers_config: { indexing_threshold: 1000 },
      quantization_config: { scalar: { type: 'int8', always_ram: true } },
    });
    expect((await client.collectionExists(COLLECTION)).exists).toBe(true);
    const info = await client.getCollection(COLLECTION);
    expect(info.config.params.vectors).toMatchObject({ size: spec.dim, distance: 'Cosine', on_disk: false });
    expect(info.config.hnsw_config).toMatchObject({ m: 16, ef_construct: 64 });
    expect(info.config.quantization_config).toMatchObject({ scalar: { type: 'int8', always_ram: true } });
    const again = await rest('PUT', `/collections/${COLLECTION}`, { vectors: { size: spec.dim, distance: 'Cosine' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ status: { error: `Wrong input: Collection \`${COLLECTION}\` already exists!` } });
  });

  it('upserts 10,000 points (points and batch forms), indexes them, and finds each planted neighbour first', async () => {
    for (let from = 0; from < spec.count; from += BATCH) {
      const batch = points(from, Math.min(BATCH, spec.count - from));
      if ((from / BATCH) % 2 === 0) {
        const r = await client.upsert(COLLECTION, { wait: true, points: batch });
        expect(r.status).toBe('completed');
      } else {
        await client.upsert(COLLECTION, {
          wait: true,
          batch: { ids: batch.map((p) => p.id), vectors: batch.map((p) => p.vector), payloads: batch.map((p) => p.payload) },
        });
      }
    }
    expect((await client.count(COLLECTION, { exact: true })).count).toBe(spec.count);
    const info = await waitGreen(COLLECTION);
    expect(info.points_count).toBe(spec.count);
    expect(info.indexed_vectors_count).toBe(spec.count);
    await expectPlantedFirst(Array.from({ length: 20 }, (_, j) => j % queryCount(spec)));
    const q = queryAt(spec, 3);
    const legacy = await client.search(COLLECTION, { vector: Array.from(q.vector), limit: 3, with_payload: true });
    expect(legacy[0]?.id).toBe(q.neighbors[0]);
    expect(legacy[0]?.payload).toEqual(payloadAt(spec, q.neighbors[0]!));
  });

  it('filters, pages with scroll, counts, and honours offset and score_threshold', async () => {
    const q = queryAt(spec, 5);
    const filter = { must: [{ key: q.filter!.key, match: { value: q.filter!.value } }] };
    const filtered = await client.query(COLLECTION, { query: Array.from(q.vector), filter, limit: 10, with_payload: true });
    expect(filtered.points[0]?.id).toBe(q.neighbors[0]);
    for (const p of filtered.points) expect(p.payload?.[q.filter!.key]).toBe(q.filter!.value);
    const expected = (await client.count(COLLECTION, { filter, exact: true })).count;
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(spec.count);
    const seen = new Set<unknown>();
    let offset: unknown = undefined;
    for (let page = 0; page < 1000; page++) {
      const res = await client.scroll(COLLECTION, { filter, limit: 256, with_payload: true, offset: offset as number | undefined });
      for (const p of res.points) {
        expect(p.payload?.[q.filter!.key]).toBe(q.filter!.value);
        seen.add(p.id);
      }
      offset = res.next_page_offset;
      if (offset === null || offset === undefined) break;
    }
    expect(seen.size).toBe(expected);
    const page2 = await client.query(COLLECTION, { query: Array.from(q.vector), limit: 2, offset: 1 });
    expect(page2.points[0]?.id).toBe(q.neighbors[1]);
    const threshold = q.scores[2]! - 1e-4;
    const unbounded = await client.query(COLLECTION, { query: Array.from(q.vector), limit: 20 });
    const above = unbounded.points.filter((p) => p.score >= threshold).map((p) => p.id);
    expect(above.length).toBeGreaterThan(0);
    expect(above.length).toBeLessThan(unbounded.points.length);
    const bounded = await client.query(COLLECTION, { query: Array.from(q.vector), limit: 20, score_threshold: threshold });
    expect(bounded.points.map((p) => p.id)).toEqual(above);
    const byId = await client.retrieve(COLLECTION, { ids: [7, 8], with_vector: true });
    expect(byId.map((r) => r.id).sort()).toEqual([7, 8]);
    expect((byId[0]?.vector as number[]).length).toBe(spec.dim);
  });

  it('deletes by id and by filter', async () => {
    const before = (await client.count(COLLECTION, { exact: true })).count;
    await client.delete(COLLECTION, { wait: true, points: [0, 1, 2] });
    expect(await client.retrieve(COLLECTION, { ids: [0, 1, 2] })).toEqual([]);
    const filter = { must: [{ key: 'group', match: { value: 'group-7' } }] };
    const inGroup = (await client.count(COLLECTION, { filter, exact: true })).count;
    expect(inGroup).toBeGreaterThan(0);
    await client.delete(COLLECTION, { wait: true, filter });
    expect((await client.count(COLLECTION, { filter, exact: true })).count).toBe(0);
    expect((await client.count(COLLECTION, { exact: true })).count).toBe(before - 3 - inGroup);
  });

  it('answers Qdrant codes and envelopes on error paths', async () => {
    const wrongDim = await rest('PUT', `/collections/${COLLECTION}/points?wait=true`, { points: [{ id: 1, vector: [0.1, 0.2, 0.3] }] });
    expect(wrongDim.status).toBe(400);
    expect(wrongDim.json).toMatchObject({ status: { error: `Wrong input: Vector dimension error: expected dim: ${spec.dim}, got 3` } });
    const wrongQueryDim = await rest('POST', `/collections/${COLLECTION}/points/query`, { query: [1, 2] });
    expect(wrongQueryDim.status).toBe(400);
    const missing = await rest('GET', '/collections/no-such-collection');
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ status: { error: 'Not found: Collection `no-such-collection` doesn\'t exist!' } });
    expect(missing.json).not.toHaveProperty('result');
    await expect(client.getCollection('no-such-collection')).rejects.toMatchObject({ status: 404 });
    const noPoint = await rest('GET', `/collections/${COLLECTION}/points/424242`);
    expect(noPoint.status).toBe(404);
    const badLimit = await rest('POST', `/collections/${COLLECTION}/points/query`, { query: Array(spec.dim).fill(0.1), limit: 0 });
    expect(badLimit.status).toBe(422);
    const badBody = await rest('POST', `/collections/${COLLECTION}/points/scroll`, { limit: 'many' });
    expect(badBody.status).toBe(400);
    expect((badBody.json as { status: { error: string } }).status.error).toMatch(/^Format error in JSON body: /);
    expect((await rest('DELETE', '/collections/no-such-collection')).json).toMatchObject({ result: false, status: 'ok' });
  });

  it('snapshots a collection and recovers it from its own archive', async () => {
    const count = (await client.count(COLLECTION, { exact: true })).count;
    const snap = await client.createSnapshot(COLLECTION);
    expect(snap?.name).toMatch(new RegExp(`^${COLLECTION}-\\d+-\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d\\.snapshot$`));
    expect((await client.listSnapshots(COLLECTION)).map((s) => s.name)).toContain(snap!.name);
    await client.delete(COLLECTION, { wait: true, filter: { must: [{ key: 'group', match: { value: 'group-1' } }] } });
    expect((await client.count(COLLECTION, { exact: true })).count).toBeLessThan(count);
    const download = await fetch(`${qdrant.info.url}/collections/${COLLECTION}/snapshots/${snap!.name}`, { headers: { 'api-key': API_KEY } });
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(snap!.size);
    const location = `file://${join(dir, 'snapshots', COLLECTION, snap!.name)}`;
    await client.recoverSnapshot(COLLECTION, { location, checksum: snap!.checksum ?? undefined });
    expect((await client.count(COLLECTION, { exact: true })).count).toBe(count);
    await client.recoverSnapshot('smoke-copy', { location });
    expect((await client.count('smoke-copy', { exact: true })).count).toBe(count);
    expect(await client.deleteCollection('smoke-copy')).toBe(true);
    const badChecksum = await rest('PUT', `/collections/${COLLECTION}/snapshots/recover`, { location, checksum: '0'.repeat(64) });
    expect(badChecksum.status).toBe(400);
    expect(await client.deleteSnapshot(COLLECTION, snap!.name)).toBe(true);
  });

  it('keeps the data across a restart', async () => {
    const count = (await client.count(COLLECTION, { exact: true })).count;
    const indexed = (await client.getCollection(COLLECTION)).indexed_vectors_count;
    await qdrant.stop();
    await start();
    expect((await client.count(COLLECTION, { exact: true })).count).toBe(count);
    expect((await client.getCollection(COLLECTION)).indexed_vectors_count).toBe(indexed);
    await expectPlantedFirst([10, 11, 12]);
  });
});
