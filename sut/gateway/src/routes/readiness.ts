import { loadConfig } from '../config/load.ts';
import type { GatewayContext } from '../context.ts';

export interface ReadinessCheck {
  name: string;
  pass: boolean;
  detail: string;
}

/** The production readiness checklist, evaluated live. */
export async function readinessChecks(ctx: GatewayContext): Promise<ReadinessCheck[]> {
  const prod = ctx.config.production.production_deployment;
  const [qdrant, redis] = await Promise.all([ctx.health.qdrantHealth(), ctx.health.redisHealth()]);
  const checks: ReadinessCheck[] = [];
  const add = (name: string, pass: boolean, detail: string) => checks.push({ name, pass, detail });

  const reloaded = loadConfig(ctx.config.configDir);
  add('config_valid', reloaded.ok, reloaded.ok ? `all configuration files in ${ctx.config.configDir} are valid` : reloaded.problems.slice(0, 5).join('; '));
  add('qdrant_reachable', qdrant.status === 'healthy', qdrant.status === 'healthy' ? `ready in ${qdrant.latency_ms} ms` : qdrant.error ?? 'not ready');
  add('redis_reachable', redis.status === 'healthy', redis.status === 'healthy' ? `PONG in ${redis.latency_ms} ms` : redis.error ?? 'not reachable');

  if (qdrant.status === 'healthy') {
    const problems: string[] = [];
    for (const spec of ctx.registry.configuredCollections()) {
      try {
        const info = await ctx.qdrant.getCollection(spec.name);
        const v = info?.config.params.vectors as { size?: number } | undefined;
        if (!info) problems.push(`${spec.name} missing`);
        else if (v?.size !== spec.vectorSize) problems.push(`${spec.name} has dimension ${String(v?.size)}, expected ${spec.vectorSize}`);
        else if (info.status === 'red') problems.push(`${spec.name} is red`);
      } catch (err) {
        problems.push(`${spec.name}: ${(err as Error).message}`);
      }
    }
    const n = ctx.registry.configuredCollections().length;
    add('collections_ready', problems.length === 0, problems.length === 0 ? `${n} collections (9 models + extra) exist with their configured dimension` : problems.join('; '));
  } else {
    add('collections_ready', false, 'Qdrant is not reachable');
  }

  const roles = [...new Set(ctx.config.apiKeys.values())];
  add('api_key_auth', prod.security.api_key_auth && roles.length > 0, prod.security.api_key_auth ? `${ctx.config.apiKeys.size} key(s), roles ${roles.join(', ') || 'none'}` : 'api_key_auth is disabled');
  add('rate_limiting', prod.security.rate_limiting, prod.security.rate_limiting ? `per key role: ${Object.entries(prod.security.rate_limits).map(([r, l]) => `${r} ${l.max}/${l.window_s}s`).join(', ')}` : 'rate_limiting is disabled');
  add('ip_allowlist', prod.security.ip_allowlist.length > 0, prod.security.ip_allowlist.length > 0 ? prod.security.ip_allowlist.join(', ') : 'no CIDR configured: every client is allowed');
  add('monitoring', prod.monitoring.metrics_enabled, prod.monitoring.metrics_enabled ? '/metrics enabled' : 'metrics_enabled is false');
  add('backup', prod.backup.enabled, prod.backup.enabled ? `schedule ${prod.backup.schedule}, retention ${prod.backup.retention}` : 'backup is disabled');
  const hc = ctx.config.healthChecks.health_checks;
  add('health_checks', hc.interval_s <= 60 && hc.retries >= 1, `interval ${hc.interval_s} s, timeout ${hc.timeout_s} s, retries ${hc.retries}`);
  const d = ctx.config.deployment.deployment;
  add('blue_green', d.strategy === 'blue_green' && d.slots.length >= 2 && d.rollback.enabled, `strategy ${d.strategy}, slots ${d.slots.join('/')}, rollback ${d.rollback.enabled ? 'enabled' : 'disabled'}`);
  return checks;
}
