/**
 * Network faults between the gateway and its dependencies, which stopping a process cannot
 * show: the gateway cut off from Qdrant, cut off from Redis, and Qdrant slowed by a fixed delay.
 * They need a target that can cut and slow the network between containers (`--target
 * containers`, whose control offers `qdrant-link`, `redis-link` and `qdrant-speed`: stop applies
 * the fault, start removes it) and run with `--comprehensive`. The delay is tc netem on Qdrant's
 * interfaces, or, on a kernel without netem, a TCP delay proxy in front of Qdrant (the run's
 * fingerprint notes say which); either way what Qdrant sends is held back.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { evaluateGates } from '../src/gates/evaluate.ts';
import { findGate } from '../src/gates/definitions.ts';
import { qdrantDelayMs } from '../src/targets/containers/service-control.ts';
import { disruptiveSkipReason } from '../src/readiness/skips.ts';
import { percentile } from '../src/readiness/stats.ts';
import { control, eventually } from './lib/control.ts';
import { expectStatus } from './lib/expectations.ts';
import { gw } from './lib/http.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { note } from './lib/record.ts';
import { target } from './lib/target.ts';

/** How long the gateway may take to notice a change in the network. */
const NOTICE_MS = 20_000;
/**
 * The longest a readiness answer may take while Qdrant cannot be reached: the gateway's Qdrant
 * health-check timeout (sut/gateway/config/health-checks.yaml, 2000 ms) plus a margin for a
 * loaded machine (VDB_QDRANT_TIMEOUT_MS overrides the timeout for another gateway).
 */
const QDRANT_TIMEOUT_MS = Number(process.env.VDB_QDRANT_TIMEOUT_MS ?? 2000);
const ANSWER_WITHIN_MS = QDRANT_TIMEOUT_MS + 1500;
const SLOW_SEARCHES = 40;
/**
 * Added to each timed search's first component: the gateway's cache key holds the vector, so no
 * answer an earlier run on the same target cached is a hit (the seed does not go through the
 * gateway, so it invalidates nothing). Far below what moves a score.
 */
const NUDGE = 1e-6 * (1 + Math.random());
const uncached = (v: number[]): number[] => [(v[0] ?? 0) + NUDGE, ...v.slice(1)];

interface Health {
  status: number;
  ms: number;
  body: { status?: string; components?: Array<{ name: string; status: string; error?: string }> };
}

async function readiness(): Promise<Health> {
  const r = await gw.get('/api/v1/health', { auth: 'none', quiet: true, timeoutMs: 30_000 });
  let body = {};
  try {
    body = r.json();
  } catch {
    // a non-JSON answer reads as "no status"
  }
  return { status: r.status, ms: r.ms, body };
}

/** Why a network fault cannot be applied to this target, or undefined. */
function skipReason(fault: string): string | undefined {
  const d = target();
  if (!d.options.comprehensive) return 'network faults cut the network between services: run with --comprehensive to include them';
  if (d.kind !== 'containers') return `network faults need --target containers (it cuts and slows the network between containers); the ${d.kind} target cannot ${fault}`;
  if (fault === 'qdrant-speed' && d.control && !d.control.services.includes(fault)) {
    return 'this containers target offers no Qdrant delay: the kernel has no netem and the TCP delay proxy could not be had (the run log says why)';
  }
  return disruptiveSkipReason(d, fault);
}

const applied = new Set<string>();
const apply = async (fault: string): Promise<void> => {
  applied.add(fault);
  await control('stop', fault);
};
const heal = async (fault: string): Promise<void> => {
  await control('start', fault);
  applied.delete(fault);
};
afterAll(async () => {
  for (const f of applied) await control('start', f).catch(() => undefined);
});

describe('gateway cut off from Qdrant', () => {
  const skip = skipReason('qdrant-link');

  test(`with the network to Qdrant cut, readiness is false, names Qdrant and answers within ${ANSWER_WITHIN_MS} ms`, async (ctx) => {
    if (skip) ctx.skip(skip);
    await apply('qdrant-link');
    const slowest: number[] = [];
    const down = await eventually(async () => {
      const h = await readiness();
      slowest.push(h.ms);
      return h.status === 503;
    }, NOTICE_MS);
    const h = await readiness();
    slowest.push(h.ms);
    note('readiness while cut off from Qdrant', `${h.status} in ${h.ms} ms ${JSON.stringify(h.body).slice(0, 300)}`);
    note('readiness answer times while cut off', `max ${Math.max(...slowest)} ms over ${slowest.length} requests`);
    expect(down, 'readiness answers 503 while the gateway cannot reach Qdrant').toBe(true);
    expect(h.body.components?.find((c) => c.name === 'qdrant')?.status, 'the qdrant component is named unhealthy').toBe('unhealthy');
    expect(Math.max(...slowest), `every readiness answer within ${ANSWER_WITHIN_MS} ms (no hang past the Qdrant timeout)`).toBeLessThan(ANSWER_WITHIN_MS);
  });

  test('with the network to Qdrant back, readiness is true and searches are answered again', async (ctx) => {
    if (skip) ctx.skip(skip);
    await heal('qdrant-link');
    const up = await eventually(async () => (await readiness()).status === 200, NOTICE_MS);
    expect(up, 'readiness answers 200 again after the network to Qdrant is back').toBe(true);
    const cfg = await modelConfig('general');
    const s = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: fixtureQuery(cfg, 1).vector, limit: 7, offset: 2 });
    expectStatus(s, 200, 'search after the network to Qdrant is back');
  });
});

