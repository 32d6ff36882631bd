import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../helpers/redis.ts';

describe('the tests\' redis-server helper', () => {
  it('starts a server on loopback in a temp dir and stops it without leftovers', async () => {
    const [a, b] = await Promise.all([startRedisServer(), startRedisServer()]);
    if (!a || !b) throw new Error('no server');
    expect(a.port).not.toBe(b.port);
    const client = new Redis(a.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    await client.connect();
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    await Promise.all([a.stop(), b.stop()]);
    expect(existsSync(a.dir)).toBe(false);
    expect(() => process.kill(a.pid, 0)).toThrow();
    const after = new Redis(a.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
    after.on('error', () => undefined);
    await expect(after.connect()).rejects.toThrow();
    after.disconnect();
  });
});
