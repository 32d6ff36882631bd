import { UserError } from '../util/errors.ts';
import type { Target } from './types.ts';

function urlFromEnv(name: string): string | undefined {
  const raw = process.env[name];
  if (!raw) return undefined;
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new UserError(`${name}=${raw} is not a URL: set it like http://127.0.0.1:8000`);
  }
}

/** A server the suite does not control, described by `VDB_*` environment variables. */
export function resolveExternalTarget(env: NodeJS.ProcessEnv = process.env): Target {
  const gatewayUrl = urlFromEnv('VDB_GATEWAY_URL');
  const qdrantUrl = urlFromEnv('VDB_QDRANT_URL');
  const redisUrl = env.VDB_REDIS_URL;
  if (!gatewayUrl && !qdrantUrl) {
    throw new UserError('--target external needs VDB_GATEWAY_URL (and usually VDB_API_KEY, VDB_QDRANT_URL, VDB_REDIS_URL): set them, or use --target local');
  }
  return {
    kind: 'external',
    ...(gatewayUrl ? { gateway: { url: gatewayUrl, apiKey: env.VDB_API_KEY ?? '', keys: parseKeys(env.VDB_API_KEYS) } } : {}),
    ...(qdrantUrl ? { qdrant: { url: qdrantUrl, apiKey: env.VDB_QDRANT_API_KEY ?? env.VDB_API_KEY } } : {}),
    ...(redisUrl ? { redis: { url: redisUrl } } : {}),
    release: async () => undefined,
  };
}

/** `VDB_API_KEYS=limited=abc,standard=def`: further keys by role (e.g. a low-limit key for the 429 check). */
function parseKeys(raw: string | undefined): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const pair of (raw ?? '').split(',')) {
    const i = pair.indexOf('=');
    if (i > 0) keys[pair.slice(0, i).trim()] = pair.slice(i + 1).trim();
  }
  return keys;
}
