/**
 * qdrant-local's readiness across a restart, on a real process: the collections on disk are
 * opened in the background, `/readyz` answers 503 `some shards are not ready` until all are
 * open, and whenever it has answered 200 a data call to every collection succeeds at once.
 * A collection that fails to load keeps `/readyz` at 503 and says why in the log.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readResponse, restClient } from './helpers/http.ts';
import type { ReadResponse } from './helpers/http.ts';
import { freePort } from '@vdb-readiness/local-process';
import { serverRuntime, spawnServer, startServer, stopProcess } from './helpers/server.ts';
import type { ServerOptions, StartedServer } from './helpers/server.ts';

const API_KEY = 'test-key-readiness';
const HOST = '127.0.0.1';
const DIM = 8;
// Different sizes, so that a count answered from the wrong collection shows.
const COLLECTIONS: Record<string, number> = { alpha: 40, beta: 75, gamma: 120, delta: 9 };

let dir: string;
let port: number;
let url: string;
let qdrant: StartedServer | undefined;
let manualPid: number | undefined;

const storagePath = (): string => join(dir, 'storage');
const logPath = (): string => join(dir, 'qdrant.log');

function startOpts(): ServerOptions {
  return { host: HOST, port, storagePath: storagePath(), snapshotsPath: join(dir, 'snapshots'), apiKey: API_KEY, logPath: logPath() };
}

const rest = restClient(() => url, API_KEY, 120_000);

/** One probe; undefined while nothing listens on the port yet. */
async function probe(path: string): Promise<ReadResponse | undefined> {
  try {
    return await readResponse(await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) }));
  } catch {
    return undefined;
  }
}

function vector(id: number): number[] {
  return Array.from({ length: DIM }, (_, k) => Math.sin(id * 7 + k) + 1.5);
}

async function countOf(name: string): Promise<{ status: number; count: unknown }> {
  const res = await rest('POST', `/collections/${name}/points/count`, { exact: true });
  return { status: res.status, count: (res.json as { result?: { count?: number } } | undefined)?.result?.count };
}

async function countAll(names: string[]): Promise<Record<string, { status: number; count: unknown }>> {
  const out: Record<string, { status: number; count: unknown }> = {};
  for (const name of names) out[name] = await countOf(name);
  return out;
}

function expected(names: string[]): Record<string, { status: number; count: unknown }> {
  return Object.fromEntries(names.map((n) => [n, { status: 200, count: COLLECTIONS[n] }]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qdrant-local-readiness-'));
  port = await freePort(HOST);
  url = `http://${HOST}:${port}`;
  qdrant = await startServer(startOpts());
  for (const [name, n] of Object.entries(COLLECTIONS)) {
    expect((await rest('PUT', `/collections/${name}`, { vectors: { size: DIM, distance: 'Cosine' } })).status).toBe(200);
    const points = Array.from({ length: n }, (_, id) => ({ id, vector: vector(id), payload: { name, id } }));
    expect((await rest('PUT', `/collections/${name}/points?wait=true`, { points })).status).toBe(200);
  }
});

afterAll(async () => {
  await qdrant?.stop();
  if (manualPid !== undefined) await stopProcess(manualPid, 10_000);
  rmSync(dir, { recursive: true, force: true });
});

describe('qdrant-local /readyz after a restart', () => {
  it('answers 503 while collections load, and serves every collection as soon as it says 200', async () => {
    const names = Object.keys(COLLECTIONS);
    await qdrant!.stop();
    qdrant = undefined;

    // Watch /readyz while the helper starts the server again on the same storage and port.
    const starting = startServer(startOpts());
    let stopWatching = false;
    starting.then(
      () => undefined,
      () => (stopWatching = true),
    );
    const notReady: ReadResponse[] = [];
    const healthWhileNotReady: Array<number | undefined> = [];
    let firstReady: ReadResponse | undefined;
    let countsAfterFirstReady: Record<string, { status: number; count: unknown }> | undefined;
    while (!stopWatching) {
      const res = await probe('/readyz');
      if (res?.status === 200) {
        firstReady = res;
        countsAfterFirstReady = await countAll(names);
        break;
      }
      if (res !== undefined) {
        notReady.push(res);
        healthWhileNotReady.push((await probe('/healthz'))?.status, (await probe('/livez'))?.status);
      }
      await sleep(10);
    }
    qdrant = await starting;
    const countsAfterStart = await countAll(names);

    expect(firstReady?.text).toBe('all shards are ready');
    // The invariant: once /readyz said 200, every collection answers at once with its data.
    expect(countsAfterFirstReady).toEqual(expected(names));
    expect(countsAfterStart).toEqual(expected(names));
    for (const res of notReady) {
      expect(res.status).toBe(503);
      expect(res.text).toBe('some shards are not ready');
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    }
    expect(healthWhileNotReady.every((s) => s === 200)).toBe(true);
    // Either the loading window was seen (503), or everything was open by the first 200,
    // which the counts above prove.
    expect(notReady.length > 0 || Object.values(countsAfterFirstReady ?? {}).every((c) => c.status === 200)).toBe(true);
    console.info(`readyz answered 503 ${notReady.length} time(s) before 200`);
    const query = await rest('POST', '/collections/gamma/points/query', { query: vector(3), limit: 1 });
    expect(query.status).toBe(200);
    expect((query.json as { result: { points: Array<{ id: number }> } }).result.points[0]?.id).toBe(3);
  });

  it('stays 503 and logs the reason when a collection fails to load, and turns 200 once it is deleted', async (ctx) => {
    const runtime = await serverRuntime();
    if (runtime.engine !== 'qdrant-local') ctx.skip();
    if (runtime.engine !== 'qdrant-local') return;
    await qdrant!.stop();
    qdrant = undefined;
    const broken = 'delta';
    const edgeConfig = join(storagePath(), 'collections', broken, 'shard', 'edge_config.json');
    expect(existsSync(edgeConfig)).toBe(true);
    writeFileSync(edgeConfig, 'not json');

    const brokenLog = join(dir, 'broken-start.log');
    // Spawned without waiting: startServer waits for /readyz, which must not come.
    manualPid = await spawnServer({ ...startOpts(), port, logPath: brokenLog });
    const failureLine = `collection \`${broken}\` failed to load`;
    const logText = (): string => (existsSync(brokenLog) ? readFileSync(brokenLog, 'utf8') : '');
    while (!logText().includes('collections in')) await sleep(50);
    expect(logText()).toContain(failureLine);
    expect(logText()).toMatch(/opened 3 of 4 collections in [\d.]+ s; failed: delta/);

    const ready = await probe('/readyz');
    expect(ready?.status).toBe(503);
    expect(ready?.text).toBe('some shards are not ready');
    expect((await probe('/healthz'))?.status).toBe(200);
    const healthy = Object.keys(COLLECTIONS).filter((n) => n !== broken);
    expect(await countAll(healthy)).toEqual(expected(healthy));
    const brokenCall = await countOf(broken);
    expect(brokenCall.status).toBe(500);
    expect((await probe('/readyz'))?.status).toBe(503);

    expect((await rest('DELETE', `/collections/${broken}`)).json).toMatchObject({ result: true, status: 'ok' });
    const after = await probe('/readyz');
    expect(after?.status).toBe(200);
    expect(after?.text).toBe('all shards are ready');
    await stopProcess(manualPid, 10_000);
    manualPid = undefined;
  });
});
