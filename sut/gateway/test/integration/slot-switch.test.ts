/**
 * Two real gateway slots (blue, green) on TCP and unix sockets, with the front door's link
 * (`active.sock`) switched between them as a deployer does (a new link renamed over it), and a
 * real Redis: which slot answers through the link, `Connection: close` from the inactive one
 * only, the headers, the status endpoint, fault injection, the socket file's rules.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startGateway, TEST_KEY, type GatewayProcess } from '../helpers/gateway.ts';
import { HttpConnection, requestOnce, type Target } from '../helpers/http-connection.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

let redis: RedisServer;
let client: Redis;
let qdrant: QdrantStub;
let run: string;
let blue: GatewayProcess;
let green: GatewayProcess;
const link = () => join(run, 'active.sock');
const sock = (slot: string) => join(run, `gateway-${slot}.sock`);

/** The deployer's switch: a new link renamed over `active.sock` (atomic). */
function switchTo(slot: string): void {
  symlinkSync(`gateway-${slot}.sock`, join(run, 'active.sock.tmp'));
  renameSync(join(run, 'active.sock.tmp'), link());
}

const get = (target: Target, path: string) => requestOnce(target, 'GET', path, { 'x-api-key': TEST_KEY });

beforeAll(async () => {
  [redis, qdrant] = await Promise.all([startRedisServer(), startQdrantStub()]);
  client = new Redis(redis.url, { maxRetriesPerRequest: 0, enableOfflineQueue: false });
  await new Promise((r) => client.once('ready', r));
  run = mkdtempSync(join(tmpdir(), 'vdb-gw-'));
  switchTo('blue');
  const slot = (name: string) => startGateway({
    qdrantUrl: qdrant.url,
    redisUrl: redis.url,
    socket: sock(name),
    env: { GATEWAY_SLOT: name, GATEWAY_SOCKET: sock(name), GATEWAY_ACTIVE_LINK: link(), GATEWAY_VERSION: `v-${name}`, GATEWAY_INSTANCE_ID: `${name}-1` },
  });
  [blue, green] = await Promise.all([slot('blue'), slot('green')]);
});

afterAll(async () => {
  client?.disconnect();
  await Promise.all([blue?.kill(), green?.kill()]);
  await qdrant?.close();
  await redis?.stop();
  if (run) rmSync(run, { recursive: true, force: true });
});

