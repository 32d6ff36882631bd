/**
 * Regressions for what `npm run fuzz` (schemathesis over /openapi.json) found in the gateway:
 * 1. the document said every route needs a key, but the probes and metrics need none;
 * 2. a point id the document allowed (any string up to 64) was refused (400): it now says the form;
 * 3. a path parameter over 100 characters got Fastify's own 414 body, not the gateway's 400;
 * 4. /graphql with no query answered "internal error" (GW_ERR_INTERNAL, logged as a failure), and
 *    its document listed no answer but 2XX;
 * 5. a body with a "__proto__" key (valid JSON, refused against prototype poisoning) was answered
 *    "request body is not valid JSON".
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { build } from '../../src/app.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';
import { parsePointId } from '../../src/vectors/service.ts';
import { POINT_ID_PATTERN } from '../../src/routes/schemas.ts';

const KEY = 'load-key-0123456789abcdef';

interface Doc {
  security?: unknown[];
  paths: Record<string, Record<string, { security?: unknown[]; parameters?: Array<{ name: string; schema?: { pattern?: string } }>; responses?: Record<string, unknown> }>>;
}

describe('gateway: what the fuzzer found', () => {
  let gw: FastifyInstance;
  let doc: Doc;
  beforeAll(async () => {
    const r = loadConfig(DEFAULT_CONFIG_DIR, { QDRANT_URL: 'http://127.0.0.1:9', GATEWAY_API_KEYS: `load=${KEY}` });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    gw = await build({ config: r.config, logger: false, redis: null, ensureCollections: false });
    doc = (await gw.inject({ method: 'GET', url: '/openapi.json' })).json() as Doc;
  });
  afterAll(async () => gw.close());

  it('documents the public routes as needing no key, and the others as keyed', async () => {
    expect(doc.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    for (const path of ['/health', '/api/v1/health', '/metrics']) {
      expect(doc.paths[path]!.get!.security, path).toEqual([]);
      expect((await gw.inject({ method: 'GET', url: path })).statusCode, path).not.toBe(401);
    }
    for (const path of ['/api/v1/models', '/api/v1/deployment/status']) {
      expect(doc.paths[path]!.get!.security, path).toBeUndefined();
      expect((await gw.inject({ method: 'GET', url: path })).statusCode, path).toBe(401);
    }
  });

  it('documents a point id as what the route accepts', async () => {
    const id = doc.paths['/api/v1/vectors/{collection}/{id}']!.get!.parameters!.find((p) => p.name === 'id')!;
    expect(id.schema?.pattern).toBe(POINT_ID_PATTERN);
    const re = new RegExp(POINT_ID_PATTERN);
    for (const ok of ['0', '123456789012345', '3fa85f64-5717-4562-b3fc-2c963f66afa6', '3FA85F64-5717-4562-B3FC-2C963F66AFA6']) {
      expect(re.test(ok), ok).toBe(true);
      expect(() => parsePointId(ok), ok).not.toThrow();
    }
    for (const bad of ['', '-1', '1.5', 'blue-12005-92a2', '0000000000000000', `${'0'.repeat(63)}`]) {
      expect(re.test(bad), bad).toBe(false);
      expect(() => parsePointId(bad), bad).toThrow();
    }
    const res = await gw.inject({ method: 'GET', url: '/api/v1/vectors/mixtral/not-an-id', headers: { 'x-api-key': KEY } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('GW_ERR_VALIDATION');
  });

  it('refuses a too-long path parameter with its own 400, not the router\'s 414', async () => {
    const res = await gw.inject({ method: 'DELETE', url: `/api/v1/vectors/mixtral/${'x'.repeat(300)}`, headers: { 'x-api-key': KEY } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('GW_ERR_VALIDATION');
    expect(res.body).not.toContain('FST_ERR');
  });

  it('refuses a body with a __proto__ key as that, not as invalid JSON', async () => {
    const res = await gw.inject({ method: 'POST', url: '/api/v1/vectors/search', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, payload: '{"collection":"test","query_vector":[1],"filter":{"__proto__":null}}' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'GW_ERR_VALIDATION', message: expect.stringContaining('__proto__') });
    const broken = await gw.inject({ method: 'POST', url: '/api/v1/vectors/search', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, payload: '{"collection":' });
    expect(broken.json().error.code).toBe('GW_ERR_INVALID_JSON');
  });

  it('answers /graphql without a query as the client\'s mistake, and documents its answers', async () => {
    for (const req of [
      { method: 'POST' as const, url: '/graphql', payload: {} },
      { method: 'POST' as const, url: '/graphql', payload: { query: '' } },
      { method: 'GET' as const, url: '/graphql' },
    ]) {
      const res = await gw.inject({ ...req, headers: { 'x-api-key': KEY } });
      expect(res.statusCode, JSON.stringify(req)).toBe(400);
      const body = res.json() as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect(body.errors[0]!.extensions.code).toBe('GW_ERR_VALIDATION');
      expect(body.errors[0]!.message).toMatch(/no GraphQL query/);
    }
    for (const method of ['get', 'post']) {
      const responses = doc.paths['/graphql']![method]!.responses!;
      for (const status of ['200', '400', '401', '429']) expect(responses[status], `${method} ${status}`).toBeDefined();
    }
    const ok = await gw.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': KEY }, payload: { query: '{ models { name } }' } });
    expect(ok.statusCode).toBe(200);
    expect((ok.json() as { data: { models: unknown[] } }).data.models.length).toBeGreaterThan(0);
  });
});
