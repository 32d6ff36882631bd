import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/app.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';

const LOAD_KEY = 'load-key-0123456789abcdef';
const LIMITED_KEY = 'limited-key-0123456789abcdef';

// Qdrant points at a closed port and there is no Redis: these tests cover what the gateway
// decides on its own (access, validation, errors, documents); the integration tests cover the rest.
async function app(env: Record<string, string> = {}): Promise<FastifyInstance> {
  const r = loadConfig(DEFAULT_CONFIG_DIR, { QDRANT_URL: 'http://127.0.0.1:9', GATEWAY_API_KEYS: `load=${LOAD_KEY},limited=${LIMITED_KEY}`, ...env });
  if (!r.ok) throw new Error(r.problems.join('\n'));
  r.config.production.production_deployment.configuration.qdrant.timeout_ms = 500;
  return build({ config: r.config, logger: false, redis: null, ensureCollections: false });
}

const search = (body: unknown, headers: Record<string, string> = { 'x-api-key': LOAD_KEY }) => ({
  method: 'POST' as const, url: '/api/v1/vectors/search', headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('gateway app (inject)', () => {
  let gw: FastifyInstance;
  beforeAll(async () => {
    gw = await app();
  });
  afterAll(async () => gw.close());

  it('serves liveness without a key', async () => {
    const res = await gw.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok' });
    expect(res.headers['x-request-id']).toBeTruthy();
  });

  it('requires an API key on /api/v1 and /graphql, by X-API-Key or Bearer', async () => {
    const none = await gw.inject({ url: '/api/v1/models' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('GW_ERR_UNAUTHORIZED');
    expect((await gw.inject({ url: '/api/v1/models', headers: { 'x-api-key': 'wrong-key-0123456789' } })).statusCode).toBe(401);
    const bearer = await gw.inject({ url: '/api/v1/models', headers: { authorization: `Bearer ${LOAD_KEY}` } });
    expect(bearer.statusCode).toBe(200);
    expect(bearer.json().models.map((m: { name: string }) => m.name)).toEqual(['mixtral', 'hermes', 'openchat', 'phi3', 'yi34b', 'deepcoder', 'imp', 'deepseek', 'general']);
  });

  it('refuses a client outside the allowlist with 403, even on liveness', async () => {
    const res = await gw.inject({ url: '/health', remoteAddress: '127.0.0.2' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'GW_ERR_IP_FORBIDDEN', message: expect.stringContaining('127.0.0.2') });
  });

  it('takes the client address from X-Forwarded-For only when the peer is a trusted proxy', async () => {
    const viaProxy = await gw.inject({ url: '/health', remoteAddress: '127.0.0.1', headers: { 'x-forwarded-for': '127.0.0.2' } });
    expect(viaProxy.statusCode).toBe(403);
    const spoofed = await gw.inject({ url: '/health', remoteAddress: '127.0.0.3', headers: { 'x-forwarded-for': '127.0.0.1' } });
    expect(spoofed.statusCode).toBe(403);
  });

  it.each([
    ['wrong dimension', { collection: 'test', query_vector: [0.1, 0.2], limit: 10 }, 'GW_ERR_VECTOR_DIMENSION', /query_vector has 2 values but collection test expects 3/],
    ['empty vector', { collection: 'test', query_vector: [], limit: 10 }, 'GW_ERR_VALIDATION', /body\/query_vector must NOT have fewer than 1 items/],
    ['limit too high', { collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 1001 }, 'GW_ERR_VALIDATION', /body\/limit must be <= 1000/],
    ['limit zero', { collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 0 }, 'GW_ERR_VALIDATION', /body\/limit must be >= 1/],
    ['string in vector', { collection: 'test', query_vector: [0.1, '0.2', 0.3] }, 'GW_ERR_VALIDATION', /body\/query_vector\/1 must be a finite number/],
    ['unknown field', { collection: 'test', query_vector: [0.1, 0.2, 0.3], vectr: 1 }, 'GW_ERR_VALIDATION', /unknown property 'vectr'/],
    ['no target', { query_vector: [0.1, 0.2, 0.3] }, 'GW_ERR_VALIDATION', /exactly one of 'collection' or 'model'/],
    ['both targets', { collection: 'test', model: 'imp', query_vector: [0.1, 0.2, 0.3] }, 'GW_ERR_VALIDATION', /exactly one of 'collection' or 'model'/],
    ['unknown model', { model: 'gpt5', query_vector: [0.1, 0.2, 0.3] }, 'GW_ERR_MODEL_NOT_FOUND', /model gpt5 is not configured/],
    ['NaN', '{"collection":"test","query_vector":[NaN,0.2,0.3]}', 'GW_ERR_INVALID_JSON', /NaN and Infinity are not JSON numbers/],
    ['Infinity', '{"collection":"test","query_vector":[Infinity,0.2,0.3]}', 'GW_ERR_INVALID_JSON', /NaN and Infinity are not JSON numbers/],
    ['-Infinity', '{"collection":"test","query_vector":[-Infinity,0.2,0.3]}', 'GW_ERR_INVALID_JSON', /NaN and Infinity are not JSON numbers/],
    ['overflow to Infinity', '{"collection":"test","query_vector":[1e400,0.2,0.3]}', 'GW_ERR_VALIDATION', /body\/query_vector\/0 must be a finite number/],
    ['not JSON', '{"collection":', 'GW_ERR_INVALID_JSON', /not valid JSON/],
  ])('refuses %s with 400 and says why', async (_name, body, code, message) => {
    const res = await gw.inject(search(body));
    expect(res.statusCode).toBe(code.endsWith('NOT_FOUND') ? 404 : 400);
    expect(res.json().error.code).toBe(code);
    expect(res.json().error.message).toMatch(message);
  });

  it('refuses an oversized body with 413', async () => {
    const big = { collection: 'test', query_vector: Array.from({ length: 120_000 }, () => 0.123456789) };
    const res = await gw.inject(search(big));
    expect(res.statusCode).toBe(413);
    expect(res.json().error.code).toBe('GW_ERR_BODY_TOO_LARGE');
  });

  it('answers 503 with a catalogue error (no internals) when Qdrant is unreachable', async () => {
    const res = await gw.inject(search({ collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 10 }));
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ error: { code: 'GW_ERR_UNAVAILABLE', message: 'Qdrant is unreachable', request_id: expect.any(String) } });
    expect(res.body).not.toMatch(/\/work|node_modules|at .*\.ts:\d+/);
  });

  it('reports unhealthy readiness (503) without a key when Qdrant is down', async () => {
    const res = await gw.inject({ url: '/api/v1/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ status: 'unhealthy', components: [{ name: 'qdrant', status: 'unhealthy' }, { name: 'redis', status: 'degraded' }] });
  });

  it('answers unknown routes with GW_ERR_NOT_FOUND', async () => {
    const res = await gw.inject({ url: '/api/v1/nothing', headers: { 'x-api-key': LOAD_KEY } });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('GW_ERR_NOT_FOUND');
  });

  it('rate limits a low-limit key with 429 and Retry-After', async () => {
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await gw.inject({ url: '/api/v1/models', headers: { 'x-api-key': LIMITED_KEY } });
      statuses.push(last.statusCode);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
    expect(last?.json().error.code).toBe('GW_ERR_RATE_LIMITED');
    expect((await gw.inject({ url: '/api/v1/models', headers: { 'x-api-key': LOAD_KEY } })).statusCode).toBe(200);
  });

  it('names its slot and version on every response, errors included', async () => {
    const responses = [
      await gw.inject({ url: '/health' }),
      await gw.inject({ url: '/api/v1/models' }), // 401
      await gw.inject({ url: '/health', remoteAddress: '127.0.0.2' }), // 403
      await gw.inject({ url: '/api/v1/nothing', headers: { 'x-api-key': LOAD_KEY } }), // 404
      await gw.inject(search({ collection: 'test', query_vector: [] })), // 400
      await gw.inject(search({ collection: 'test', query_vector: [0.1, 0.2, 0.3] })), // 503 (no Qdrant)
      await gw.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': LOAD_KEY, 'content-type': 'application/json' }, payload: '{"query":"{ models { name } }"}' }),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 401, 403, 404, 400, 503, 200]);
    for (const r of responses) {
      expect(r.headers['x-gateway-slot'], r.body).toBe('blue');
      expect(r.headers['x-gateway-version'], r.body).toBe('1.0.0');
      // standalone (no GATEWAY_ACTIVE_LINK): always active, connections kept
      expect(r.headers.connection).not.toBe('close');
    }
  });

  it('reports its deployment status, with an empty registry view when Redis is down', async () => {
    const res = await gw.inject({ url: '/api/v1/deployment/status', headers: { 'x-api-key': LOAD_KEY } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      status: 'running', version: '1.0.0', build: 'dev', slot: 'blue', strategy: 'blue_green', environment: 'local',
      started_at: expect.any(String), uptime_s: expect.any(Number),
      instance_id: expect.stringMatching(/^blue-\d+-[0-9a-f]{4}$/), active: true,
      instances: [], current: null, history: [], registry_available: false,
    });
  });

  it('publishes an OpenAPI document generated from the route schemas', async () => {
    const res = await gw.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/health', '/api/v1/health', '/api/v1/vectors/search', '/api/v1/vectors/upsert', '/api/v1/models/{model}/health',
      '/api/v1/infrastructure/health', '/api/v1/deployment/status', '/api/v1/production/readiness', '/metrics',
    ]));
    expect(doc.paths['/api/v1/vectors/search'].post.requestBody.content['application/json'].schema.properties.limit).toMatchObject({ minimum: 1, maximum: 1000 });
  });

  it('exposes metrics whose names match latency, throughput and error_rate', async () => {
    const res = await gw.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(200);
    const names = res.body.split('\n').filter((l) => /(latency|throughput|error_rate)/.test(l) && !l.startsWith('#'));
    expect(names.some((l) => l.startsWith('gateway_http_request_latency_seconds_bucket'))).toBe(true);
    expect(names.some((l) => l.startsWith('gateway_http_throughput_requests_total'))).toBe(true);
    expect(names.some((l) => l.startsWith('gateway_http_error_rate'))).toBe(true);
  });

  it('answers GraphQL errors in GraphQL shape with a catalogue code', async () => {
    const bad = await gw.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': LOAD_KEY }, payload: { query: '{ search(collection:"test", vector:[1,2]) { cached } }' } });
    const body = bad.json();
    expect(body.data).toBeNull();
    expect(body.errors[0]).toMatchObject({ message: expect.stringMatching(/expects 3/), extensions: { code: 'GW_ERR_VECTOR_DIMENSION' } });
    const syntax = await gw.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': LOAD_KEY }, payload: { query: '{ health { ' } });
    expect(syntax.statusCode).toBe(400);
    expect(syntax.json().errors[0].extensions.code).toBe('GW_ERR_VALIDATION');
    const noKey = await gw.inject({ method: 'POST', url: '/graphql', payload: { query: '{ models { name } }' } });
    expect(noKey.statusCode).toBe(401);
    expect(noKey.json()).toEqual({ data: null, errors: [expect.objectContaining({ extensions: { code: 'GW_ERR_UNAUTHORIZED' } })] });
  });

  it('refuses GraphQL queries over the field limit', async () => {
    const fields = Array.from({ length: 201 }, (_, i) => `a${i}: models { name }`).join(' ');
    const res = await gw.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': LOAD_KEY }, payload: { query: `{ ${fields} }` } });
    expect(res.json().errors.map((e: { message: string }) => e.message)).toContain('query selects more than 200 fields');
  });
});

describe('gateway diagnostics: event loop delay', () => {
  it('counts the delay while serving, not the synchronous work before the app is ready', async () => {
    const gw = await app();
    try {
      // a boot step that blocks the loop for 400 ms (schema compilation under load, say)
      await new Promise((r) => setTimeout(r, 60));
      const until = Date.now() + 400;
      while (Date.now() < until) {
        // blocked on purpose
      }
      await new Promise((r) => setTimeout(r, 60));
      await gw.ready();
      await new Promise((r) => setTimeout(r, 100));
      const res = await gw.inject({ url: '/api/v1/deployment/diagnostics', headers: { 'x-api-key': LOAD_KEY } });
      expect(res.statusCode).toBe(200);
      const delay = (res.json() as { process: { event_loop_delay_ms: { max: number } } }).process.event_loop_delay_ms;
      expect(delay.max).toBeLessThan(200);
    } finally {
      await gw.close();
    }
  });
});
