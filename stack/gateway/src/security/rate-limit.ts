import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
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
}

/**
 * Per-API-key rate limiting with @fastify/rate-limit: fixed windows counted in Redis, limits
 * by key role, 429 + Retry-After. When Redis is down requests pass (skipOnError): the gateway
 * is degraded, not down. Requests without a key (public probes) are not limited.
 */
export async function registerRateLimit(app: FastifyInstance, opts: RateLimitOptions): Promise<void> {
  const limitOf = (req: FastifyRequest): { max: number; window_s: number } =>
    opts.limits[req.apiKeyRole ?? opts.defaultRole] ?? opts.limits[opts.defaultRole] ?? { max: 1000, window_s: 60 };
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    ...(opts.redis ? { redis: opts.redis } : {}),
    nameSpace: 'gw:ratelimit:',
    skipOnError: true,
    keyGenerator: (req) => req.apiKeyId ?? `ip:${req.ip}`,
    allowList: (req) => opts.authEnabled && req.apiKeyId === undefined,
    max: (req) => limitOf(req).max,
    timeWindow: (req) => limitOf(req).window_s * 1000,
    errorResponseBuilder: (_req, ctx) =>
      new GatewayError('GW_ERR_RATE_LIMITED', `rate limit of ${ctx.max} requests per window exceeded for this API key; retry in ${ctx.after}`),
  });
}

