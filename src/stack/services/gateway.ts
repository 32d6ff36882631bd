import type { GatewayInfo, QdrantInfo, RedisInfo } from '../types.ts';

export interface GatewayTierOptions {
  dir: string;
  logDir: string;
  qdrant: QdrantInfo;
  redis: RedisInfo;
  seedPorts: boolean;
}

/**
 * Starts the gateway slot(s) and nginx in front of them. Returns null while the reference
 * gateway is not part of the stack yet.
 */
export async function startGatewayTier(_opts: GatewayTierOptions): Promise<{ info: GatewayInfo; stop(): Promise<void> } | null> {
  return null;
}
