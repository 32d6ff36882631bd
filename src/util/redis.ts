import { Redis } from 'ioredis';

/**
 * A one-shot client for the suite's short Redis calls (a probe, the registry, the deployment keys):
 * no retries, no offline queue, every command bounded by `timeoutMs`. Connected and PINGed, or it throws.
 */
export async function connectRedis(url: string, timeoutMs: number): Promise<Redis> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    return client;
  } catch (err) {
    client.disconnect();
    throw err;
  }
}

/** `connectRedis`, or null when Redis does not answer. */
export async function openRedis(url: string, timeoutMs = 1500): Promise<Redis | null> {
  return connectRedis(url, timeoutMs).catch(() => null);
}
