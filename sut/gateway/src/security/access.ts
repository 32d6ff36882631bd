import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { BlockList } from 'node:net';
import { isIP } from 'node:net';
import { GatewayError } from '../errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** A non-secret id of the caller's API key (for rate limiting and logs), when one was given. */
    apiKeyId?: string;
    /** The role of the caller's API key (a key of security.rate_limits). */
    apiKeyRole?: string;
  }
}

export interface AccessOptions {
  /** Clients allowed in; null means everyone. */
  allowlist: BlockList | null;
  /** API key → role; null disables API key auth. */
  apiKeys: Map<string, string> | null;
}

/** Liveness and readiness probes, metrics and the OpenAPI document need no key. */
export function needsApiKey(url: string): boolean {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  if (path === '/api/v1/health' || path === '/api/v1/health/') return false;
  return path.startsWith('/api/v1/') || path === '/graphql' || path.startsWith('/graphql/');
}

/** The key from `X-API-Key` or `Authorization: Bearer`. */
export function presentedKey(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return header;
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && /^bearer\s+/i.test(auth)) return auth.replace(/^bearer\s+/i, '').trim();
  return undefined;
}

/** IP allowlist (403) then API key (401), as the first onRequest hook. */
export function registerAccessControl(app: FastifyInstance, opts: AccessOptions): void {
  const keyIds = new Map<string, { id: string; role: string }>();
  for (const [key, role] of opts.apiKeys ?? []) {
    keyIds.set(key, { id: createHash('sha256').update(key).digest('hex').slice(0, 16), role });
  }
  // BlockList.check builds a SocketAddress per call: remember the verdicts (bounded)
  const verdicts = new Map<string, boolean>();
  const allowed = (list: BlockList, ip: string): boolean => {
    let verdict = verdicts.get(ip);
    if (verdict === undefined) {
      const family = isIP(ip);
      const v4mapped = family === 6 && ip.startsWith('::ffff:') ? ip.slice(7) : null;
      verdict = family !== 0 && (v4mapped ? list.check(v4mapped, 'ipv4') : list.check(ip, family === 6 ? 'ipv6' : 'ipv4'));
      if (verdicts.size >= 10_000) verdicts.clear();
      verdicts.set(ip, verdict);
    }
    return verdict;
  };
  app.addHook('onRequest', async (req) => {
    if (opts.allowlist) {
      const ip = req.ip;
      if (!allowed(opts.allowlist, ip)) throw new GatewayError('GW_ERR_IP_FORBIDDEN', `client address ${ip} is not in the IP allowlist`);
    }
    if (!opts.apiKeys || !needsApiKey(req.url)) return;
    const key = presentedKey(req);
    if (!key) throw new GatewayError('GW_ERR_UNAUTHORIZED', 'API key required: send X-API-Key or Authorization: Bearer');
    const known = keyIds.get(key);
    if (!known) throw new GatewayError('GW_ERR_UNAUTHORIZED', 'API key not recognised');
    req.apiKeyId = known.id;
    req.apiKeyRole = known.role;
  });
}
