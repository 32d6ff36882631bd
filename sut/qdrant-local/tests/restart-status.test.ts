/**
 * Collection status across a restart, on a real process, as Qdrant defines it
 * (lib/collection/src/shards/local_shard/mod.rs, `local_shard_status`): a shard loaded at
 * start-up does not start its optimizers, and while optimizations are pending it reports `grey`
 * (`optimizer_status` "ok") until an update operation, or a PATCH of the collection's config,
 * triggers them; a collection created since start-up is unaffected. Grey still serves searches.
 * The same expectations hold against a real Qdrant (QDRANT_BIN).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@vdb-readiness/local-process';
import { restClient } from './helpers/http.ts';
import { startServer } from './helpers/server.ts';
import type { ServerOptions, StartedServer } from './helpers/server.ts';

const API_KEY = 'test-key-restart-status';
const HOST = '127.0.0.1';
const DIM = 16;
const POINTS = 300;
const SETTLE_MS = 90_000;

let dir: string;
let url: string;
let port: number;
let qdrant: StartedServer | undefined;

function startOpts(): ServerOptions {
  return { host: HOST, port, storagePath: join(dir, 'storage'), snapshotsPath: join(dir, 'snapshots'), apiKey: API_KEY, logPath: join(dir, 'qdrant.log') };
}

const rest = restClient(() => url, API_KEY, 120_000);

/** A pseudo-random vector per id (an LCG): no two points are near each other, so a point's own vector finds it first. */
function vector(id: number): number[] {
  let s = (id + 1) * 2654435761 >>> 0;
  return Array.from({ length: DIM }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

interface Info {
  status: string;
  optimizer_status: unknown;
  points_count: number;
}

async function info(name: string): Promise<Info> {
  const res = await rest('GET', `/collections/${name}`);
  expect(res.status, res.text).toBe(200);
  return (res.json as { result: Info }).result;
}

/** Polls until the status is `want`; returns every status seen on the way. */
async function settle(name: string, want: string): Promise<string[]> {
  const seen: string[] = [];
  const deadline = Date.now() + SETTLE_MS;
  for (;;) {
    const { status } = await info(name);
    seen.push(status);
    if (status === want || Date.now() > deadline) return seen;
    await sleep(250);
  }
}

async function createAndFill(name: string): Promise<void> {
  expect((await rest('PUT', `/collections/${name}`, { vectors: { size: DIM, distance: 'Cosine' } })).status).toBe(200);
  const points = Array.from({ length: POINTS }, (_, id) => ({ id, vector: vector(id), payload: { id } }));
  expect((await rest('PUT', `/collections/${name}/points?wait=true`, { points })).status).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-restart-status-'));
  port = await freePort(HOST);
  url = `http://${HOST}:${port}`;
  qdrant = await startServer(startOpts());
  await createAndFill('kept');
  await createAndFill('patched');
}, 180_000);

afterAll(async () => {
  await qdrant?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe('collection status after a restart on kept storage', () => {
  it('a collection created since start-up settles green, never grey', async () => {
    const seen = await settle('kept', 'green');
    expect(seen.at(-1)).toBe('green');
    expect(seen).not.toContain('grey');
    expect((await settle('patched', 'green')).at(-1)).toBe('green');
  }, 200_000);

  it('reports grey after the restart, serves searches, and turns green after one upsert', async () => {
    await qdrant!.stop();
    qdrant = undefined;
    qdrant = await startServer(startOpts());

    const restarted = await info('kept');
    expect(restarted.status, 'a collection loaded from storage: optimizations pending until an update').toBe('grey');
    expect(restarted.optimizer_status).toBe('ok');
    expect(restarted.points_count).toBe(POINTS);
    // Reads do not trigger the optimizers.
    const query = await rest('POST', '/collections/kept/points/query', { query: vector(7), limit: 1 });
    expect(query.status, query.text).toBe(200);
    expect((query.json as { result: { points: Array<{ id: number }> } }).result.points[0]?.id).toBe(7);
    expect((await info('kept')).status).toBe('grey');

    const upsert = await rest('PUT', '/collections/kept/points?wait=true', { points: [{ id: POINTS, vector: vector(POINTS), payload: { id: POINTS } }] });
    expect(upsert.status, upsert.text).toBe(200);
    const seen = await settle('kept', 'green');
    expect(seen.at(-1), `statuses after the upsert: ${seen.join(', ')}`).toBe('green');
    expect(seen, 'an update operation ends grey').not.toContain('grey');
    expect((await info('kept')).points_count).toBe(POINTS + 1);
  }, 240_000);

  it('a PATCH of the optimizer config also ends grey (the remedy Qdrant documents)', async () => {
    expect((await info('patched')).status).toBe('grey');
    const patch = await rest('PATCH', '/collections/patched', { optimizers_config: {} });
    expect(patch.status, patch.text).toBe(200);
    const seen = await settle('patched', 'green');
    expect(seen.at(-1), `statuses after the PATCH: ${seen.join(', ')}`).toBe('green');
    expect(seen).not.toContain('grey');
  }, 200_000);
});