describe('two slots behind one link', () => {
  it('listen on their sockets, writable by everyone (nginx workers run as another user)', () => {
    for (const name of ['blue', 'green']) {
      const st = statSync(sock(name));
      expect(st.isSocket(), name).toBe(true);
      expect(st.mode & 0o777, name).toBe(0o666);
    }
  });

  it('name their slot and version on every response, on either listener', async () => {
    for (const [gw, name] of [[blue, 'blue'], [green, 'green']] as const) {
      for (const target of [{ port: gw.port }, { path: sock(name) }]) {
        for (const path of ['/health', '/api/v1/nothing', '/api/v1/deployment/status']) {
          const res = await get(target, path);
          expect(res.headers['x-gateway-slot'], `${name} ${path}`).toBe(name);
          expect(res.headers['x-gateway-version'], `${name} ${path}`).toBe(`v-${name}`);
        }
      }
    }
  });

  it('close connections only from the inactive slot, and a switch flips that', async () => {
    const closes = async (target: Target) => (await get(target, '/health')).headers.connection === 'close';
    expect((await get({ path: link() }, '/health')).headers['x-gateway-slot']).toBe('blue');
    expect({ blueTcp: await closes({ port: blue.port }), blueSock: await closes({ path: sock('blue') }), greenTcp: await closes({ port: green.port }), greenSock: await closes({ path: sock('green') }) })
      .toEqual({ blueTcp: false, blueSock: false, greenTcp: true, greenSock: true });

    // a keep-alive connection to blue through the link, as nginx caches one
    const cached = await HttpConnection.open({ path: link() });
    const before = await cached.request('GET', '/health');
    expect(before.headers).toMatchObject({ 'x-gateway-slot': 'blue', connection: 'keep-alive' });

    switchTo('green');
    // new connections through the link reach green at once; blue notices within 100 ms
    expect((await get({ path: link() }, '/health')).headers['x-gateway-slot']).toBe('green');
    await eventually(async () => ((await closes({ port: blue.port })) ? true : undefined), 2000, 'blue answering Connection: close');
    // green, too, sees the switch within its 100 ms cache: on a busy machine blue may notice first
    await eventually(async () => ((await closes({ port: green.port })) ? undefined : true), 2000, 'green keeping connections alive');
    expect(await closes({ path: link() })).toBe(false);

    // the cached connection still reaches blue, which answers and closes it (nginx never reuses it)
    const after = await cached.request('GET', '/health');
    expect(after.status).toBe(200);
    expect(after.headers).toMatchObject({ 'x-gateway-slot': 'blue', connection: 'close' });
    expect(await cached.closed).toBe('end');

    switchTo('blue');
    await eventually(async () => ((await closes({ port: green.port })) ? true : undefined), 2000, 'green answering Connection: close');
    await eventually(async () => ((await closes({ port: blue.port })) ? undefined : true), 2000, 'blue keeping connections alive');
    expect((await get({ path: link() }, '/health')).headers['x-gateway-slot']).toBe('blue');
  });

  it('report instance id, active flag, the live instances and the deployer\'s records in their status', async () => {
    await client.set('vdb:deployment:current', JSON.stringify({ active_slot: 'blue', version: 'v-blue', previous_slot: 'green', previous_version: 'v-green', deployed_at: '2026-01-01T00:00:00.000Z', deployment_id: 'd-25' }));
    await client.del('vdb:deployment:history');
    for (let i = 1; i <= 25; i++) await client.lpush('vdb:deployment:history', JSON.stringify({ id: `d-${i}`, action: 'deploy', outcome: 'live', checks: [{ name: 'health', pass: true, detail: 'ok' }], extra: { n: i } }));
    await client.lpush('vdb:deployment:history', 'not json');

    // both slots' heartbeats carry their `active` flag: wait until they agree with the link (blue)
    const status = await eventually(async () => {
      const body = JSON.parse((await get({ port: green.port }, '/api/v1/deployment/status')).body) as { instances: Array<{ slot: string; active: boolean }> };
      return body.instances.map((i) => `${i.slot}:${i.active}`).join(',') === 'blue:true,green:false' ? body : undefined;
    }, 10_000, 'the registry showing blue active') as unknown as Record<string, unknown>;
    expect(status).toMatchObject({ status: 'running', slot: 'green', version: 'v-green', instance_id: 'green-1', active: false, registry_available: true });
    expect(status.instances).toEqual([
      { id: 'blue-1', service: 'gateway', slot: 'blue', version: 'v-blue', url: blue.url, socket: sock('blue'), pid: blue.pid, started_at: expect.any(String), heartbeat_at: expect.any(String), active: true },
      { id: 'green-1', service: 'gateway', slot: 'green', version: 'v-green', url: green.url, socket: sock('green'), pid: green.pid, started_at: expect.any(String), heartbeat_at: expect.any(String), active: false },
    ]);
    expect(status.current).toEqual({ active_slot: 'blue', version: 'v-blue', previous_slot: 'green', previous_version: 'v-green', deployed_at: '2026-01-01T00:00:00.000Z', deployment_id: 'd-25' });
    const history = status.history as Array<{ id: string; checks: unknown; extra: unknown }>;
    // newest first, at most 20 (the non-JSON newest entry left out), each passed through whole
    expect(history.map((h) => h.id)).toEqual(Array.from({ length: 19 }, (_, i) => `d-${25 - i}`));
    expect(history[0]).toEqual({ id: 'd-25', action: 'deploy', outcome: 'live', checks: [{ name: 'health', pass: true, detail: 'ok' }], extra: { n: 25 } });
    const blueStatus = JSON.parse((await get({ path: link() }, '/api/v1/deployment/status')).body) as { slot: string; active: boolean };
    expect(blueStatus).toMatchObject({ slot: 'blue', active: true });
  });
});

