/**
 * A slot of two worker processes (GATEWAY_WORKERS=2, slot/cluster.ts) with a real Redis: both
 * workers serve, /metrics counts the slot's requests whichever worker served them, the slot has
 * one registry entry with the primary's pid, a killed worker is replaced, and a stop drains
 * every worker (requests in flight answered, socket unlinked, entry gone, exit 0).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, TEST_KEY, type GatewayProcess } from '../helpers/gateway.ts';
import { HttpConnection, requestOnce } from '../helpers/http-connection.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

let redis: RedisServer;
let client: Redis;
let qdrant: QdrantStub;
let run: string;
const started: GatewayProcess[] = [];

/** The pids of a process's children (its workers). */
function children(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function killTree(gw: GatewayProcess): void {
  for (const pid of children(gw.pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
}

async function slot(name: string, env: Record<string, string> = {}): Promise<{ gw: GatewayProcess; socket: string }> {
  const socket = join(run, `gateway-${name}.sock`);
  const gw = await startGateway({
    qdrantUrl: qdrant.url,
    redisUrl: redis.url,
    socket,
    env: { GATEWAY_WORKERS: '2', GATEWAY_SLOT: name, GATEWAY_SOCKET: socket, GATEWAY_INSTANCE_ID: `${name}-workers`, ...env },
  });
  started.push(gw);
  return { gw, socket };
}

/** Each on a connection of its own, so that the primary hands them round the workers. */
async function spread(n: number, path: string): Promise<Map<string, number>> {
  const byWorker = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const res = await requestOnce({ port: started[0]!.port }, 'GET', path, { 'x-api-key': TEST_KEY });
    const w = String(res.headers['x-gateway-worker']);
    byWorker.set(w, (byWorker.get(w) ?? 0) + 1);
  }
  return byWorker;
}

function sample(text: string, metric: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${metric}{`) && labels.split(',').every((kv) => l.includes(kv)));
  if (!line) throw new Error(`no ${metric} {${labels}} in:\n${text.slice(0, 2000)}`);
  return Number(line.slice(line.lastIndexOf(' ') + 1));
}

beforeAll(async () => {
  [redis, qdrant] = await Promise.all([startRedisServer(), startQdrantStub()]);
  client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  await new Promise((r) => client.once('ready', r));
  run = mkdtempSync(join(tmpdir(), 'vdb-gw-'));
  await slot('blue');
}, 60_000);

afterAll(async () => {
  client?.disconnect();
  for (const gw of started) killTree(gw);
  await Promise.all(started.map((g) => g.kill()));
  await qdrant?.close();
  await redis?.stop();
  if (run) rmSync(run, { recursive: true, force: true });
});

describe('a slot of two workers', () => {
  it('runs two worker processes, both serving, on TCP and on the unix socket', async () => {
    const gw = started[0]!;
    expect(children(gw.pid)).toHaveLength(2);
    const byWorker = await spread(12, '/health');
    expect([...byWorker.keys()].sort()).toEqual(['0', '1']);
    const viaSocket = await requestOnce({ path: join(run, 'gateway-blue.sock') }, 'GET', '/health');
    expect(viaSocket.status).toBe(200);
    expect(['0', '1']).toContain(viaSocket.headers['x-gateway-worker']);
  });

  it('counts every request on /metrics, whichever worker served it, and the error rate slot-wide', async () => {
    const ok = await spread(30, '/api/v1/collections');
    const missing = await spread(10, '/api/v1/no-such-route');
    // both workers took part, so one worker's own registry could not show these totals
    expect(ok.size).toBe(2);
    expect(missing.size).toBe(2);
    const text = (await requestOnce({ port: started[0]!.port }, 'GET', '/metrics')).body;
    expect(sample(text, 'gateway_http_throughput_requests_total', 'route="/api/v1/collections",status="200"')).toBe(30);
    expect(sample(text, 'gateway_http_throughput_requests_total', 'route="unmatched",status="404"')).toBe(10);
    expect(text.split('\n').filter((l) => l.startsWith('gateway_http_error_rate{'))).toHaveLength(1);
    const total = [...text.matchAll(/^gateway_http_throughput_requests_total\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    const errors = [...text.matchAll(/^gateway_http_errors_total\{[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(sample(text, 'gateway_http_error_rate', 'slot="blue"')).toBeCloseTo(errors / total, 6);
    expect(sample(text, 'gateway_redis_up', 'slot="blue"')).toBe(1);
  });

  it('has one registry entry, with the primary pid', async () => {
    const keys = await client.keys('vdb:services:gateway:*');
    expect(keys).toEqual(['vdb:services:gateway:blue-workers']);
    const entry = JSON.parse((await client.get(keys[0]!)) as string) as { pid: number; slot: string };
    expect(entry).toMatchObject({ pid: started[0]!.pid, slot: 'blue' });
  });

  it('replaces a worker that dies', async () => {
    const gw = started[0]!;
    const [victim] = children(gw.pid);
    process.kill(victim!, 'SIGKILL');
    const next = await eventually(() => {
      const now = children(gw.pid);
      return now.length === 2 && !now.includes(victim!) ? now : undefined;
    }, 20_000, 'a new worker');
    expect(next).toHaveLength(2);
    await eventually(() => (gw.output().match(/"msg":"gateway worker ready"/g)?.length === 3 ? true : undefined), 20_000, 'the new worker serving');
    expect(gw.output()).toMatch(/worker exited: starting another/);
    expect([...(await spread(12, '/health')).keys()].sort()).toEqual(['0', '1']);
  });

  it('drains every worker on SIGTERM: requests in flight answered, socket unlinked, entry gone, exit 0', async () => {
    // every search takes 1.5 s
    const { gw, socket } = await slot('green', { GATEWAY_FAULTS: 'delay_ms=1500' });
    const conns = await Promise.all([0, 1, 2, 3].map(() => HttpConnection.open({ port: gw.port })));
    const answers = conns.map((c) => c.request('POST', '/api/v1/vectors/search', { 'x-api-key': TEST_KEY, 'content-type': 'application/json' }, JSON.stringify({ collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 1 })));
    await new Promise((r) => setTimeout(r, 300));
    gw.child.kill('SIGTERM');
    const results = await Promise.all(answers);
    expect(new Set(results.map((r) => r.headers['x-gateway-worker']))).toEqual(new Set(['0', '1']));
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.headers.connection).toBe('close');
    }
    expect(await gw.exited).toBe(0);
    expect(existsSync(socket)).toBe(false);
    expect(await client.exists('vdb:services:gateway:green-workers')).toBe(0);
    expect(children(gw.pid)).toEqual([]);
  }, 40_000);
});
