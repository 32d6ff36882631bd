import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/app.ts';
import { statusMeaning } from '../../src/collections/status.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';

const KEY = 'load-key-0123456789abcdef';

describe('Qdrant collection statuses in model health', () => {
  let stub: QdrantStub;
  let gw: FastifyInstance;
  beforeAll(async () => {
    stub = await startQdrantStub();
    const r = loadConfig(DEFAULT_CONFIG_DIR, { QDRANT_URL: stub.url, GATEWAY_API_KEYS: `load=${KEY}` });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    gw = await build({ config: r.config, logger: false, redis: null, ensureCollections: true });
  });
  afterAll(async () => {
    await gw.close();
    await stub.close();
  });

  const health = async (status: string) => {
    stub.collectionStatus = status;
    const res = await gw.inject({ url: '/api/v1/models/phi3/health', headers: { 'x-api-key': KEY } });
    return { code: res.statusCode, body: res.json() };
  };

  it.each([
    ['green', 200, 'healthy', true, 'idle'],
    ['yellow', 200, 'healthy', true, 'optimizing'],
    // after a restart Qdrant says grey until the next update: it serves, so the model is healthy
    ['grey', 200, 'healthy', true, 'pending'],
    ['red', 503, 'unhealthy', false, 'failed'],
  ])('%s → HTTP %i, %s', async (status, code, verdict, serving, optimizer) => {
    const r = await health(status);
    expect(r.code).toBe(code);
    expect(r.body).toMatchObject({ status: verdict, collection_status: status, serving, optimizer });
  });

  it('takes an unknown status from a newer Qdrant as serving, and a missing one as not', () => {
    expect(statusMeaning('blue')).toEqual({ serves: true, optimizer: 'unknown' });
    expect(statusMeaning(undefined).serves).toBe(false);
  });
});
