import type { Redis } from 'ioredis';
import type { SearchCache } from './cache/search-cache.ts';
import type { CollectionRegistry } from './collections/registry.ts';
import type { GatewayConfig } from './config/load.ts';
import type { HealthChecks } from './health/checks.ts';
import type { GatewayMetrics } from './observability/metrics.ts';
import type { QdrantClient } from './qdrant/client.ts';
import type { InstanceRegistry } from './registry/instances.ts';
import type { SlotState } from './slot/state.ts';
import type { RateLimiter } from './security/rate-limit.ts';
import type { VectorService } from './vectors/service.ts';

/** What the routes and resolvers share: built once by `build()`. */
export interface GatewayContext {
  config: GatewayConfig;
  qdrant: QdrantClient;
  redis: Redis | null;
  cache: SearchCache;
  metrics: GatewayMetrics;
  registry: CollectionRegistry;
  vectors: VectorService;
  health: HealthChecks;
  /** Set when routes count their rate-limit hit in their cache lookup (see security/rate-limit.ts). */
  rateLimiter: RateLimiter | null;
  /** The version this slot reports (GATEWAY_VERSION, else deployment.yaml's). */
  version: string;
  startedAt: Date;
  /** Active (the front door's link points here) and draining. */
  slot: SlotState;
  /** This slot's entry in the service registry (server.ts starts and stops it). */
  instances: InstanceRegistry;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's shared context (server.ts reaches the slot state and the registry through it). */
    gateway: GatewayContext;
  }
  interface FastifyRequest {
    /** The JSON body's text as it came (null without a JSON body). */
    jsonText: string | null;
  }
}
