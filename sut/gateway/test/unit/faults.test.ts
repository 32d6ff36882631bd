import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from '../../src/app.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from '../../src/config/load.ts';
import { faultable, parseFaults, registerFaults } from '../../src/faults.ts';

const KEY = 'load-key-0123456789abcdef';

describe('GATEWAY_FAULTS syntax', () => {
  it('reads after, abort with or without a probability, delay_ms with or without one', () => {
    expect(parseFaults('after=100,abort=503:0.5,delay_ms=300').spec).toEqual({
      after: 100, abort: { status: 503, code: 'GW_ERR_UNAVAILABLE', p: 0.5 }, delay: { ms: 300, p: 1 }, text: 'after=100,abort=503:0.5,delay_ms=300',
    });
    expect(parseFaults('abort=500').spec).toMatchObject({ after: 0, abort: { status: 500, code: 'GW_ERR_INTERNAL', p: 1 }, delay: null });
    expect(parseFaults(' delay_ms = 50:0.1 , after=0 ').spec).toMatchObject({ after: 0, abort: null, delay: { ms: 50, p: 0.1 } });
    expect(parseFaults('abort=504:1.0').spec?.abort).toEqual({ status: 504, code: 'GW_ERR_UPSTREAM_TIMEOUT', p: 1 });
  });

  it.each([
    ['after=10', /no fault given: set abort and\/or delay_ms/],
    ['after=-1,abort=503', /after=-1: must be a whole number >= 0/],
    ['after=1.5,abort=503', /after=1\.5: must be a whole number/],
    ['abort=200', /abort=200: the status must be one of 500, 502, 503, 504/],
    ['abort=503:0', /abort=503:0: the probability must be a number > 0 and <= 1/],
    ['abort=503:1.5', /the probability must be a number > 0 and <= 1/],
    ['abort=503:half', /the probability must be/],
    ['abort=503:0.5:1', /the status must be one of/],
    ['delay_ms=0', /delay_ms=0: the delay must be a whole number of milliseconds > 0/],
    ['delay_ms=fast', /the delay must be a whole number/],
    ['abort=503,abort=502', /abort is given twice/],
    ['abort=503,,after=1', /an empty entry/],
    ['abort', /"abort" is not key=value/],
    ['abort=503,rate=1', /unknown key rate/],
  ])('refuses %s', (text, message) => {
    const r = parseFaults(text);
    expect(r.spec).toBeNull();
    expect(r.problems.join('\n')).toMatch(message);
    for (const p of r.problems) expect(p).toMatch(/^GATEWAY_FAULTS: .* \(syntax: after=<n>,abort=<status>\[:<p>\],delay_ms=<ms>\[:<p>\],leak_kb=<n>\)$/);
  });

  it('faults the vector API and GraphQL only', () => {
    expect(['/api/v1/vectors/search', '/api/v1/vectors/search/batch', '/api/v1/vectors/:collection/:id', '/graphql'].every(faultable)).toBe(true);
    expect(['/health', '/api/v1/health', '/metrics', '/api/v1/deployment/status', '/api/v1/models', '/api/v1/vectorsearch', undefined].some(faultable)).toBe(false);
  });
});

describe('fault injection in the gateway (inject)', () => {
  let gw: FastifyInstance;
  beforeAll(async () => {
    // after 2 faultable requests, every one is answered 502 (Qdrant is unreachable here: the
    // gateway's own answer would be 503, so a 502 can only be the fault)
    const r = loadConfig(DEFAULT_CONFIG_DIR, { QDRANT_URL: 'http://127.0.0.1:9', GATEWAY_API_KEYS: `load=${KEY}`, GATEWAY_FAULTS: 'after=2,abort=502:1.0' });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    r.config.production.production_deployment.configuration.qdrant.timeout_ms = 300;
    gw = await build({ config: r.config, logger: false, redis: null, ensureCollections: false });
  });
  afterAll(async () => gw.close());

  const point = () => gw.inject({ url: '/api/v1/vectors/test/1', headers: { 'x-api-key': KEY } });

  it('passes the first `after` requests, then answers every one with the abort status and the error body', async () => {
    const health = await gw.inject({ url: '/api/v1/health' });
    expect([(await point()).statusCode, (await point()).statusCode]).toEqual([503, 503]);
    const faulted = await point();
    expect(faulted.statusCode).toBe(502);
    expect(faulted.json()).toEqual({ error: { code: 'GW_ERR_UPSTREAM', message: 'fault injected', request_id: expect.any(String) } });
    expect(faulted.headers['x-gateway-slot']).toBe('blue');
    const graphql = await gw.inject({ method: 'POST', url: '/graphql', headers: { 'x-api-key': KEY, 'content-type': 'application/json' }, payload: JSON.stringify({ query: '{ models { name } }' }) });
    // GraphQL-shaped, as every refusal on /graphql is: the same status and code
    expect(graphql.statusCode).toBe(502);
    expect(graphql.json()).toEqual({ data: null, errors: [{ message: 'fault injected', extensions: { code: 'GW_ERR_UPSTREAM' } }] });
    // never faulted, however many requests came before
    for (const url of ['/health', '/api/v1/health', '/metrics', '/api/v1/deployment/status', '/api/v1/models']) {
      const res = await gw.inject({ url, headers: { 'x-api-key': KEY } });
      expect(res.statusCode, url).not.toBe(502);
    }
    expect((await gw.inject({ url: '/api/v1/health' })).statusCode).toBe(health.statusCode);
  });

  it('still refuses a request without a key first, and counts faulted answers as errors in /metrics', async () => {
    expect((await gw.inject({ url: '/api/v1/vectors/test/1' })).statusCode).toBe(401);
    const metrics = (await gw.inject({ url: '/metrics' })).body;
    expect(metrics).toMatch(/gateway_http_throughput_requests_total\{[^}]*route="\/api\/v1\/vectors\/:collection\/:id"[^}]*status="502"[^}]*\} [1-9]/);
  });
});

describe('fault probabilities and delays (a bare app, a chosen random)', () => {
  async function app(text: string, draws: number[]) {
    const spec = parseFaults(text).spec;
    if (!spec) throw new Error(`bad faults ${text}`);
    const a = Fastify();
    let i = 0;
    registerFaults(a, spec, () => draws[i++ % draws.length] as number);
    a.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => reply.code(err.statusCode ?? 500).send({ message: err.message }));
    a.get('/api/v1/vectors/x', async () => ({ ok: true }));
    await a.ready();
    return a;
  }

  it('aborts a request when the draw is under p, answers it otherwise', async () => {
    const a = await app('abort=503:0.5', [0.49, 0.5, 0.99, 0.1]);
    const statuses = [];
    for (let n = 0; n < 4; n++) statuses.push((await a.inject({ url: '/api/v1/vectors/x' })).statusCode);
    expect(statuses).toEqual([503, 200, 200, 503]);
    await a.close();
  });

  it('delays by delay_ms before answering', async () => {
    const a = await app('delay_ms=150', [0]);
    const started = performance.now();
    const res = await a.inject({ url: '/api/v1/vectors/x' });
    expect(res.statusCode).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    await a.close();
  });
});
