import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { worst } from '../health/checks.ts';
import { component, errorResponses } from './schemas.ts';

const healthSummary = {
  type: 'object',
  properties: {
    status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
    components: { type: 'array', items: component },
    version: { type: 'string' },
    slot: { type: 'string' },
    uptime_s: { type: 'number' },
  },
  required: ['status', 'components', 'version', 'slot', 'uptime_s'],
} as const;

export function healthRoutes(ctx: GatewayContext) {
  const uptime = () => Math.round((Date.now() - ctx.startedAt.getTime()) / 100) / 10;
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/health', {
      schema: {
        tags: ['health'],
        summary: 'Liveness (public): the process is up',
        response: { 200: { type: 'object', properties: { status: { type: 'string', enum: ['ok'] }, uptime_s: { type: 'number' } }, required: ['status', 'uptime_s'] }, ...errorResponses },
      },
    }, async () => ({ status: 'ok', uptime_s: uptime() }));

    app.get('/api/v1/health', {
      schema: {
        tags: ['health'],
        summary: 'Readiness (public): healthy, degraded (Redis down: no cache) or unhealthy (Qdrant down, 503)',
        response: { ...errorResponses, 200: healthSummary, 503: healthSummary },
      },
    }, async (_req, reply) => {
      const summary = await ctx.health.summary();
      if (summary.status === 'unhealthy') reply.code(503);
      return { ...summary, version: ctx.version, slot: ctx.config.slot, uptime_s: uptime() };
    });

    app.get('/api/v1/infrastructure/health', {
      schema: {
        tags: ['health'],
        summary: 'Qdrant, Redis, disk and memory: status and latency each',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              components: { type: 'object', properties: { qdrant: component, redis: component, disk: component, memory: component }, required: ['qdrant', 'redis', 'disk', 'memory'] },
              checked_at: { type: 'string' },
            },
            required: ['status', 'components', 'checked_at'],
          },
          ...errorResponses,
        },
      },
    }, async () => {
      const [qdrant, redis, disk] = await Promise.all([ctx.health.qdrantHealth(), ctx.health.redisHealth(), ctx.health.diskHealth()]);
      const memory = ctx.health.memoryHealth();
      return { status: worst([qdrant.status, redis.status, disk.status, memory.status]), components: { qdrant, redis, disk, memory }, checked_at: new Date().toISOString() };
    });
  };
}
