import { describe, expect, it } from 'vitest';
import { mixCycle, parseMix } from '../../../src/bench/mix.ts';
import { authHeaders, extractIds, searchRequest, vectorJson } from '../../../src/bench/search-contract.ts';
import { buildWorkload, recallOf } from '../../../src/bench/workload.ts';
import type { QuerySource } from '../../../src/bench/workload.ts';
import { UserError } from '../../../src/util/errors.ts';

describe('search contract', () => {
  it('extracts ids from the gateway, Qdrant query and Qdrant search envelopes', () => {
    expect(extractIds({ results: [{ id: 3, score: 0.9 }, { id: 'a-b', score: 0.8 }] })).toEqual(['3', 'a-b']);
    expect(extractIds({ result: { points: [{ id: 7, score: 1 }] }, status: 'ok' })).toEqual(['7']);
    expect(extractIds({ result: [{ id: 1 }, { id: 2 }] })).toEqual(['1', '2']);
    expect(extractIds([{ id: 5 }])).toEqual(['5']);
  });

  it('returns null for bodies without a list of hits with ids', () => {
    expect(extractIds({ error: 'nope' })).toBeNull();
    expect(extractIds({ results: [{ score: 1 }] })).toBeNull();
    expect(extractIds('text')).toBeNull();
  });

  it('builds gateway and qdrant bodies that parse back to the same vector', () => {
    const v = Float32Array.from([0.1, -0.25, 1 / 3]);
    const gw = searchRequest('gateway', 'mixtral', v, 10);
    expect(gw.path).toBe('/api/v1/vectors/search');
    const g = JSON.parse(gw.body.toString()) as { collection: string; query_vector: number[]; limit: number };
    expect(g.collection).toBe('mixtral');
    expect(g.limit).toBe(10);
    expect(Float32Array.from(g.query_vector)).toEqual(v);
    const qd = searchRequest('qdrant', 'a b', v, 5);
    expect(qd.path).toBe('/collections/a%20b/points/query');
    expect(JSON.parse(qd.body.toString())).toMatchObject({ limit: 5 });
    expect(vectorJson([1, 0.5])).toBe('[1,0.5]');
  });

  it('uses X-API-Key for the gateway and api-key for Qdrant', () => {
    expect(authHeaders('gateway', 'k')['x-api-key']).toBe('k');
    expect(authHeaders('qdrant', 'k')['api-key']).toBe('k');
    expect(authHeaders('qdrant', undefined)['api-key']).toBeUndefined();
  });
});

describe('query mix', () => {
  it('parses collection[=dataset]:weight', () => {
    expect(parseMix('mixtral:3,general=wide:1,phi3', 'smoke')).toEqual([
      { collection: 'mixtral', dataset: 'smoke', weight: 3 },
      { collection: 'general', dataset: 'wide', weight: 1 },
      { collection: 'phi3', dataset: 'smoke', weight: 1 },
    ]);
  });

  it('rejects bad specs with a message naming --mix', () => {
    expect(() => parseMix('a:0', 'd')).toThrow(UserError);
    expect(() => parseMix('a:1,a:2', 'd')).toThrow(/twice/);
    expect(() => parseMix('!!', 'd')).toThrow(/--mix/);
  });

  it('interleaves entries in proportion to their weights', () => {
    const cycle = mixCycle(parseMix('a:3,b:1', 'd'), 8);
    expect(Array.from(cycle).filter((e) => e === 0)).toHaveLength(6);
    // Smooth: never more than 3 of `a` in a row.
    expect(Array.from(cycle).join('')).not.toContain('0000');
  });
});

describe('workload and recall', () => {
  const source: QuerySource = {
    queryCount: (d) => (d === 'small' ? 2 : 5),
    query: (_d, j) => ({ vector: [j, 1], neighbors: [j, j + 1, j + 2] }),
  };

  it('prebuilds one body per (entry, query) and an order with the mix proportions', () => {
    const w = buildWorkload(parseMix('a:3,b=small:1', 'big'), source, { api: 'gateway', k: 3, queries: 100 });
    expect(w.queries).toHaveLength(5 + 2);
    const perEntry = [0, 0];
    for (const i of w.order) perEntry[w.queries[i]!.entry]!++;
    expect(perEntry[0]! / (perEntry[0]! + perEntry[1]!)).toBeCloseTo(0.75, 1);
    // Every query of the larger entry is visited in one cycle.
    expect(new Set(Array.from(w.order).filter((i) => w.queries[i]!.entry === 0)).size).toBe(5);
  });

  it('recall@k counts true ids among the first k returned', () => {
    const truth = new Set(['1', '2', '3']);
    expect(recallOf(['1', '2', '3'], truth, 3)).toBe(1);
    expect(recallOf(['3', '9', '1', '2'], truth, 3)).toBeCloseTo(2 / 3);
    expect(recallOf([], truth, 3)).toBe(0);
  });
});
