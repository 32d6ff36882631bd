import { Redis } from 'ioredis';
import { findGate } from '../src/gates/definitions.ts';
import { expect, test } from 'vitest';
import { expectStatus } from './lib/expectations.ts';
import { gw, hasQdrant, qd } from './lib/http.ts';
import { measure, record } from './lib/record.ts';
import { target } from './lib/target.ts';

/** The runbook's probes answer fast: each is timed several times and the slowest counts. */
const HEALTH_SAMPLES = 5;
const HEALTH_LIMIT_MS = findGate(target().gates, 'health_latency')?.threshold ?? 100;

test('gateway liveness: GET /health answers 200 with status ok', async () => {
  const r = await gw.get('/health', { auth: 'none' });
  expectStatus(r, 200, 'liveness');
  expect(r.json().status, 'liveness status').toBe('ok');
});

test('gateway readiness: GET /api/v1/health reports healthy with Qdrant and Redis components', async () => {
  const r = await gw.get('/api/v1/health', { auth: 'none' });
  expectStatus(r, 200, 'readiness');
  const body = r.json();
  expect(body.status, 'overall readiness').toBe('healthy');
  const names = (body.components ?? []).map((c: { name: string }) => c.name);
  expect(names, 'readiness components').toEqual(expect.arrayContaining(['qdrant', 'redis']));
  for (const c of body.components) expect(c.status, `component ${c.name}`).toBe('healthy');
});

test('infrastructure health: Qdrant, Redis, disk and memory each report healthy with a latency', async () => {
  const r = await gw.get('/api/v1/infrastructure/health');
  expectStatus(r, 200, 'infrastructure health');
  const body = r.json();
  expect(body.status, 'overall infrastructure status').toBe('healthy');
  for (const name of ['qdrant', 'redis', 'disk', 'memory']) {
    const c = body.components?.[name];
    expect(c, `component ${name} is reported`).toBeDefined();
    expect(c.status, `component ${name}`).toBe('healthy');
    expect(typeof c.latency_ms, `component ${name} reports latency_ms`).toBe('number');
  }
});

test.for(['/healthz', '/livez', '/readyz'])('Qdrant %s answers 200', async (path, ctx) => {
  if (!hasQdrant()) ctx.skip('no Qdrant URL for this target (set VDB_QDRANT_URL)');
  const r = await qd.get(path, { auth: 'none' });
  expectStatus(r, 200, `Qdrant ${path}`);
  if (path === '/readyz') expect(r.text, 'readyz text').toMatch(/ready/i);
});

test('Qdrant /cluster answers with a cluster status', async (ctx) => {
  if (!hasQdrant()) ctx.skip('no Qdrant URL for this target (set VDB_QDRANT_URL)');
  const r = await qd.get('/cluster');
  expectStatus(r, 200, 'Qdrant /cluster');
  expect(['enabled', 'disabled'], 'cluster status').toContain(r.json().result?.status);
});

test('Qdrant /telemetry identifies the engine as qdrant', async (ctx) => {
  if (!hasQdrant()) ctx.skip('no Qdrant URL for this target (set VDB_QDRANT_URL)');
  const r = await qd.get('/telemetry');
  expectStatus(r, 200, 'Qdrant /telemetry');
  const result = r.json().result;
  expect(result?.app?.name, 'telemetry app.name').toBe('qdrant');
  expect(result?.collections, 'telemetry collections section').toBeDefined();
});

test('Redis answers PING', async (ctx) => {
  const url = target().redis?.url;
  if (!url) ctx.skip('no Redis URL for this target (set VDB_REDIS_URL)');
  const client = new Redis(url as string, { lazyConnect: true, connectTimeout: 3000, commandTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  const t0 = performance.now();
  try {
    await client.connect();
    const pong = await client.ping();
    record({ label: 'Redis PING', request: 'PING', latency_ms: Math.round(performance.now() - t0), excerpt: pong });
    expect(pong).toBe('PONG');
  } finally {
    client.disconnect();
  }
});

test(`health endpoints answer in under ${HEALTH_LIMIT_MS} ms`, async () => {
  const probes: Array<[string, () => ReturnType<typeof gw.get>]> = [
    ['/health', () => gw.get('/health', { auth: 'none', quiet: true })],
    ['/api/v1/health', () => gw.get('/api/v1/health', { auth: 'none', quiet: true })],
  ];
  if (hasQdrant()) probes.push(['qdrant /healthz', () => qd.get('/healthz', { auth: 'none', quiet: true })]);
  let worst = 0;
  for (const [name, probe] of probes) {
    const times: number[] = [];
    for (let i = 0; i < HEALTH_SAMPLES; i++) {
      const r = await probe();
      expectStatus(r, 200, name);
      times.push(r.ms);
    }
    const max = Math.max(...times);
    worst = Math.max(worst, max);
    record({ label: name, note: `${HEALTH_SAMPLES} calls, max ${max} ms, all: ${times.join(', ')} ms` });
  }
  measure('health_latency_ms.max', worst);
  expect(worst, `slowest health answer ${worst} ms`).toBeLessThan(HEALTH_LIMIT_MS);
});
