import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../config/load.ts';
import type { GatewayContext } from '../context.ts';
import { readDeploymentView } from '../registry/deployments.ts';
import { errorResponses, freeObject } from './schemas.ts';
import { readinessChecks } from './readiness.ts';

const tags = ['operations'];

/** A service registry entry (src/registry/instances.ts), other keys passed through. */
const instanceEntry = {
  type: 'object',
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    service: { type: 'string' },
    slot: { type: 'string' },
    version: { type: 'string' },
    url: { type: 'string' },
    socket: { type: ['string', 'null'] },
    pid: { type: 'integer' },
    started_at: { type: 'string' },
    heartbeat_at: { type: 'string' },
    active: { type: 'boolean' },
  },
} as const;

const deploymentStatus = {
  type: 'object',
  properties: {
    status: { type: 'string' },
    version: { type: 'string' },
    build: { type: 'string' },
    slot: { type: 'string' },
    strategy: { type: 'string' },
    environment: { type: 'string' },
    started_at: { type: 'string' },
    uptime_s: { type: 'number' },
    instance_id: { type: 'string' },
    /** The front door's link points at this slot (always true without GATEWAY_ACTIVE_LINK). */
    active: { type: 'boolean' },
    /** Live service registry entries (gateway slots), sorted by slot. */
    instances: { type: 'array', items: instanceEntry },
    /** Redis `vdb:deployment:current` (written by the deployer), or null. */
    current: { anyOf: [{ type: 'null' }, freeObject] },
    /** Redis `vdb:deployment:history`, newest first, at most 20. */
    history: { type: 'array', items: freeObject },
    /** False when Redis did not answer (instances, current and history are then empty). */
    registry_available: { type: 'boolean' },
  },
  required: ['status', 'version', 'build', 'slot', 'strategy', 'environment', 'started_at', 'uptime_s', 'instance_id', 'active', 'instances', 'current', 'history', 'registry_available'],
} as const;