describe('gateway cut off from Redis', () => {
  const skip = skipReason('redis-link');

  test('with the network to Redis cut, health says degraded and searches are still answered', async (ctx) => {
    if (skip) ctx.skip(skip);
    const cfg = await modelConfig('general');
    await apply('redis-link');
    const degraded = await eventually(async () => (await readiness()).body.status === 'degraded', NOTICE_MS);
    const h = await readiness();
    note('health while cut off from Redis', `${h.status} in ${h.ms} ms ${JSON.stringify(h.body).slice(0, 200)}`);
    expect(degraded, 'health says degraded while the gateway cannot reach Redis').toBe(true);
    for (let j = 0; j < 5; j++) {
      const r = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: fixtureQuery(cfg, j).vector, limit: 11 + j }, { timeoutMs: 10_000 });
      expectStatus(r, 200, `search ${j} while cut off from Redis`);
      expect(r.json().results.length, `search ${j} results`).toBeGreaterThan(0);
    }
  });

  test('with the network to Redis back, health is healthy again', async (ctx) => {
    if (skip) ctx.skip(skip);
    await heal('redis-link');
    const healthy = await eventually(async () => (await readiness()).body.status === 'healthy', NOTICE_MS);
    expect(healthy, 'healthy again after the network to Redis is back').toBe(true);
  });
});

describe('Qdrant slowed by a fixed delay', () => {
  const skip = skipReason('qdrant-speed');
  const gate = findGate(target().gates, 'search_p95');

  test('with what Qdrant sends delayed, the search p95 gate fails and names it', async (ctx) => {
    if (skip) ctx.skip(skip);
    if (!gate) ctx.skip(`the ${target().gates.name} profile has no search_p95 gate`);
    const cfg = await modelConfig('general');
    await apply('qdrant-speed');
    const latencies: number[] = [];
    for (let i = 0; i < SLOW_SEARCHES; i++) {
      // distinct limits and offsets, and the nudge: every search reaches Qdrant, none is a cache hit
      const r = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: uncached(fixtureQuery(cfg, i % 8).vector), limit: 30 + i, offset: 1 + (i % 3) }, { quiet: true, timeoutMs: 15_000 });
      expectStatus(r, 200, `search ${i} while Qdrant is slowed`);
      latencies.push(r.ms);
    }
    const p95 = percentile(latencies, 95);
    // Judged here, never recorded as the run's measurement: the run's own p95 is the performance group's.
    const [result] = evaluateGates([gate!], { latency_ms: { p95 } });
    note('search p95 with Qdrant slowed', `${p95} ms over ${SLOW_SEARCHES} searches; gate ${gate!.name} ${gate!.op} ${gate!.threshold} ${gate!.unit ?? ''}: ${result?.pass ? 'passes' : 'fails'}`);
    expect(result?.name, 'the gate judged is search_p95').toBe('search_p95');
    // The delay itself must show, so a machine slow enough to fail the gate anyway proves nothing.
    expect(p95, `p95 with Qdrant slowed is at least the ${qdrantDelayMs()} ms delay`).toBeGreaterThanOrEqual(qdrantDelayMs());
    expect(result?.pass, `the search_p95 gate fails with Qdrant slowed (p95 ${p95} ms)`).toBe(false);
  });

  test(`with the delay removed, searches are fast again (p95 under the ${qdrantDelayMs()} ms delay)`, async (ctx) => {
    if (skip) ctx.skip(skip);
    await heal('qdrant-speed');
    const cfg = await modelConfig('general');
    const latencies: number[] = [];
    for (let i = 0; i < SLOW_SEARCHES; i++) {
      const r = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: uncached(fixtureQuery(cfg, i % 8).vector), limit: 80 + i, offset: 4 }, { quiet: true, timeoutMs: 15_000 });
      expectStatus(r, 200, `search ${i} after the delay is removed`);
      latencies.push(r.ms);
    }
    const p95 = percentile(latencies, 95);
    note('search p95 with the delay removed', `${p95} ms over ${SLOW_SEARCHES} searches`);
    expect(p95, 'p95 with the delay removed').toBeLessThan(qdrantDelayMs());
  });
});
