import { afterAll, describe, expect, test } from 'vitest';
import { disruptiveSkipReason } from '../src/readiness/skips.ts';
import { control, eventually } from './lib/control.ts';
import { expectStatus } from './lib/expectations.ts';
import { gw } from './lib/http.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { advisory, note } from './lib/record.ts';
import { target } from './lib/target.ts';

/** How long the gateway may take to notice a dependency change (its health is checked per request or by a short interval). */
const NOTICE_MS = 20_000;

async function readiness(): Promise<{ status: number; body: { status?: string; components?: Array<{ name: string; status: string; error?: string }> } }> {
  const r = await gw.get('/api/v1/health', { auth: 'none', quiet: true });
  let body = {};
  try {
    body = r.json();
  } catch {
    // a non-JSON answer reads as "no status"
  }
  return { status: r.status, body };
}

const stopped = new Set<string>();
afterAll(async () => {
  // Never leave a dependency stopped, whatever failed.
  for (const s of stopped) await control('start', s).catch(() => undefined);
});

describe('Redis outage', () => {
  const skip = disruptiveSkipReason(target(), 'redis');

  test('with Redis stopped, searches are still answered and health says degraded', async (ctx) => {
    if (skip) ctx.skip(skip);
    const cfg = await modelConfig('general');
    await control('stop', 'redis');
    stopped.add('redis');
    const degraded = await eventually(async () => (await readiness()).body.status === 'degraded', NOTICE_MS);
    const h = await readiness();
    note('health while Redis is down', `${h.status} ${JSON.stringify(h.body).slice(0, 200)}`);
    expect(degraded, 'health says degraded while Redis is down').toBe(true);
    for (let j = 0; j < 5; j++) {
      const r = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: fixtureQuery(cfg, j).vector, limit: 10 });
      expectStatus(r, 200, `search ${j} while Redis is down`);
      expect(r.json().results.length, `search ${j} results`).toBeGreaterThan(0);
    }
  });

  test('with Redis back, health is healthy again', async (ctx) => {
    if (skip) ctx.skip(skip);
    await control('start', 'redis');
    stopped.delete('redis');
    const healthy = await eventually(async () => (await readiness()).body.status === 'healthy', NOTICE_MS);
    const h = await readiness();
    note('health after Redis is back', `${h.status} ${h.body.status}`);
    expect(healthy, 'healthy again after Redis is back').toBe(true);
  });
});

describe('Qdrant outage', () => {
  const skip = disruptiveSkipReason(target(), 'qdrant');
  let countBefore = -1;
  let firstCallAfterReady: number | undefined;

  test('with Qdrant stopped, readiness is false and names Qdrant', async (ctx) => {
    if (skip) ctx.skip(skip);
    const cfg = await modelConfig('general');
    const before = await gw.get(`/api/v1/collections/${cfg.collection}`);
    expectStatus(before, 200, 'collection info before the outage');
    countBefore = before.json().points_count;
    await control('stop', 'qdrant');
    stopped.add('qdrant');
    const down = await eventually(async () => (await readiness()).status === 503, NOTICE_MS);
    const h = await readiness();
    note('readiness while Qdrant is down', `${h.status} ${JSON.stringify(h.body).slice(0, 300)}`);
    expect(down, 'readiness answers 503 while Qdrant is down').toBe(true);
    const q = h.body.components?.find((c) => c.name === 'qdrant');
    expect(q?.status, 'the qdrant component is named unhealthy').toBe('unhealthy');
    const s = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: fixtureQuery(cfg, 0).vector, limit: 10, offset: 3 });
    expectStatus(s, [502, 503, 504], 'search while Qdrant is down');
  });

  test('with Qdrant back, readiness is true again and data is intact', async (ctx) => {
    if (skip) ctx.skip(skip);
    await control('start', 'qdrant');
    stopped.delete('qdrant');
    const ready = await eventually(async () => (await readiness()).status === 200, NOTICE_MS * 2);
    expect(ready, 'ready again after Qdrant is back').toBe(true);
    const cfg = await modelConfig('general');
    const path = `/api/v1/collections/${cfg.collection}`;
    let after = await gw.get(path, { label: 'first data call after ready' });
    firstCallAfterReady = after.status;
    if (after.status !== 200) {
      // An engine that loads collections lazily answers late; the data must still come back.
      const t0 = performance.now();
      await eventually(async () => (after = await gw.get(path, { quiet: true })).status === 200, NOTICE_MS);
      note('warm-up', `the first data call after ready answered ${firstCallAfterReady}; ${after.status} after ${((performance.now() - t0) / 1000).toFixed(1)} s more`);
    }
    expectStatus(after, 200, 'collection info after the outage');
    note('points', `before ${countBefore}, after ${after.json().points_count}`);
    expect(after.json().points_count, 'points after the restart').toBe(countBefore);
    const q = fixtureQuery(cfg, 0);
    const s = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: q.vector, limit: 10 });
    expectStatus(s, 200, 'search after the outage');
    if (target().fixtureModels.includes('general')) expect(String(s.json().results[0]?.id), 'planted nearest neighbour still first').toBe(String(q.neighbors[0]));
  });

  test('with Qdrant back, the first data request after readiness is answered (no cold start)', async (ctx) => {
    if (skip) ctx.skip(skip);
    // Advisory: the dependency claim above holds either way; a cold start is a warning for whoever routes traffic on readiness.
    advisory();
    if (firstCallAfterReady === undefined) ctx.skip('Qdrant did not come back: see the check above');
    note('first data call after ready', `HTTP ${firstCallAfterReady}`);
    expect(firstCallAfterReady, 'status of the first data call once readiness said ready').toBe(200);
  });
});
