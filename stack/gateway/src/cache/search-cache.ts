import type { Redis } from 'ioredis';
import { redisReady } from '../redis/connection.ts';

/** A fixed-window rate-limit hit to count in the same round trip as a cache lookup. */
export interface RateCheck {
  /** The counter's Redis key. */
  key: string;
  max: number;
  windowMs: number;
}

/** The window's count after this hit and the milliseconds until the window resets. */
export interface RateState {
  current: number;
  ttlMs: number;
}

export interface Lookup {
  /** The cached answer, or undefined (a miss, or not looked up because the hit was over the limit). */
  value: unknown;
  /** What `set` needs (null: do not fill). */
  token: string | null;
  /** The rate-limit state when a `RateCheck` was given and counted; null when it could not be (store down). */
  rate: RateState | null;
}

/** A search-result cache; implementations bypass (miss) rather than fail when their store is down. */
export interface SearchCache {
  /**
   * The cached answer, or a miss with the token `set` needs. With `rate`, also counts a
   * rate-limit hit in the same round trip (and skips the lookup when it is over the limit).
   */
  get(collection: string, key: string, rate?: RateCheck): Promise<Lookup>;
  /** Whether `get` can count a `RateCheck` (the store is shared, e.g. Redis). */
  readonly countsRates: boolean;
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
 * Rate-limit hit (optional) + cache lookup in one round trip. KEYS: cache hash, generation
 * [, rate counter]. ARGV: field, lookup ('1' or '0') [, window ms, max].
 * The counter follows @fastify/rate-limit's RedisStore exactly (fixed window: INCR, PEXPIRE
 * on the first hit, else PTTL), so that both count the same key the same way.
 * Returns {current, ttl} when over the limit, else {current, ttl, generation, answer|nil}
 * (current = -1 without a counter).
 */
const ADMIT_AND_LOOKUP = `
local current = -1
local ttl = -1
if #KEYS == 3 then
  current = redis.call('INCR', KEYS[3])
  ttl = tonumber(ARGV[3])
  if current == 1 then
    redis.call('PEXPIRE', KEYS[3], ttl)
  else
    ttl = redis.call('PTTL', KEYS[3])
  end
  if current > tonumber(ARGV[4]) then return {current, ttl} end
end
if ARGV[2] ~= '1' then return {current, ttl} end
local gen = redis.call('GET', KEYS[2]) or '0'
return {current, ttl, gen, redis.call('HGET', KEYS[1], ARGV[1])}`;

type LookupRedis = Redis & {
  gwAdmitLookup(numKeys: number, ...args: Array<string | number>): Promise<[number, number, string?, (string | null)?]>;
  gwCacheSet(k1: string, k2: string, gen: string, field: string, value: string, ttl: number): Promise<number>;
};

/**
 * Redis-backed cache. One hash per collection holds its answers; a generation counter per
 * collection is bumped on every write, and an answer is stored only if the generation it was
 * computed under is still current (so a search racing a write never caches a stale answer).
 * Invalidations that fail while Redis is down are replayed when it comes back, before the
 * cache is used again.
 */
export class RedisSearchCache implements SearchCache {
  readonly countsRates = true;
  private readonly pending = new Set<string>();
  private replaying = false;
  /** Fills waiting to be written (after the answers that produced them are sent). */
  private fills: Array<[string, string, string, string, string]> = [];
  private fillScheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly ttlS: number,
    private readonly prefix = 'gw:',
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    redis.defineCommand('gwCacheSet', { numberOfKeys: 2, lua: SET_IF_GENERATION });
    // no numberOfKeys: the caller passes it (2, or 3 with a rate counter)
    redis.defineCommand('gwAdmitLookup', { lua: ADMIT_AND_LOOKUP });
    redis.on('ready', () => void this.replay());
  }

  available(): boolean {
    if (!redisReady(this.redis)) return false;
    if (this.pending.size > 0) void this.replay();
    return this.pending.size === 0 && !this.replaying;
  }

  async get(collection: string, key: string, rate?: RateCheck): Promise<Lookup> {
    const miss = { value: undefined, token: null, rate: null };
    const lookup = this.available();
    if (!lookup && !(rate && redisReady(this.redis))) return miss;
    try {
      const keys = rate ? [this.hashKey(collection), this.genKey(collection), rate.key] : [this.hashKey(collection), this.genKey(collection)];
      const args: Array<string | number> = [key, lookup ? '1' : '0', ...(rate ? [rate.windowMs, rate.max] : [])];
      const [current, ttl, gen, cached] = await (this.redis as LookupRedis).gwAdmitLookup(keys.length, ...keys, ...args);
      const state = rate ? { current, ttlMs: ttl } : null;
      if (gen === undefined) return { value: undefined, token: null, rate: state };
      return { value: cached === null || cached === undefined ? undefined : JSON.parse(cached), token: gen, rate: state };
    } catch (err) {
      this.onError(err);
      return miss;
    }
  }

  set(collection: string, key: string, value: unknown, token: string | null): void {
    if (token === null || !this.available()) return;
    this.fills.push([this.hashKey(collection), this.genKey(collection), token, key, JSON.stringify(value)]);
    if (this.fillScheduled) return;
    this.fillScheduled = true;
    // after the answer is on its way (the fill is not awaited by anyone), and in one write
    // for all the fills of this turn of the event loop
    setImmediate(() => this.flushFills());
  }

  private flushFills(): void {
    const fills = this.fills;
    this.fills = [];
    this.fillScheduled = false;
    if (!redisReady(this.redis)) return;
    const r = this.redis as LookupRedis;
    if (fills.length === 1) {
      const [h, g, token, field, value] = fills[0] as [string, string, string, string, string];
      r.gwCacheSet(h, g, token, field, value, this.ttlS).catch(this.onError);
      return;
    }
    const p = this.redis.pipeline() as ReturnType<Redis['pipeline']> & { gwCacheSet(...args: Array<string | number>): unknown };
    for (const [h, g, token, field, value] of fills) p.gwCacheSet(h, g, token, field, value, this.ttlS);
    p.exec().catch(this.onError);
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
  readonly countsRates = false;
  async get(): Promise<Lookup> {
    return { value: undefined, token: null, rate: null };
  }
  set(): void {}
  async invalidate(): Promise<void> {}
  available(): boolean {
    return false;
  }
}
