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
  /**
   * The collection's generation as the last lookup saw it (null: none yet). A token for `set`
   * when the answer's query was sent before a lookup could hand one out (speculation): an
   * answer is only stored if no write to the collection happened since this was read.
   */
  generation(collection: string): string | null;
  /** Stores an answer unless the collection was written to since `get` handed out `token`. */
  set(collection: string, key: string, value: unknown, token: string | null): void;
  /** Drops every cached answer of the collection. */
  invalidate(collection: string): Promise<void>;
  /** Whether the store is reachable and usable now. */
  available(): boolean;
}

/**
 * Pending cache fills + rate-limit hit (optional) + cache lookup, in one round trip.
 * KEYS: cache hash, generation [, rate counter], then a (cache hash, generation) pair per fill.
 * ARGV: field, lookup ('1' or '0'), counted ('1' or '0'), window ms, max, cache TTL s, then a
 * (generation token, field, answer) triple per fill.
 * Fills come first, each stored only if its collection's generation is still the one its
 * answer was computed under, so a lookup sees the answers filled before it. With lookup '0'
 * and counted '0' it only writes the fills.
 * The counter follows @fastify/rate-limit's RedisStore exactly (fixed window: INCR, PEXPIRE
 * on the first hit, else PTTL), so that both count the same key the same way.
 * Returns {current, ttl} when over the limit, else {current, ttl, generation, answer|nil}
 * (current = -1 without a counter).
 */
const FILL_ADMIT_AND_LOOKUP = `
local fills = (#ARGV - 6) / 3
local k = #KEYS - 2 * fills
for i = 0, fills - 1 do
  local hash = KEYS[k + 1 + 2 * i]
  if (redis.call('GET', KEYS[k + 2 + 2 * i]) or '0') == ARGV[7 + 3 * i] then
    redis.call('HSET', hash, ARGV[8 + 3 * i], ARGV[9 + 3 * i])
    if redis.call('TTL', hash) < 0 then redis.call('EXPIRE', hash, ARGV[6]) end
  end
end
local current = -1
local ttl = -1
if ARGV[3] == '1' then
  current = redis.call('INCR', KEYS[3])
  ttl = tonumber(ARGV[4])
  if current == 1 then
    redis.call('PEXPIRE', KEYS[3], ttl)
  else
    ttl = redis.call('PTTL', KEYS[3])
  end
  if current > tonumber(ARGV[5]) then return {current, ttl} end
end
if ARGV[2] ~= '1' then return {current, ttl} end
local gen = redis.call('GET', KEYS[2]) or '0'
return {current, ttl, gen, redis.call('HGET', KEYS[1], ARGV[1])}`;

/**
 * How long a fill may wait for a lookup to ride on before it is written on its own. Under
 * load the next lookup comes much sooner; an idle gateway still fills within this delay.
 */
const FILL_DELAY_MS = 5;
/** At most this many fills ride on one lookup (bounds the call's size). */
const MAX_FILLS_PER_LOOKUP = 32;

type LookupRedis = Redis & {
  gwFillAdmitLookup(numKeys: number, ...args: Array<string | number>): Promise<[number, number, string?, (string | null)?]>;
};

/** A fill waiting to be written: cache hash, generation key, token, field, answer. */
type Fill = [string, string, string, string, string];

/** Adds fills to a FILL_ADMIT_AND_LOOKUP call: their keys after the call's keys, their triples after its arguments. */
function appendFills(keys: string[], args: Array<string | number>, fills: Fill[]): void {
  for (const [h, g, token, field, value] of fills) {
    keys.push(h, g);
    args.push(token, field, value);
  }
}

/**
 * Redis-backed cache. One hash per collection holds its answers; a generation counter per
 * collection is bumped on every write, and an answer is stored only if the generation it was
 * computed under is still current (so a search racing a write never caches a stale answer).
 * Fills wait for the next lookup and ride on its round trip (at most FILL_DELAY_MS, then they
 * are written alone): a miss then costs one Redis round trip, not two.
 * Invalidations that fail while Redis is down are replayed when it comes back, before the
 * cache is used again.
 */