describe('the socket path', () => {
  const start = (socket: string) => startGateway({ qdrantUrl: qdrant.url, redisUrl: redis.url, socket, env: { GATEWAY_SOCKET: socket, GATEWAY_INSTANCE_ID: 'path-test' } });

  it('is taken over from a killed slot (its stale file is removed first)', async () => {
    const stale = join(run, 'gateway-stale.sock');
    // a process that listens on the path and dies without cleaning up
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`]);
    await new Promise((r) => child.once('exit', r));
    expect(statSync(stale).isSocket()).toBe(true);
    const gw = await start(stale);
    try {
      expect((await get({ path: stale }, '/health')).status).toBe(200);
    } finally {
      await gw.kill();
    }
  });

  it('is refused when a live process listens on it, or when it is not a socket', async () => {
    const live = join(run, 'gateway-live.sock');
    const other = createServer(() => undefined);
    await new Promise<void>((r) => other.listen(live, () => r()));
    const plain = join(run, 'gateway-plain.sock');
    writeFileSync(plain, 'not a socket');
    try {
      await expect(start(live)).rejects.toThrow(/exited with 1[\s\S]*is in use by a running process/);
      await expect(start(plain)).rejects.toThrow(/exited with 1[\s\S]*exists and is not a socket/);
      expect(existsSync(plain)).toBe(true);
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});

describe('fault injection (GATEWAY_FAULTS) on a slot', () => {
  it('answers the first `after` searches, then every one with the abort status; health never', async () => {
    const gw = await startGateway({ qdrantUrl: qdrant.url, redisUrl: redis.url, env: { GATEWAY_FAULTS: 'after=3,abort=503:1.0', GATEWAY_INSTANCE_ID: 'faults-test' } });
    try {
      const search = () => requestOnce({ port: gw.port }, 'POST', '/api/v1/vectors/search', { 'x-api-key': TEST_KEY, 'content-type': 'application/json' }, JSON.stringify({ collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 1 }));
      const statuses: number[] = [];
      let last = null;
      for (let i = 0; i < 6; i++) {
        last = await search();
        statuses.push(last.status);
        expect((await get({ port: gw.port }, '/api/v1/health')).status).toBe(200);
        expect((await get({ port: gw.port }, '/health')).status).toBe(200);
      }
      expect(statuses).toEqual([200, 200, 200, 503, 503, 503]);
      expect(JSON.parse(last?.body ?? '')).toEqual({ error: { code: 'GW_ERR_UNAVAILABLE', message: 'fault injected', request_id: expect.any(String) } });
      expect((await get({ port: gw.port }, '/api/v1/deployment/status')).status).toBe(200);
      expect((await get({ port: gw.port }, '/metrics')).status).toBe(200);
    } finally {
      await gw.kill();
    }
  });

  it('refuses to start with a fault list it cannot read, with the line validate-config prints', async () => {
    await expect(startGateway({ qdrantUrl: qdrant.url, redisUrl: redis.url, env: { GATEWAY_FAULTS: 'after=3,abort=503:2' } }))
      .rejects.toThrow(/exited with 1:[\s\S]*GATEWAY_FAULTS: abort=503:2: the probability must be a number > 0 and <= 1/);
  });
});

describe('Redis down', () => {
  it('leaves the status answering, with an empty registry view and registry_available false', async () => {
    await redis.stop();
    const body = await eventually(async () => {
      const b = JSON.parse((await get({ port: blue.port }, '/api/v1/deployment/status')).body) as { registry_available: boolean };
      return b.registry_available === false ? b : undefined;
    }, 10_000, 'registry_available false');
    expect(body).toMatchObject({ slot: 'blue', instance_id: 'blue-1', active: true, instances: [], current: null, history: [], registry_available: false });
  });
});
