/**
 * The service registry with real gateway processes and a real Redis: a slot's entry appears
 * when it is ready, is renewed every heartbeat (with its `active` flag), is DELeted first thing
 * on SIGTERM (while the slot still drains), and expires after ttl_s when the slot is killed.
 */
import { mkdtempSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configCopy, eventually, startGateway, type GatewayProcess } from '../helpers/gateway.ts';
import { HttpConnection } from '../helpers/http-connection.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

let redis: RedisServer;
let client: Redis;
let qdrant: QdrantStub;
let config: { dir: string; rm(): void };
let run: string;
const started: GatewayProcess[] = [];

const HEARTBEAT_S = 0.5;
const TTL_S = 2;

beforeAll(async () => {
  [redis, qdrant] = await Promise.all([startRedisServer(), startQdrantStub()]);
  client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  await new Promise((r) => client.once('ready', r));
  config = configCopy([['service-orchestration.yaml', /heartbeat_s: 2\n(\s+)ttl_s: 6/, `heartbeat_s: ${HEARTBEAT_S}\n$1ttl_s: ${TTL_S}`]]);
  run = mkdtempSync(join(tmpdir(), 'vdb-gw-'));
});

afterAll(async () => {
  client?.disconnect();
  await Promise.all(started.map((g) => g.kill()));
  await qdrant?.close();
  await redis?.stop();
  config?.rm();
  if (run) rmSync(run, { recursive: true, force: true });
});

async function slot(name: string, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const socket = join(run, `gateway-${name}.sock`);
  const gw = await startGateway({
    qdrantUrl: qdrant.url, redisUrl: redis.url, configDir: config.dir, socket,
    env: { GATEWAY_SLOT: name, GATEWAY_SOCKET: socket, GATEWAY_ACTIVE_LINK: join(run, 'active.sock'), ...env },
  });
  started.push(gw);
  return gw;
}

const entry = async (key: string) => {
  const text = await client.get(key);
  return text === null ? null : (JSON.parse(text) as Record<string, unknown>);
};

function pointLink(to: string): void {
  symlinkSync(`gateway-${to}.sock`, join(run, 'active.sock.tmp'));
  renameSync(join(run, 'active.sock.tmp'), join(run, 'active.sock'));
}

describe('the service registry', () => {
  it('holds a ready slot\'s entry, renewed every heartbeat with a TTL, its active flag current', async () => {
    pointLink('blue');
    const gw = await slot('blue', { GATEWAY_VERSION: 'v-reg', GATEWAY_INSTANCE_ID: 'blue-reg' });
    const key = 'vdb:services:gateway:blue-reg';
    const first = await entry(key);
    expect(first).toEqual({
      id: 'blue-reg', service: 'gateway', slot: 'blue', version: 'v-reg', url: gw.url, socket: join(run, 'gateway-blue.sock'),
      pid: gw.pid, started_at: expect.any(String), heartbeat_at: expect.any(String), active: true,
    });
    const ttl = await client.pttl(key);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(TTL_S * 1000);
    // renewed: a later heartbeat_at, the TTL topped up
    const renewed = await eventually(async () => {
      const e = await entry(key);
      return e && e.heartbeat_at !== first?.heartbeat_at ? e : undefined;
    }, 5000, 'a second heartbeat');
    expect(Date.parse(renewed.heartbeat_at as string)).toBeGreaterThan(Date.parse(first?.heartbeat_at as string));
    expect(renewed.started_at).toBe(first?.started_at);
    await new Promise((r) => setTimeout(r, TTL_S * 1000 + 500));
    expect(await entry(key), 'still there after more than ttl_s: heartbeats keep it').not.toBeNull();
    // the link moves away: the next heartbeats say so
    pointLink('green');
    await eventually(async () => ((await entry(key))?.active === false ? true : undefined), 5000, 'active: false in the registry');
    await gw.kill();
  });

  it('is DELeted first on SIGTERM, while the slot still drains a connection', async () => {
    const gw = await slot('green', { GATEWAY_INSTANCE_ID: 'green-reg' });
    const key = 'vdb:services:gateway:green-reg';
    expect(await entry(key)).not.toBeNull();
    const held = await HttpConnection.open({ port: gw.port });
    expect((await held.request('GET', '/health')).headers.connection).toBe('keep-alive');
    gw.child.kill('SIGTERM');
    await eventually(async () => ((await client.exists(key)) === 0 ? true : undefined), 3000, 'the entry gone');
    // the slot is still there (draining the held connection), and no heartbeat brings the entry back
    await new Promise((r) => setTimeout(r, HEARTBEAT_S * 3000));
    expect(gw.child.exitCode).toBeNull();
    expect(await client.exists(key)).toBe(0);
    expect((await held.request('GET', '/health')).headers.connection).toBe('close');
    expect(await gw.exited).toBe(0);
    expect(await client.exists(key)).toBe(0);
  });

  it('expires ttl_s after the slot is killed (no deregistration)', async () => {
    const gw = await slot('blue', { GATEWAY_INSTANCE_ID: 'blue-killed' });
    const key = 'vdb:services:gateway:blue-killed';
    expect(await entry(key)).not.toBeNull();
    gw.child.kill('SIGKILL');
    await gw.exited;
    expect(await entry(key), 'a killed slot cannot deregister').not.toBeNull();
    await eventually(async () => ((await client.exists(key)) === 0 ? true : undefined), TTL_S * 1000 + 2000, 'the entry expiring');
  });

  it('names a slot without GATEWAY_INSTANCE_ID <slot>-<pid>-<4 hex>', async () => {
    const gw = await slot('blue');
    const keys = await client.keys(`vdb:services:gateway:blue-${gw.pid}-*`);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatch(new RegExp(`^vdb:services:gateway:blue-${gw.pid}-[0-9a-f]{4}$`));
    await gw.kill();
  });
});
