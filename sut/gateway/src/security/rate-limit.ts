import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RateCheck, RateState } from '../cache/search-cache.ts';
import { GatewayError } from '../errors.ts';

export interface RateLimitOptions {
  /** Limits per key role. */
  limits: Record<string, { max: number; window_s: number }>;
  /** With auth on, only keyed requests are limited; with it off, every client by address. */
  authEnabled: boolean;
  /** The role of callers without a key (when API key auth is off). */
  defaultRole: string;
  /** Counters live in Redis (shared by the slots); null keeps them in memory (tests). */
  redis: Redis | null;
  /** Whether routes may count their hit themselves (config `deferRateLimit`): the search cache can count in Redis. */
  deferrable: boolean;
}

/** The counters' key prefix in Redis. */
const NAMESPACE = 'gw:ratelimit:';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once this request was counted against its rate limit. */
    rateLimitCounted: boolean;
  }
  interface FastifyContextConfig {
    /** This route counts its rate-limit hit itself (`RateLimiter.check`/`apply`), folded into its cache lookup. */
    deferRateLimit?: boolean;
  }
}

/**
 * For routes that count their rate-limit hit in the same Redis round trip as their cache
 * lookup (the search route): the plugin's onRequest hook is off for them, and they call
 * `check` / `apply` with the state the combined call returned. A request that fails before
 * it gets there (bad body, unknown collection) is counted by `settle` in the error handler,
 * so that every keyed request is counted once and an over-limit caller gets 429 whatever it
 * sent, as on the other routes.
 */
export interface RateLimiter {
  /** The hit to count for this request, or null when it is not limited (no key, with auth on). */
  check(req: FastifyRequest): RateCheck | null;
  /** Headers as the plugin sets them; throws 429 when over the limit. `state` null: the store is down (pass). */
  apply(req: FastifyRequest, reply: FastifyReply, check: RateCheck, state: RateState | null): void;
  /** Counts a request of a deferring route that was not counted yet (through the plugin); throws 429 when over. */
  settle(req: FastifyRequest, reply: FastifyReply): Promise<void>;
}

/** Like @lukeed/ms `format(ms, true)` (what @fastify/rate-limit says): "1 minute", "45 seconds". */
export function retryIn(ttlMs: number): string {
  const ms = Math.ceil(ttlMs / 1000) * 1000;
  if (ms < 1000) return `${ms} ms`;
  const units: Array<[number, string]> = [[365.25 * 86_400_000, 'year'], [86_400_000, 'day'], [3_600_000, 'hour'], [60_000, 'minute'], [1000, 'second']];
  const [size, name] = units.find(([u]) => ms >= u) as [number, string];
  const n = Math.round(ms / size);
  return `${n} ${name}${n !== 1 ? 's' : ''}`;
}

function limited(max: number, ttlMs: number): GatewayError {
  return new GatewayError('GW_ERR_RATE_LIMITED', `rate limit of ${max} requests per window exceeded for this API key; retry in ${retryIn(ttlMs)}`);
}

/**
 * Per-API-key rate limiting with @fastify/rate-limit: fixed windows counted in Redis, limits
 * by key role, 429 + Retry-After. When Redis is down requests pass (skipOnError): the gateway
 * is degraded, not down. Requests without a key (public probes) are not limited.
 * Returns the `RateLimiter` for routes that defer (config `deferRateLimit`), or null when
 * they cannot (no Redis, or no cache to count with): then the plugin counts them too.
 */
export async function registerRateLimit(app: FastifyInstance, opts: RateLimitOptions): Promise<RateLimiter | null> {
  const limitOf = (req: FastifyRequest): { max: number; window_s: number } =>
    opts.limits[req.apiKeyRole ?? opts.defaultRole] ?? opts.limits[opts.defaultRole] ?? { max: 1000, window_s: 60 };
  const keyOf = (req: FastifyRequest) => req.apiKeyId ?? `ip:${req.ip}`;
  const exempt = (req: FastifyRequest) => opts.authEnabled && req.apiKeyId === undefined;
  app.decorateRequest('rateLimitCounted', false);
  const defer = opts.redis !== null && opts.deferrable;
  // routes that defer are left out of the plugin's hook (only when the counters are in Redis,
  // where the deferring route's combined call counts them)
  if (defer) {
    app.addHook('onRoute', (route) => {
      if (route.config?.deferRateLimit) route.config = { ...route.config, rateLimit: false } as typeof route.config;
    });
  }
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    ...(opts.redis ? { redis: opts.redis } : {}),
    nameSpace: NAMESPACE,
    skipOnError: true,
    keyGenerator: keyOf,
    allowList: exempt,
    max: (req) => limitOf(req).max,
    timeWindow: (req) => limitOf(req).window_s * 1000,
    errorResponseBuilder: (_req, ctx) => limited(ctx.max, ctx.ttl),
  });
  if (!defer) return null;
  const count = app.createRateLimit();

  const limiter: RateLimiter = {
    check(req) {
      if (exempt(req)) return null;
      const l = limitOf(req);
      return { key: NAMESPACE + keyOf(req), max: l.max, windowMs: l.window_s * 1000 };
    },
    apply(req, reply, check, state) {
      req.rateLimitCounted = true;
      const current = state?.current ?? 0;
      const ttlS = state ? Math.ceil(state.ttlMs / 1000) : 0;
      reply.header('x-ratelimit-limit', check.max);
      if (current <= check.max) {
        reply.header('x-ratelimit-remaining', check.max - current);
        reply.header('x-ratelimit-reset', ttlS);
        return;
      }
      reply.header('x-ratelimit-remaining', 0);
      reply.header('x-ratelimit-reset', ttlS);
      reply.header('retry-after', ttlS);
      throw limited(check.max, state?.ttlMs ?? 0);
    },
    async settle(req, reply) {
      if (req.rateLimitCounted || !req.routeOptions.config?.deferRateLimit) return;
      req.rateLimitCounted = true;
      const r = await count(req);
      if (r.isAllowed) return;
      const check = { key: NAMESPACE + r.key, max: r.max, windowMs: r.timeWindow };
      limiter.apply(req, reply, check, { current: r.max - r.remaining + (r.isExceeded ? 1 : 0), ttlMs: r.ttl });
    },
  };
  return limiter;
}
