import type { Redis } from 'ioredis';
import type { SearchCache } from './cache/search-cache.ts';
import type { CollectionRegistry } from './collections/registry.ts';
import type { GatewayConfig } from './config/load.ts';
import type { HealthChecks } from './health/checks.ts';
import type { GatewayMetrics } from './observability/metrics.ts';
import type { QdrantClient } from './qdrant/client.ts';
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
  version: string;
  startedAt: Date;
}
