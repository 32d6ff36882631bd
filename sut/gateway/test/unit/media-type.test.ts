import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { build } from '../../src/app.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';

const KEY = 'load-key-0123456789abcdef';

// The README: a body that is not application/json → 415 GW_ERR_UNSUPPORTED_MEDIA_TYPE.
describe('gateway: bodies other than JSON', () => {
  let gw: FastifyInstance;
  beforeAll(async () => {
    const r = loadConfig(DEFAULT_CONFIG_DIR, { QDRANT_URL: 'http://127.0.0.1:9', GATEWAY_API_KEYS: `load=${KEY}` });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    gw = await build({ config: r.config, logger: false, redis: null, ensureCollections: false });
  });
  afterAll(async () => gw.close());

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'application/xml'])('refuses %s with 415 and the catalogue code', async (type) => {
    const res = await gw.inject({ method: 'POST', url: '/api/v1/vectors/search', headers: { 'x-api-key': KEY, 'content-type': type }, payload: 'collection=test' });
    expect(res.statusCode).toBe(415);
    expect(res.json().error.code).toBe('GW_ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});
