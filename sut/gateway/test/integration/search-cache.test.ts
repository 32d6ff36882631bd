import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisSearchCache } from '../../src/cache/search-cache.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url, { enableOfflineQueue: false, maxRetriesPerRequest: 0 });
  await new Promise((resolve) => redis.once('ready', resolve));
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const answer = (n: number) => [{ id: n, score: 0.5 }];

describe('RedisSearchCache against a real Redis', () => {
  it('writes a fill with the next lookup, which already sees it', async () => {
    const cache = new RedisSearchCache(redis, 60, 'a:');
    const miss = await cache.get('c', 'k1');
    expect(miss.value).toBeUndefined();
    cache.set('c', 'k1', answer(1), miss.token);
    // not in Redis yet: it waits for a lookup to ride on
    expect(await redis.hget('a:cache:c', 'k1')).toBeNull();
    const hit = await cache.get('c', 'k1');
    expect(hit.value).toEqual(answer(1));
  });

  it('writes a fill by itself when no lookup comes', async () => {
    const cache = new RedisSearchCache(redis, 60, 'b:');
    const miss = await cache.get('c', 'k1');
    cache.set('c', 'k1', answer(2), miss.token);
    await sleep(100);
    expect(JSON.parse((await redis.hget('b:cache:c', 'k1')) as string)).toEqual(answer(2));
    expect(await redis.ttl('b:cache:c')).toBeGreaterThan(0);
  });

  it('never stores an answer computed before a write to the collection', async () => {
    const cache = new RedisSearchCache(redis, 60, 'c:');
    const miss = await cache.get('c', 'k1');
    await cache.invalidate('c');
    cache.set('c', 'k1', answer(3), miss.token);
    expect((await cache.get('c', 'k1')).value).toBeUndefined();
    await sleep(100);
    expect(await redis.hget('c:cache:c', 'k1')).toBeNull();
  });

  it('knows the generation its own writes started, so that a speculative answer right after one is cached', async () => {
    const cache = new RedisSearchCache(redis, 60, 'e:');
    expect(cache.generation('c')).toBeNull();
    const first = await cache.get('c', 'k');
    expect(cache.generation('c')).toBe(first.token);
    await cache.invalidate('c');
    const known = cache.generation('c');
    expect(known).not.toBe(first.token);
    // a query sent now, with the lookup alongside, fills under the generation known before it
    const lookup = await cache.get('c', 'k');
    expect(lookup.token).toBe(known);
    cache.set('c', 'k', answer(4), known);
    expect((await cache.get('c', 'k')).value).toEqual(answer(4));
  });

  it('carries the fills of several collections on one lookup, and counts the rate-limit hit with it', async () => {
    const cache = new RedisSearchCache(redis, 60, 'd:');
    const tokens = await Promise.all(['x', 'y', 'z'].map(async (c) => (await cache.get(c, 'k')).token));
    ['x', 'y', 'z'].forEach((c, i) => cache.set(c, 'k', answer(i), tokens[i] ?? null));
    const rate = { key: 'd:ratelimit:caller', max: 2, windowMs: 60_000 };
    const first = await cache.get('x', 'k', rate);
    expect(first.value).toEqual(answer(0));
    expect(first.rate).toMatchObject({ current: 1 });
    expect(first.rate?.ttlMs).toBeGreaterThan(59_000);
    expect(JSON.parse((await redis.hget('d:cache:z', 'k')) as string)).toEqual(answer(2));
    await cache.get('y', 'k', rate);
    // over the limit: counted, not looked up
    const over = await cache.get('y', 'k', rate);
    expect(over.rate).toMatchObject({ current: 3 });
    expect(over.value).toBeUndefined();
  });
});
