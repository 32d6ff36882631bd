import { describe, expect, it } from 'vitest';
import type { Lookup, RateCheck, SearchCache } from '../../src/cache/search-cache.ts';
import { SpeculationPolicy } from '../../src/cache/speculation.ts';
import type { CollectionRegistry } from '../../src/collections/registry.ts';
import { GatewayError } from '../../src/errors.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import type { QdrantClient, ScoredPoint } from '../../src/qdrant/client.ts';
import { VectorService } from '../../src/vectors/service.ts';

const on = { enabled: true, maxHitRatio: 0.05, maxRateShare: 0.8 };
const check: RateCheck = { key: 'rl:caller', max: 10, windowMs: 60_000 };

describe('SpeculationPolicy', () => {
  it('never speculates when disabled', () => {
    expect(new SpeculationPolicy({ ...on, enabled: false }).begin('c', undefined)).toBe(false);
  });

  it('speculates for a rarely hit collection, and stops once it is hit often', () => {
    const p = new SpeculationPolicy(on);
    expect(p.begin('c', undefined)).toBe(true);
    for (let i = 0; i < 10; i++) p.settle('c', true, undefined, null, false);
    expect(p.hitRatioOf('c')).toBeGreaterThan(0.05);
    expect(p.begin('c', undefined)).toBe(false);
    expect(p.begin('other', undefined)).toBe(true);
    for (let i = 0; i < 200; i++) p.settle('c', false, undefined, null, false);
    expect(p.begin('c', undefined)).toBe(true);
  });

  it('searches a caller not seen yet serially, then speculates while it is well under its limit', () => {
    const p = new SpeculationPolicy(on);
    expect(p.begin('c', check)).toBe(false);
    p.settle('c', false, check, { current: 5, ttlMs: 60_000 }, false);
    // 5 counted: 3 more may be in flight before 0.8 x 10 = 8 is reached
    expect([p.begin('c', check), p.begin('c', check), p.begin('c', check), p.begin('c', check)]).toEqual([true, true, true, false]);
    p.settle('c', false, check, { current: 6, ttlMs: 59_000 }, true);
    expect(p.begin('c', check)).toBe(false);
  });

  it('counts a caller from zero once its window has ended', () => {
    const p = new SpeculationPolicy(on);
    p.settle('c', false, check, { current: 9, ttlMs: 0 }, false);
    expect(p.begin('c', check)).toBe(true);
  });

  it('leaves the hit ratio alone when a lookup did not happen', () => {
    const p = new SpeculationPolicy(on);
    for (let i = 0; i < 20; i++) p.settle('c', null, undefined, null, false);
    expect(p.hitRatioOf('c')).toBe(0);
  });
});

/** A cache whose lookups answer as told, recording fills and the order of calls. */
function fakeCache(events: string[], lookup: Lookup, generationBefore: string | null) {
  const fills: Array<string | null> = [];
  const cache: SearchCache = {
    countsRates: true,
    available: () => true,
    generation: () => generationBefore,
    get: async () => {
      events.push('lookup');
      await new Promise((r) => setTimeout(r, 5));
      events.push('lookup answered');
      return lookup;
    },
    set: (_c, _k, _v, token) => void fills.push(token),
    invalidate: async () => undefined,
  };
  return { cache, fills };
}

function service(events: string[], cache: SearchCache, policy: SpeculationPolicy, metrics = new GatewayMetrics({ defaultMetrics: false })) {
  const qdrant = {
    query: async (): Promise<ScoredPoint[]> => {
      events.push('query');
      return [{ id: 1, score: 0.9 }];
    },
  } as unknown as QdrantClient;
  const registry = { spec: async () => ({ name: 'c', vectorSize: 3, distance: 'Cosine', model: null }) } as unknown as CollectionRegistry;
  return { svc: new VectorService(qdrant, registry, cache, metrics, policy), metrics };
}

const input = { collection: 'c', query_vector: [0.1, 0.2, 0.3] };

describe('VectorService with speculation', () => {
  it('sends the query before the lookup answers, and fills with the generation read before it', async () => {
    const events: string[] = [];
    const { cache, fills } = fakeCache(events, { value: undefined, token: '7', rate: null }, '7');
    const { svc } = service(events, cache, new SpeculationPolicy(on));
    const out = await svc.search(input);
    expect(out.cached).toBe(false);
    expect(events.indexOf('query')).toBeLessThan(events.indexOf('lookup answered'));
    expect(fills).toEqual(['7']);
  });

  it('does not fill when the collection was written to since the generation it knew', async () => {
    const events: string[] = [];
    const { cache, fills } = fakeCache(events, { value: undefined, token: '8', rate: null }, '7');
    const { svc } = service(events, cache, new SpeculationPolicy(on));
    await svc.search(input);
    expect(fills).toEqual([null]);
  });

  it('queries only after the lookup when not speculating, and fills with the lookup token', async () => {
    const events: string[] = [];
    const { cache, fills } = fakeCache(events, { value: undefined, token: '8', rate: null }, '7');
    const { svc } = service(events, cache, new SpeculationPolicy({ ...on, enabled: false }));
    await svc.search(input);
    expect(events).toEqual(['lookup', 'lookup answered', 'query']);
    expect(fills).toEqual(['8']);
  });

  it('answers a hit from the cache and counts the query it sent as wasted', async () => {
    const events: string[] = [];
    const { cache } = fakeCache(events, { value: [{ id: 2, score: 1 }], token: '7', rate: null }, '7');
    const { svc, metrics } = service(events, cache, new SpeculationPolicy(on));
    const out = await svc.search(input);
    expect(out).toMatchObject({ cached: true, results: [{ id: 2 }] });
    expect((await metrics.registry.getSingleMetricAsString('gateway_cache_speculative_queries_total'))).toMatch(/outcome="wasted"} 1/);
  });

  it('refuses a caller over its limit (429) even when its query already went out', async () => {
    const events: string[] = [];
    const policy = new SpeculationPolicy(on);
    policy.settle('c', false, check, { current: 1, ttlMs: 60_000 }, false);
    const { cache, fills } = fakeCache(events, { value: undefined, token: null, rate: { current: 11, ttlMs: 30_000 } }, '7');
    const { svc } = service(events, cache, policy);
    const admit = () => {
      throw new GatewayError('GW_ERR_RATE_LIMITED', 'over');
    };
    await expect(svc.search(input, { check, admit })).rejects.toMatchObject({ code: 'GW_ERR_RATE_LIMITED' });
    expect(events).toContain('query');
    expect(fills).toEqual([]);
    // the caller is now known to be over: no more speculation for it
    expect(policy.begin('c', check)).toBe(false);
  });
});
