import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { InstanceRegistry } from '../../src/registry/instances.ts';

/** Just what the registry calls, failing while `down`. */
class StubRedis extends EventEmitter {
  status = 'ready';
  down = false;
  calls: string[] = [];
  set(key: string, value: string, ex: string, ttl: number): Promise<'OK'> {
    this.calls.push(`SET ${key} ${ex} ${ttl} ${(JSON.parse(value) as { active: boolean }).active}`);
    return this.down ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve('OK');
  }
  del(key: string): Promise<number> {
    this.calls.push(`DEL ${key}`);
    return this.down ? Promise.reject(new Error('Connection is closed.')) : Promise.resolve(1);
  }
}

function registry(redis: StubRedis, enabled = true) {
  const logs: string[] = [];
  const log = { warn: (_o: object, msg: string) => logs.push(`warn ${msg}`), info: (_o: object, msg: string) => logs.push(`info ${msg}`) };
  const reg = new InstanceRegistry({ redis: redis as unknown as Redis, enabled, prefix: 'vdb:services:', heartbeatS: 3600, ttlS: 6, instanceId: 'blue-1', log });
  return { reg, logs };
}

const describeEntry = (active: () => boolean) => () => ({
  id: 'blue-1', service: 'gateway' as const, slot: 'blue', version: 'v1', url: 'http://127.0.0.1:1', socket: null, pid: 1, started_at: 'x', active: active(),
});

describe('InstanceRegistry', () => {
  it('SETs its entry with the TTL on start and each beat, with the current active flag', async () => {
    const redis = new StubRedis();
    const { reg } = registry(redis);
    let active = true;
    await reg.start(describeEntry(() => active));
    active = false;
    await reg.beat();
    expect(redis.calls).toEqual(['SET vdb:services:gateway:blue-1 EX 6 true', 'SET vdb:services:gateway:blue-1 EX 6 false']);
    reg.halt();
  });

  it('skips beats while Redis is down, logging once per outage, and registers again when Redis is back', async () => {
    const redis = new StubRedis();
    const { reg, logs } = registry(redis);
    redis.down = true;
    await reg.start(describeEntry(() => true));
    expect(await reg.beat()).toBe(false);
    expect(await reg.beat()).toBe(false);
    expect(logs).toEqual(['warn service registry: heartbeat skipped (Redis unavailable), retrying every beat']);
    redis.down = false;
    redis.emit('ready');
    await new Promise((r) => setImmediate(r));
    expect(redis.calls.at(-1)).toBe('SET vdb:services:gateway:blue-1 EX 6 true');
    expect(logs.at(-1)).toBe('info service registry: registered again');
    reg.halt();
  });

  it('deregisters after a beat still out, and never beats again', async () => {
    const redis = new StubRedis();
    const { reg } = registry(redis);
    await reg.start(describeEntry(() => true));
    void reg.beat();
    expect(await reg.deregister()).toBe(true);
    expect(await reg.beat()).toBe(false);
    redis.emit('ready');
    expect(redis.calls).toEqual(['SET vdb:services:gateway:blue-1 EX 6 true', 'SET vdb:services:gateway:blue-1 EX 6 true', 'DEL vdb:services:gateway:blue-1']);
  });

  it('writes nothing when the registry is disabled', async () => {
    const redis = new StubRedis();
    const { reg } = registry(redis, false);
    await reg.start(describeEntry(() => true));
    expect(await reg.deregister()).toBe(false);
    expect(redis.calls).toEqual([]);
  });
});
