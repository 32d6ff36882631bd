import type { Redis } from 'ioredis';
import { redisReady } from '../redis/connection.ts';

/** A search-result cache; implementations bypass (miss) rather than fail when their store is down. */
export interface SearchCache {
  /** The cached answer, or a miss with the token `set` needs. */
  get(collection: string, key: string): Promise<{ value: unknown; token: string | null }>;
  /** Stores an answer unless the collection was written to since `get` handed out `token`. */
  set(collection: string, key: string, value: unknown, token: string | null): void;
  /** Drops every cached answer of the collection. */
  invalidate(collection: string): Promise<void>;
  /** Whether the store is reachable and usable now. */
  available(): boolean;
}

const SET_IF_GENERATION = `
local gen = redis.call('GET', KEYS[2]) or '0'
if gen == ARGV[1] then
  redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
  if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[4]) end
  return 1
end
return 0`;

/**
 * Redis-backed cache. One hash per collection holds its answers; a generation counter per
 * collection is bumped on every write, and an answer is stored only if the generation it was
 * computed under is still current (so a search racing a write never caches a stale answer).
 * Invalidations that fail while Redis is down are replayed when it comes back, before the
 * cache is used again.
 */
export class RedisSearchCache implements SearchCache {
  private readonly pending = new Set<string>();
  private replaying = false;

  constructor(
    private readonly redis: Redis,
    private readonly ttlS: number,
    private readonly prefix = 'gw:',
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    redis.defineCommand('gwCacheSet', { numberOfKeys: 2, lua: SET_IF_GENERATION });
    redis.on('ready', () => void this.replay());
  }

  available(): boolean {
    if (!redisReady(this.redis)) return false;
    if (this.pending.size > 0) void this.replay();
    return this.pending.size === 0 && !this.replaying;
  }

  async get(collection: string, key: string): Promise<{ value: unknown; token: string | null }> {
    if (!this.available()) return { value: undefined, token: null };
    try {
      const res = await this.redis.pipeline().hget(this.hashKey(collection), key).get(this.genKey(collection)).exec();
      const [hashRes, genRes] = res ?? [];
      if (!hashRes || !genRes || hashRes[0] || genRes[0]) return { value: undefined, token: null };
      const cached = hashRes[1] as string | null;
      const token = (genRes[1] as string | null) ?? '0';
      return { value: cached === null ? undefined : JSON.parse(cached), token };
    } catch (err) {
      this.onError(err);
      return { value: undefined, token: null };
    }
  }

  set(collection: string, key: string, value: unknown, token: string | null): void {
    if (token === null || !this.available()) return;
    const r = this.redis as Redis & { gwCacheSet(k1: string, k2: string, gen: string, field: string, value: string, ttl: number): Promise<number> };
    r.gwCacheSet(this.hashKey(collection), this.genKey(collection), token, key, JSON.stringify(value), this.ttlS).catch(this.onError);
  }

  async invalidate(collection: string): Promise<void> {
    try {
      if (!redisReady(this.redis)) throw new Error('redis not ready');
      await this.redis.multi().incr(this.genKey(collection)).del(this.hashKey(collection)).exec();
    } catch (err) {
      this.pending.add(collection);
      this.onError(err);
    }
  }

  private async replay(): Promise<void> {
    if (this.replaying || this.pending.size === 0) return;
    this.replaying = true;
    try {
      for (const collection of [...this.pending]) {
        await this.redis.multi().incr(this.genKey(collection)).del(this.hashKey(collection)).exec();
        this.pending.delete(collection);
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.replaying = false;
    }
  }

  private hashKey(collection: string): string {
    return `${this.prefix}cache:${collection}`;
  }

  private genKey(collection: string): string {
    return `${this.prefix}gen:${collection}`;
  }
}

/** The cache when caching is disabled in config. */
export class NoSearchCache implements SearchCache {
  async get(): Promise<{ value: unknown; token: string | null }> {
    return { value: undefined, token: null };
  }
  set(): void {}
  async invalidate(): Promise<void> {}
  available(): boolean {
    return false;
  }
}
