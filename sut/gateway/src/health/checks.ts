import { freemem, totalmem } from 'node:os';
import { statfs } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { GatewayConfig } from '../config/load.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { QdrantClient } from '../qdrant/client.ts';

export type Status = 'healthy' | 'degraded' | 'unhealthy';

export interface ComponentHealth {
  name: string;
  status: Status;
  latency_ms: number;
  error?: string;
  [detail: string]: unknown;
}

/** Live checks of the gateway's dependencies, each with a timeout from health-checks.yaml. */
export class HealthChecks {
  constructor(
    private readonly config: GatewayConfig,
    private readonly qdrant: QdrantClient,
    private readonly redis: Redis | null,
    private readonly metrics: GatewayMetrics,
  ) {}

  async qdrantHealth(): Promise<ComponentHealth> {
    const started = performance.now();
    try {
      const ok = await this.qdrant.ready(this.config.healthChecks.health_checks.checks.qdrant.timeout_ms);
      this.metrics.qdrantUp.set(ok ? 1 : 0);
      return { name: 'qdrant', status: ok ? 'healthy' : 'unhealthy', latency_ms: ms(started), ...(ok ? {} : { error: 'Qdrant is not ready' }) };
    } catch (err) {
      this.metrics.qdrantUp.set(0);
      return { name: 'qdrant', status: 'unhealthy', latency_ms: ms(started), error: (err as Error).message };
    }
  }

  /** Redis down makes the gateway degraded (no cache, no rate limit), not unhealthy. */
  async redisHealth(): Promise<ComponentHealth> {
    const started = performance.now();
    if (!this.redis) return { name: 'redis', status: 'degraded', latency_ms: 0, error: 'Redis is not configured' };
    try {
      if (this.redis.status !== 'ready') throw new Error(`Redis connection is ${this.redis.status}`);
      const timeout = this.config.healthChecks.health_checks.checks.redis.timeout_ms;
      await Promise.race([
        this.redis.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no PONG within ${timeout} ms`)), timeout).unref()),
      ]);
      this.metrics.redisUp.set(1);
      return { name: 'redis', status: 'healthy', latency_ms: ms(started) };
    } catch (err) {
      this.metrics.redisUp.set(0);
      return { name: 'redis', status: 'degraded', latency_ms: ms(started), error: (err as Error).message };
    }
  }

  async diskHealth(): Promise<ComponentHealth> {
    const started = performance.now();
    const { path, min_free_ratio } = this.config.healthChecks.health_checks.checks.disk;
    try {
      const s = await statfs(path);
      const total = s.blocks * s.bsize;
      const free = s.bavail * s.bsize;
      const ratio = total > 0 ? free / total : 0;
      return { name: 'disk', status: ratio >= min_free_ratio ? 'healthy' : 'degraded', latency_ms: ms(started), path, free_bytes: free, total_bytes: total, free_ratio: round(ratio) };
    } catch (err) {
      return { name: 'disk', status: 'degraded', latency_ms: ms(started), path, error: (err as Error).message };
    }
  }

  memoryHealth(): ComponentHealth {
    const started = performance.now();
    const mem = process.memoryUsage();
    const maxRss = this.config.healthChecks.health_checks.checks.memory.max_rss_mb * 1024 * 1024;
    return {
      name: 'memory',
      status: mem.rss <= maxRss ? 'healthy' : 'degraded',
      latency_ms: ms(started),
      rss_bytes: mem.rss,
      heap_used_bytes: mem.heapUsed,
      max_rss_bytes: maxRss,
      system_free_bytes: freemem(),
      system_total_bytes: totalmem(),
    };
  }

  /** The readiness summary: Qdrant down → unhealthy; Redis down → degraded. */
  async summary(): Promise<{ status: Status; components: ComponentHealth[] }> {
    const components = await Promise.all([this.qdrantHealth(), this.redisHealth()]);
    return { status: worst(components.map((c) => c.status)), components };
  }
}

export function worst(statuses: Status[]): Status {
  if (statuses.includes('unhealthy')) return 'unhealthy';
  if (statuses.includes('degraded')) return 'degraded';
  return 'healthy';
}

function ms(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
