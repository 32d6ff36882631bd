import { request as httpRequest } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import { readResponse } from '../../helpers/http.ts';
import { MODELS } from '../../../fixtures/src/datasets.ts';
import { startRedis } from '../../../src/launcher/services/redis.ts';
import { stopProcessGroup } from '@vdb-readiness/local-process';
import type { GatewayInfo, StackInfo, StartedService, RedisInfo } from '../../../src/launcher/types.ts';

// Response bodies are checked field by field with expect(); a loose type keeps that readable.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;


let dir: string;
let stack: StackInfo;
let gw: GatewayInfo;
let restartedRedis: StartedService<RedisInfo> | null = null;

async function call(path: string, init: { method?: string; body?: unknown; raw?: string; key?: string | null } = {}): Promise<{ status: number; headers: Headers; json: Json; text: string }> {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers['x-api-key'] = init.key ?? gw.apiKey;
  if (init.body !== undefined || init.raw !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${gw.url}${path}`, {
    method: init.method ?? (init.body !== undefined || init.raw !== undefined ? 'POST' : 'GET'),
    headers,
    body: init.raw ?? (init.body !== undefined ? JSON.stringify(init.body) : undefined),
    signal: AbortSignal.timeout(15_000),
  });
  const r = await readResponse(res);
  return { ...r, json: r.json as Json };
}

/** GET from a given local address (to prove the allowlist sees the real client). */
function getFrom(localAddress: string, path: string): Promise<{ status: number; body: string }> {
  const url = new URL(`${gw.url}${path}`);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, localAddress, headers: { 'x-api-key': gw.apiKey }, timeout: 10_000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const vec = (dim: number, seed: number) => Array.from({ length: dim }, (_, i) => Math.sin(seed * 31 + i));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vdb-gw-it-'));
  stack = await stackUp({ dir });
  if (!stack.gateway) throw new Error('stack came up without a gateway');
  gw = stack.gateway;
});

afterAll(async () => {
  if (restartedRedis) await restartedRedis.stop();
  if (dir) {
    await stackDown(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('the reference stack behind nginx (launched by the local launcher)', () => {
  it('records the tier in stack.json: nginx front door, slot blue, keys by role', () => {
    expect(gw.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(gw.active).toBe('blue');
    expect(gw.slots.map((s) => s.name)).toEqual(['blue']);
    expect(Object.keys(gw.keys ?? {})).toEqual(['load', 'standard', 'limited']);
    expect(gw.apiKey).toBe(gw.keys?.load);
    expect(stack.pids).toEqual(expect.arrayContaining([gw.nginx.pid, gw.slots[0]?.pid]));
  });

  it('answers the runbook validation commands', async () => {
    const health = await call('/api/v1/health', { key: null });
    expect(health.status).toBe(200);
    expect(health.json.status).toBe('healthy');
    const gql = await call('/graphql', { body: { query: 'query{health{status}}' } });
    expect(gql.json).toEqual({ data: { health: { status: 'healthy' } } });
    const smoke = await call('/api/v1/vectors/search', { body: { collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 10 } });
    expect(smoke.status).toBe(200);
    expect(smoke.json).toMatchObject({ collection: 'test', model: null, results: expect.any(Array), cached: expect.any(Boolean) });
    for (const m of MODELS) {
      const r = await call(`/api/v1/models/${m}/health`);
      expect(r.status, m).toBe(200);
      expect(r.json).toMatchObject({ model: m, collection: m, status: 'healthy', dimension: r.json.expected_dimension });
    }
    const infra = await call('/api/v1/infrastructure/health');
    expect(Object.keys(infra.json.components)).toEqual(['qdrant', 'redis', 'disk', 'memory']);
    const metrics = await call('/metrics', { key: null });
    expect(metrics.text.split('\n').filter((l) => /(latency|throughput|error_rate)/.test(l)).length).toBeGreaterThan(3);
    expect((await call('/api/v1/deployment/status')).json).toMatchObject({ status: 'running', slot: 'blue', strategy: 'blue_green' });
    expect((await call('/api/v1/deployment/diagnostics')).status).toBe(200);
    const readiness = await call('/api/v1/production/readiness');
    expect(readiness.json.checks.filter((c: { pass: boolean }) => !c.pass)).toEqual([]);
    expect(readiness.json.ready).toBe(true);
    expect((await call('/api/v1/environment/status')).json.environment).toBe('local');
    expect((await call('/api/v1/config/validate')).json.valid).toBe(true);
    for (const p of ['/healthz', '/cluster', '/telemetry']) {
      const r = await fetch(`${stack.qdrant.url}${p}`, { headers: { 'api-key': stack.qdrant.apiKey }, signal: AbortSignal.timeout(10_000) });
      expect(r.status, p).toBe(200);
    }
    const doc = await call('/openapi.json', { key: null });
    expect(Object.keys(doc.json.paths)).toContain('/api/v1/vectors/search');
  });

  it('upserts, gets, searches by model, lists and deletes', async () => {
    const points = [1, 2, 3].map((id) => ({ id, vector: vec(128, id), payload: { n: id } }));
    expect((await call('/api/v1/vectors/upsert', { body: { model: 'general', points } })).json).toMatchObject({ collection: 'general', upserted: 3 });
    const got = await call('/api/v1/vectors/general/2');
    expect(got.json).toMatchObject({ collection: 'general', id: 2, payload: { n: 2 } });
    expect(got.json.vector).toHaveLength(128);
    const found = await call('/api/v1/vectors/search', { body: { model: 'general', query_vector: vec(128, 2), limit: 3, with_payload: true } });
    expect(found.json.model).toBe('general');
    expect(found.json.results[0]).toMatchObject({ id: 2, payload: { n: 2 } });
    const batch = await call('/api/v1/vectors/search/batch', { body: { searches: [{ model: 'general', query_vector: vec(128, 1), limit: 1 }, { collection: 'general', query_vector: vec(128, 3), limit: 1 }] } });
    expect(batch.json.responses.map((r: { results: Array<{ id: number }> }) => r.results[0]?.id)).toEqual([1, 3]);
    expect((await call('/api/v1/collections')).json.collections).toEqual(expect.arrayContaining([{ name: 'general', model: 'general' }, { name: 'test', model: null }]));
    expect((await call('/api/v1/collections/general')).json).toMatchObject({ name: 'general', dimension: 128, points_count: expect.any(Number) });
    expect((await call('/api/v1/vectors/general/3', { method: 'DELETE' })).json).toMatchObject({ deleted: 1 });
    expect((await call('/api/v1/vectors/delete', { body: { collection: 'general', ids: [1] } })).json).toMatchObject({ deleted: 1 });
    expect((await call('/api/v1/vectors/general/1')).json.error.code).toBe('GW_ERR_POINT_NOT_FOUND');
    expect((await call('/api/v1/collections/nope')).json.error.code).toBe('GW_ERR_COLLECTION_NOT_FOUND');
  });

  it('serves a repeated search from the cache and drops it when the collection is written to', async () => {
    const body = { collection: 'imp', query_vector: vec(128, 50), limit: 5 };
    await call('/api/v1/vectors/upsert', { body: { collection: 'imp', points: [{ id: 500, vector: vec(128, 51) }] } });
    expect((await call('/api/v1/vectors/search', { body })).json.cached).toBe(false);
    const again = await call('/api/v1/vectors/search', { body: { limit: 5, query_vector: body.query_vector, collection: 'imp' } });
    expect(again.json.cached).toBe(true);
    expect(again.json.results.map((r: { id: number }) => r.id)).toContain(500);
    await call('/api/v1/vectors/upsert', { body: { collection: 'imp', points: [{ id: 501, vector: vec(128, 50) }] } });
    const after = await call('/api/v1/vectors/search', { body });
    expect(after.json.cached).toBe(false);
    expect(after.json.results[0].id).toBe(501);
  });

  it('refuses bad inputs with 400/413 and a message that says what is wrong', async () => {
    const cases: Array<[string, number, string, RegExp]> = [
      ['{"collection":"test","query_vector":[0.1,0.2],"limit":10}', 400, 'GW_ERR_VECTOR_DIMENSION', /expects 3/],
      ['{"collection":"test","query_vector":[NaN,0.2,0.3]}', 400, 'GW_ERR_INVALID_JSON', /NaN and Infinity/],
      ['{"collection":"test","query_vector":[Infinity,0.2,0.3]}', 400, 'GW_ERR_INVALID_JSON', /NaN and Infinity/],
      ['{"collection":"test","query_vector":[]}', 400, 'GW_ERR_VALIDATION', /query_vector must NOT have fewer than 1 items/],
      ['{"collection":"test","query_vector":[0.1,0.2,0.3],"limit":0}', 400, 'GW_ERR_VALIDATION', /limit must be >= 1/],
      ['{"collection":"test","query_vector":[0.1,0.2,0.3],"limit":5000}', 400, 'GW_ERR_VALIDATION', /limit must be <= 1000/],
      [`{"collection":"test","query_vector":[${Array(300_000).fill('0.1234567').join(',')}]}`, 413, 'GW_ERR_BODY_TOO_LARGE', /larger than the limit/],
    ];
    for (const [raw, status, code, message] of cases) {
      const r = await call('/api/v1/vectors/search', { raw });
      expect(r.status, raw.slice(0, 60)).toBe(status);
      expect(r.json.error.code).toBe(code);
      expect(r.json.error.message).toMatch(message);
      expect(r.text).not.toMatch(/node_modules|\/work\/|\.ts:\d+/);
    }
  });

  it('requires a key and rate limits the low-limit key with 429 and Retry-After', async () => {
    expect((await call('/api/v1/models', { key: null })).status).toBe(401);
    const limited = gw.keys?.limited as string;
    const statuses: number[] = [];
    let last;
    for (let i = 0; i < 7; i++) {
      last = await call('/api/v1/models', { key: limited });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.json.error.code).toBe('GW_ERR_RATE_LIMITED');
    expect((await call('/api/v1/models')).status).toBe(200);
  });

  it('counts searches against the same limit, bad ones included, with 429 and Retry-After once over it', async () => {
    // the search route counts its hit in the same Redis call as its cache lookup; a search
    // that fails before (wrong dimension, unknown collection) is counted too. A fresh window:
    const redis = new Redis(stack.redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const counters = await redis.keys('gw:ratelimit:*');
      if (counters.length > 0) await redis.del(...counters);
    } finally {
      redis.disconnect();
    }
    const limited = gw.keys?.limited as string;
    const good = { collection: 'test', query_vector: [0.2, 0.1, 0.3], limit: 2 };
    const bodies = [good, { ...good, query_vector: [0.1] }, { ...good, collection: 'no_such_collection' }, good, good, good, good];
    const answers = [];
    for (const body of bodies) answers.push(await call('/api/v1/vectors/search', { body, key: limited }));
    expect(answers.map((a) => a.status)).toEqual([200, 400, 404, 200, 200, 429, 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0', '0', '0']);
    const last = answers[6];
    expect(last?.headers.get('x-ratelimit-limit')).toBe('5');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.json.error.code).toBe('GW_ERR_RATE_LIMITED');
    expect(last?.json.error.message).toMatch(/^rate limit of 5 requests per window exceeded for this API key; retry in \d+ (second|minute)s?$/);
    // the same counter as the other routes
    expect((await call('/api/v1/models', { key: limited })).status).toBe(429);
    // the load key is not affected
    expect((await call('/api/v1/vectors/search', { body: good })).status).toBe(200);
  });

  it('refuses a client bound to 127.0.0.2 (allowlist 127.0.0.1/32) with 403', async () => {
    const other = await getFrom('127.0.0.2', '/api/v1/models');
    expect(other.status).toBe(403);
    expect(JSON.parse(other.body).error.code).toBe('GW_ERR_IP_FORBIDDEN');
    expect((await getFrom('127.0.0.1', '/api/v1/models')).status).toBe(200);
  });

  it('keeps answering while Redis is down (degraded, no cache) and recovers when it is back', async () => {
    const body = { collection: 'test', query_vector: [0.3, 0.2, 0.1], limit: 3 };
    await call('/api/v1/vectors/search', { body });
    expect((await call('/api/v1/vectors/search', { body })).json.cached).toBe(true);

    const port = Number(new URL(stack.redis.url).port);
    await stopProcessGroup(stack.redis.pid, 5000);
    const during: number[] = [];
    let degraded = false;
    for (let i = 0; i < 20; i++) {
      const r = await call('/api/v1/vectors/search', { body });
      during.push(r.status);
      expect(r.json.cached).toBe(false);
      const h = await call('/api/v1/health', { key: null });
      if (h.json.status === 'degraded') degraded = true;
    }
    expect(during.every((s) => s === 200)).toBe(true);
    expect(degraded).toBe(true);

    restartedRedis = await startRedis({ host: '127.0.0.1', port, dataDir: join(dir, 'data', 'redis'), logPath: join(dir, 'logs', 'redis-restarted.log') });
    let healthy = false;
    for (let i = 0; i < 100 && !healthy; i++) {
      const r = await call('/api/v1/vectors/search', { body });
      expect(r.status).toBe(200);
      healthy = (await call('/api/v1/health', { key: null })).json.status === 'healthy';
      if (!healthy) await sleep(100);
    }
    expect(healthy).toBe(true);
    await call('/api/v1/vectors/search', { body });
    expect((await call('/api/v1/vectors/search', { body })).json.cached).toBe(true);
  });
});
