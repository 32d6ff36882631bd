/**
 * Graceful stop of a real gateway slot (SIGTERM): it keeps open keep-alive connections open
 * (never resets one a client may be about to reuse), answers requests on them with
 * `Connection: close`, finishes a request in flight, unlinks its socket, and exits 0 once no
 * connection is left, or closes what is left when the drain window ends.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCopy, eventually, startGateway, TEST_KEY, type GatewayProcess } from '../helpers/gateway.ts';
import { HttpConnection, requestOnce } from '../helpers/http-connection.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

let redis: RedisServer;
let qdrant: QdrantStub;
let run: string;
const started: GatewayProcess[] = [];
const configs: Array<{ rm(): void }> = [];

beforeAll(async () => {
  [redis, qdrant] = await Promise.all([startRedisServer(), startQdrantStub()]);
  run = mkdtempSync(join(tmpdir(), 'vdb-gw-'));
});

afterAll(async () => {
  await Promise.all(started.map((g) => g.kill()));
  await qdrant?.close();
  await redis?.stop();
  for (const c of configs) c.rm();
  if (run) rmSync(run, { recursive: true, force: true });
});

async function slot(name: string, drainTimeoutS: number, env: Record<string, string> = {}): Promise<{ gw: GatewayProcess; socket: string }> {
  const config = configCopy(drainTimeoutS === 30 ? [] : [['deployment.yaml', 'drain_timeout_s: 30', `drain_timeout_s: ${drainTimeoutS}`]]);
  configs.push(config);
  const socket = join(run, `gateway-${name}.sock`);
  const gw = await startGateway({ qdrantUrl: qdrant.url, redisUrl: redis.url, configDir: config.dir, socket, env: { GATEWAY_SOCKET: socket, ...env } });
  started.push(gw);
  return { gw, socket };
}

const draining = (gw: GatewayProcess) => eventually(() => (gw.output().includes('shutting down: draining') ? true : undefined), 5000, 'the drain starting');

describe('graceful stop', () => {
  it('waits for open keep-alive connections instead of resetting them, then exits 0', async () => {
    const { gw, socket } = await slot('blue', 30);
    const tcp = await HttpConnection.open({ port: gw.port });
    const unix = await HttpConnection.open({ path: socket });
    for (const c of [tcp, unix]) expect((await c.request('GET', '/health')).headers.connection).toBe('keep-alive');

    gw.child.kill('SIGTERM');
    await draining(gw);
    await new Promise((r) => setTimeout(r, 1000));
    // both idle connections are still open: a client (nginx) reusing one now gets an answer
    expect(tcp.isClosed).toBe(false);
    expect(unix.isClosed).toBe(false);
    expect(gw.child.exitCode).toBeNull();
    // the socket file is gone (no new front-door connection), TCP still answers, closing
    expect(existsSync(socket)).toBe(false);
    const fresh = await requestOnce({ port: gw.port }, 'GET', '/health');
    expect(fresh.headers.connection).toBe('close');

    for (const c of [tcp, unix]) {
      const res = await c.request('GET', '/api/v1/deployment/status', { 'x-api-key': TEST_KEY });
      expect(res.status).toBe(200);
      expect(res.headers.connection).toBe('close');
      // closed by the slot after the response, with a FIN, not a reset
      expect(await c.closed).toBe('end');
    }
    expect(await gw.exited).toBe(0);
    expect(gw.output()).toMatch(/"outcome":"drained"/);
  });

  it('finishes a request in flight when the stop comes', async () => {
    // every search takes 1.5 s
    const { gw } = await slot('green', 30, { GATEWAY_FAULTS: 'delay_ms=1500' });
    const conn = await HttpConnection.open({ port: gw.port });
    const answer = conn.request('POST', '/api/v1/vectors/search', { 'x-api-key': TEST_KEY, 'content-type': 'application/json' }, JSON.stringify({ collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 1 }));
    await new Promise((r) => setTimeout(r, 300));
    gw.child.kill('SIGTERM');
    const res = await answer;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ collection: 'test', results: [{ id: 1, score: 0.9 }] });
    expect(res.headers.connection).toBe('close');
    expect(await gw.exited).toBe(0);
  });

  it('closes an idle connection left open when the drain window ends', async () => {
    const { gw } = await slot('blue', 1);
    const idle = await HttpConnection.open({ port: gw.port });
    expect((await idle.request('GET', '/health')).headers.connection).toBe('keep-alive');
    gw.child.kill('SIGTERM');
    await draining(gw);
    expect(idle.isClosed).toBe(false);
    expect(await idle.closed).toBe('end');
    expect(await gw.exited).toBe(0);
    expect(gw.output()).toMatch(/"outcome":"deadline"/);
  });
});