export function operationsRoutes(ctx: GatewayContext) {
  const loopDelay = monitorEventLoopDelay({ resolution: 20 });
  loopDelay.enable();
  const prod = ctx.config.production.production_deployment;
  const uptime = () => Math.round((Date.now() - ctx.startedAt.getTime()) / 100) / 10;
  const deployment = () => ({
    status: 'running',
    version: ctx.version,
    build: ctx.config.build,
    slot: ctx.config.slot,
    strategy: prod.deployment_strategy,
    environment: prod.environment,
    started_at: ctx.startedAt.toISOString(),
    uptime_s: uptime(),
  });

  return async function routes(app: FastifyInstance): Promise<void> {
    // the delay while serving, not the synchronous work of booting (schema compilation, the
    // collections ensured): a slot just started under load would otherwise read as blocked
    app.addHook('onReady', async () => loopDelay.reset());
    app.addHook('onClose', async () => loopDelay.disable());

    app.get('/api/v1/environment/status', {
      schema: {
        tags,
        summary: 'Effective environment settings and which environment variables overrode the files',
        response: {
          200: {
            type: 'object',
            properties: {
              environment: { type: 'string' },
              log_level: { type: 'string' },
              monitoring_enabled: { type: 'boolean' },
              health_check_interval_s: { type: 'integer' },
              overrides: { type: 'array', items: { type: 'string' } },
              config_dir: { type: 'string' },
              node_version: { type: 'string' },
              platform: { type: 'string' },
              uptime_s: { type: 'number' },
            },
            required: ['environment', 'log_level', 'monitoring_enabled', 'health_check_interval_s', 'overrides', 'node_version', 'platform', 'uptime_s'],
          },
          ...errorResponses,
        },
      },
    }, async () => ({
      environment: prod.environment,
      log_level: prod.configuration.api_gateway.log_level,
      monitoring_enabled: prod.monitoring.metrics_enabled,
      health_check_interval_s: ctx.config.healthChecks.health_checks.interval_s,
      overrides: ctx.config.overrides,
      config_dir: ctx.config.configDir,
      node_version: process.version,
      platform: `${process.platform}-${process.arch}`,
      uptime_s: uptime(),
    }));

    app.get('/api/v1/config/validate', {
      schema: {
        tags,
        summary: 'Re-read and validate the configuration directory',
        response: {
          200: {
            type: 'object',
            properties: {
              valid: { type: 'boolean' },
              config_dir: { type: 'string' },
              files: { type: 'array', items: { type: 'object', properties: { file: { type: 'string' }, valid: { type: 'boolean' }, errors: { type: 'array', items: { type: 'string' } } }, required: ['file', 'valid', 'errors'] } },
              problems: { type: 'array', items: { type: 'string' } },
              checked_at: { type: 'string' },
            },
            required: ['valid', 'config_dir', 'files', 'problems', 'checked_at'],
          },
          ...errorResponses,
        },
      },
    }, async () => {
      const result = loadConfig(ctx.config.configDir);
      return { valid: result.ok, config_dir: ctx.config.configDir, files: result.files, problems: result.ok ? [] : result.problems, checked_at: new Date().toISOString() };
    });

    app.get('/api/v1/deployment/status', {
      schema: { tags, summary: 'Version, build, slot and start time of this gateway; whether it is active; the registry\'s live slots and the deployer\'s records', response: { 200: deploymentStatus, ...errorResponses } },
    }, async () => ({
      ...deployment(),
      instance_id: ctx.config.instanceId,
      active: ctx.slot.active(),
      ...(await readDeploymentView(ctx.redis, ctx.config.orchestration.service_orchestration.service_registry.key_prefix)),
    }));

    app.get('/api/v1/deployment/diagnostics', {
      schema: { tags, summary: 'Deployment, process, dependencies and collections (no secrets)', response: { 200: freeObject, ...errorResponses } },
    }, async () => {
      const summary = await ctx.health.summary();
      const mem = process.memoryUsage();
      return {
        deployment: deployment(),
        process: {
          pid: process.pid,
          node_version: process.version,
          rss_bytes: mem.rss,
          heap_used_bytes: mem.heapUsed,
          event_loop_delay_ms: { p50: loopDelay.percentile(50) / 1e6, p99: loopDelay.percentile(99) / 1e6, max: loopDelay.max / 1e6 },
        },
        dependencies: summary,
        cache: { enabled: prod.configuration.cache.enabled, available: ctx.cache.available(), ttl_s: prod.configuration.cache.ttl_s },
        security: {
          api_key_auth: prod.security.api_key_auth,
          api_key_roles: [...new Set(ctx.config.apiKeys.values())].sort(),
          rate_limiting: prod.security.rate_limiting,
          ip_allowlist: prod.security.ip_allowlist,
        },
        collections: ctx.registry.ensured,
        slot: {
          instance_id: ctx.config.instanceId,
          active: ctx.slot.active(),
          draining: ctx.slot.draining,
          socket: ctx.config.socketPath,
          active_link: ctx.config.activeLink,
          registry_key: ctx.instances.key,
          // GATEWAY_FAULTS (rollback drills), or null
          faults: ctx.config.faults?.text ?? null,
        },
      };
    });

    app.get('/api/v1/production/readiness', {
      schema: {
        tags,
        summary: 'Production readiness checklist: each check with pass/fail and why',
        response: {
          200: {
            type: 'object',
            properties: {
              ready: { type: 'boolean' },
              checks: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, pass: { type: 'boolean' }, detail: { type: 'string' } }, required: ['name', 'pass', 'detail'] } },
              checked_at: { type: 'string' },
            },
            required: ['ready', 'checks', 'checked_at'],
          },
          ...errorResponses,
        },
      },
    }, async () => {
      const checks = await readinessChecks(ctx);
      return { ready: checks.every((c) => c.pass), checks, checked_at: new Date().toISOString() };
    });

    app.get('/metrics', {
      schema: { tags, summary: 'Prometheus metrics (text exposition format)', produces: ['text/plain'] },
    }, async (_req, reply) => {
      reply.type(ctx.metrics.registry.contentType);
      return ctx.metrics.exposition();
    });
  };
}
