import { request } from 'undici';
import { afterAll, expect, test } from 'vitest';
import { expectStatus } from './lib/expectations.ts';
import { DEFAULT_TIMEOUT_MS, hasQdrant, qd, qdrantBytes } from './lib/http.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { note, record } from './lib/record.ts';
import { target } from './lib/target.ts';

/** A high-priority model collection (runbook: backup_priority high). */
const MODEL = 'mixtral';
const SCRATCH = `readiness_restore_${target().runId.replace(/[^a-zA-Z0-9]/g, '_')}`;

afterAll(async () => {
  if (hasQdrant()) await qd.delete(`/collections/${SCRATCH}`, { quiet: true }).catch(() => undefined);
});

async function count(collection: string): Promise<number> {
  const r = await qd.post(`/collections/${collection}/points/count`, { exact: true });
  expectStatus(r, 200, `count ${collection}`);
  return r.json().result.count as number;
}

async function top(collection: string, vector: number[]): Promise<Array<{ id: string; score: number }>> {
  const r = await qd.post(`/collections/${collection}/points/query`, { query: vector, limit: 10 });
  expectStatus(r, 200, `query ${collection}`);
  return (r.json().result.points as Array<{ id: unknown; score: number }>).map((p) => ({ id: String(p.id), score: p.score }));
}

test('a model collection snapshot restores with the same point count and the same search results', async (ctx) => {
  if (!hasQdrant()) ctx.skip('no Qdrant URL for this target (set VDB_QDRANT_URL): snapshots are taken on the engine');
  const cfg = await modelConfig(MODEL);
  const source = cfg.collection;

  const created = await qd.post(`/collections/${source}/snapshots?wait=true`, {});
  expectStatus(created, 200, 'create snapshot');
  const name = created.json().result?.name as string;
  expect(name, 'snapshot name').toBeTruthy();
  const listed = await qd.get(`/collections/${source}/snapshots`);
  expect(listed.json().result.map((s: { name: string }) => s.name), 'the snapshot is listed').toContain(name);

  const bytes = await qdrantBytes(`/collections/${source}/snapshots/${encodeURIComponent(name)}`);
  const form = new FormData();
  form.append('snapshot', new Blob([new Uint8Array(bytes)]), name);
  // Encoded by the runtime's own Response: undici's FormData mixed with the runtime's Blob (or the
  // reverse) fails on some Node lines ("action is not a function" on Node 24 with undici 7).
  const multipart = new Response(form);
  const body = Buffer.from(await multipart.arrayBuffer());
  const q = target().qdrant!;
  const t0 = performance.now();
  const up = await request(`${q.url}/collections/${SCRATCH}/snapshots/upload?wait=true`, {
    method: 'POST',
    body,
    headers: { 'content-type': multipart.headers.get('content-type') ?? '', ...(q.apiKey ? { 'api-key': q.apiKey } : {}) },
    headersTimeout: 120_000,
    bodyTimeout: DEFAULT_TIMEOUT_MS,
  });
  const upText = await up.body.text();
  record({ label: 'recover into a scratch collection', request: `POST /collections/${SCRATCH}/snapshots/upload`, status: up.statusCode, latency_ms: Math.round(performance.now() - t0), excerpt: upText.slice(0, 200) });
  expect(up.statusCode, `recover: ${upText.slice(0, 200)}`).toBe(200);

  const [n0, n1] = [await count(source), await count(SCRATCH)];
  note('counts', `${source}: ${n0} points, restored: ${n1} points`);
  expect(n0, 'the source holds points').toBeGreaterThan(0);
  expect(n1, 'restored point count').toBe(n0);

  for (const j of [0, 1, 2]) {
    const v = fixtureQuery(cfg, j).vector;
    const [a, b] = [await top(source, v), await top(SCRATCH, v)];
    expect(b.map((x) => x.id), `query ${j}: same ids in the same order`).toEqual(a.map((x) => x.id));
    b.forEach((x, i) => expect(x.score, `query ${j}, rank ${i}: same score`).toBeCloseTo(a[i]!.score, 5));
  }
  await qd.delete(`/collections/${source}/snapshots/${encodeURIComponent(name)}`, { quiet: true }).catch(() => undefined);
});