export class RedisSearchCache implements SearchCache {
  readonly countsRates = true;
  private readonly pending = new Set<string>();
  private replaying = false;
  private fills: Fill[] = [];
  private fillTimer: NodeJS.Timeout | null = null;
  private readonly generations = new Map<string, string>();

  constructor(
    private readonly redis: Redis,
    private readonly ttlS: number,
    private readonly prefix = 'gw:',
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {
    // no numberOfKeys: the caller passes it (2 or 3, plus two per fill)
    redis.defineCommand('gwFillAdmitLookup', { lua: FILL_ADMIT_AND_LOOKUP });
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
      const args: Array<string | number> = [key, lookup ? '1' : '0', rate ? '1' : '0', rate?.windowMs ?? 0, rate?.max ?? 0, this.ttlS];
      if (lookup) this.takeFills(keys, args);
      const [current, ttl, gen, cached] = await (this.redis as LookupRedis).gwFillAdmitLookup(keys.length, ...keys, ...args);
      const state = rate ? { current, ttlMs: ttl } : null;
      if (gen === undefined) return { value: undefined, token: null, rate: state };
      this.generations.set(collection, gen);
      return { value: cached === null || cached === undefined ? undefined : JSON.parse(cached), token: gen, rate: state };
    } catch (err) {
      this.onError(err);
      return miss;
    }
  }

  generation(collection: string): string | null {
    return this.generations.get(collection) ?? null;
  }

  set(collection: string, key: string, value: unknown, token: string | null): void {
    if (token === null || !this.available()) return;
    this.fills.push([this.hashKey(collection), this.genKey(collection), token, key, JSON.stringify(value)]);
    if (this.fillTimer) return;
    this.fillTimer = setTimeout(() => this.flushFills(), FILL_DELAY_MS);
    this.fillTimer.unref();
  }

  /** Moves waiting fills onto a lookup's keys and arguments. */
  private takeFills(keys: string[], args: Array<string | number>): void {
    if (this.fills.length === 0) return;
    const riding = this.fills.length <= MAX_FILLS_PER_LOOKUP ? this.fills : this.fills.slice(0, MAX_FILLS_PER_LOOKUP);
    this.fills = riding === this.fills ? [] : this.fills.slice(MAX_FILLS_PER_LOOKUP);
    appendFills(keys, args, riding);
    if (this.fills.length === 0 && this.fillTimer) {
      clearTimeout(this.fillTimer);
      this.fillTimer = null;
    }
  }

  /** Writes the fills no lookup took within FILL_DELAY_MS, in one call of the same script. */
  private flushFills(): void {
    const fills = this.fills;
    this.fills = [];
    this.fillTimer = null;
    const [first] = fills;
    if (!first || !redisReady(this.redis)) return;
    // the first fill's keys stand in for the lookup's, which the script does not touch here
    const keys = [first[0], first[1]];
    const args: Array<string | number> = ['', '0', '0', 0, 0, this.ttlS];
    appendFills(keys, args, fills);
    (this.redis as LookupRedis).gwFillAdmitLookup(keys.length, ...keys, ...args).catch(this.onError);
  }

  async invalidate(collection: string): Promise<void> {
    try {
      if (!redisReady(this.redis)) throw new Error('redis not ready');
      await this.bump(collection);
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
        await this.bump(collection);
        this.pending.delete(collection);
      }
    } catch (err) {
      this.onError(err);
    } finally {
      this.replaying = false;
    }
  }

  /** A new generation for the collection (remembered: it is the one its next answers are computed under) and its answers dropped. */
  private async bump(collection: string): Promise<void> {
    const replies = await this.redis.multi().incr(this.genKey(collection)).del(this.hashKey(collection)).exec();
    const [err, gen] = replies?.[0] ?? [null, null];
    if (!err && typeof gen === 'number') this.generations.set(collection, String(gen));
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
  generation(): string | null {
    return null;
  }
  set(): void {}
  async invalidate(): Promise<void> {}
  available(): boolean {
    return false;
  }
}
