import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { QdrantRest } from '../../fixtures/src/node/qdrant-rest.ts';
import type { TargetFingerprint } from '../results/readiness.ts';
import { errorMessage } from '../util/errors.ts';
import type { GatewayClient, ModelInfo } from './gateway-client.ts';
import type { Redactor } from '../util/redact.ts';

/** Canonical JSON (sorted keys) so the config hash does not depend on key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/**
 * What was tested: versions of gateway, Qdrant and Redis, the collections' configurations and a
 * hash of the configuration the target reports. Anything unreadable becomes a note, never a failure.
 */
export async function fingerprint(opts: {
  gw: GatewayClient;
  models: ModelInfo[];
  qdrant?: { url: string; apiKey?: string };
  redisUrl?: string;
  redact: Redactor;
}): Promise<TargetFingerprint> {
  const fp: TargetFingerprint = { collections: {}, notes: [] };
  const hashed: Record<string, unknown> = {};
  try {
    const d = await opts.gw.get('/api/v1/deployment/status');
    const b = (d.body ?? {}) as Record<string, string>;
    fp.gateway = { version: b.version, build: b.build, slot: b.slot, environment: b.environment };
  } catch (err) {
    fp.notes.push(`gateway deployment status: ${errorMessage(err)}`);
  }
  try {
    const e = await opts.gw.get('/api/v1/environment/status');
    const { uptime_s: _u, ...env } = (e.body ?? {}) as Record<string, unknown>;
    hashed.environment = env;
  } catch (err) {
    fp.notes.push(`environment status: ${errorMessage(err)}`);
  }
  hashed.models = opts.models;
  for (const m of opts.models) {
    try {
      const r = await opts.gw.get(`/api/v1/collections/${encodeURIComponent(m.collection)}`);
      const c = (r.body ?? {}) as Record<string, unknown>;
      fp.collections[m.collection] = {
        dim: c.dimension as number,
        distance: c.distance as string,
        points: c.points_count as number,
        indexed_vectors: c.indexed_vectors_count as number,
        status: c.status as string,
      };
    } catch (err) {
      fp.notes.push(`collection ${m.collection}: ${errorMessage(err)}`);
    }
  }
  if (opts.qdrant) {
    const client = new QdrantRest({ url: opts.qdrant.url, apiKey: opts.qdrant.apiKey, connections: 1, timeoutMs: 5000 });
    try {
      const b = await client.root();
      fp.qdrant = { version: b.version, title: b.title };
      const configs: Record<string, unknown> = {};
      for (const m of opts.models) configs[m.collection] = (await client.collectionInfo(m.collection))?.config ?? null;
      hashed.qdrantCollections = configs;
    } catch (err) {
      fp.notes.push(`Qdrant: ${errorMessage(err)}`);
    } finally {
      await client.close();
    }
  }
  if (opts.redisUrl) {
    const client = new Redis(opts.redisUrl, { lazyConnect: true, connectTimeout: 3000, commandTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const info = await client.info('server');
      fp.redis = { version: /redis_version:(\S+)/.exec(info)?.[1] };
    } catch (err) {
      fp.notes.push(`Redis: ${opts.redact(errorMessage(err))}`);
    } finally {
      client.disconnect();
    }
  }
  fp.config_hash = `sha256:${createHash('sha256').update(opts.redact(canonical(hashed))).digest('hex')}`;
  return fp;
}
