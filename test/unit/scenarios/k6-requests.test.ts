import { describe, expect, it } from 'vitest';
import { payloadAt, queryAt, queryCount, vectorAt } from '../../../fixtures/src/index.ts';
import { fixtureSpec } from '../../../src/readiness/seed.ts';
import { SCENARIOS } from '../../../scenarios/definitions.ts';
import { judgeSearch, orderedByScore, recallAtK } from '../../../scenarios/k6/lib/answers.ts';
import { mixPoint, planIteration } from '../../../scenarios/k6/lib/mix.ts';
import { GRAPHQL_HEALTH_BODY, defaultQueryTable, fixtureSpecOf, searchBody, searchPayload, upsertPayload } from '../../../scenarios/k6/lib/payloads.ts';
import type { ModelRef } from '../../../scenarios/k6/lib/types.ts';

const model: ModelRef = { name: 'hermes', collection: 'hermes_vectors', dimension: 384, distance: 'Cosine' };
const spec = fixtureSpecOf(model);

describe('payloads', () => {
  it('the fixture spec is the seeder\'s (src/readiness/seed.ts)', () => {
    expect(fixtureSpecOf(model)).toEqual(fixtureSpec(model));
    expect(fixtureSpecOf({ ...model, distance: 'dot' })).toEqual(fixtureSpec({ ...model, distance: 'dot' }));
  });

  it('search: {collection, query_vector, limit} with a planted query, and its planted top-k', () => {
    const p = searchPayload(model, spec, 3, 10);
    const body = JSON.parse(p.body) as { collection: string; query_vector: number[]; limit: number };
    expect(Object.keys(body)).toEqual(['collection', 'query_vector', 'limit']);
    expect(body.collection).toBe('hermes_vectors');
    expect(body.limit).toBe(10);
    const q = queryAt(spec, 3, 10);
    expect(body.query_vector.map(Math.fround)).toEqual(Array.from(q.vector));
    expect(p.neighbors).toEqual(q.neighbors);
    // queries wrap around the fixture's planted set
    expect(searchPayload(model, spec, 3 + queryCount(spec), 10).neighbors).toEqual(q.neighbors);
  });

  it('upsert rewrites an existing point with its own vector and payload: the planted truth stays true', () => {
    for (const n of [0, 1, 2, 57, 10_000]) {
      const p = upsertPayload(model, spec, n);
      const body = JSON.parse(p.body) as { collection: string; points: { id: number; vector: number[]; payload: unknown }[] };
      expect(body.collection).toBe('hermes_vectors');
      expect(body.points).toHaveLength(1);
      const [pt] = body.points;
      expect(pt!.id).toBe(p.id);
      expect(p.id).toBeGreaterThanOrEqual(0);
      expect(p.id).toBeLessThan(spec.count);
      expect(pt!.vector.map(Math.fround)).toEqual(Array.from(vectorAt(spec, p.id)));
      expect(pt!.payload).toEqual(payloadAt(spec, p.id));
    }
    // consecutive upserts touch different points
    expect(new Set([0, 1, 2, 3, 4].map((n) => upsertPayload(model, spec, n).id)).size).toBe(5);
  });

  it('the shared query table holds the same planted queries (default fixture of each model)', () => {
    const [mixtral, hermes] = defaultQueryTable(['mixtral', 'hermes'], 10);
    expect(JSON.parse(hermes!.spec)).toEqual(spec);
    expect(hermes!.queries).toHaveLength(queryCount(spec));
    const p = searchPayload(model, spec, 7, 10);
    expect(searchBody(model.collection, hermes!.queries[7]!.vector, 10)).toBe(p.body);
    expect(hermes!.queries[7]!.neighbors).toEqual(p.neighbors);
    expect(mixtral!.queries[0]!.neighbors).not.toEqual(hermes!.queries[0]!.neighbors);
  });

  it('graphql health query', () => {
    expect(JSON.parse(GRAPHQL_HEALTH_BODY)).toEqual({ query: 'query { health { status } }' });
  });
});

describe('answers: checks and recall', () => {
  const planted = queryAt(spec, 0, 10).neighbors;
  const hits = (ids: unknown[], scores?: number[]) => ({ results: ids.map((id, i) => ({ id, score: scores?.[i] ?? 1 - i * 0.01 })) });

  it('recall = |returned ∩ planted top-k| / k', () => {
    expect(recallAtK(planted, planted, 10)).toBe(1);
    expect(recallAtK([...planted.slice(0, 7), -1, -2, -3], planted, 10)).toBe(0.7);
    expect(recallAtK([planted[0], planted[0], planted[0]], planted, 10)).toBe(0.1);
    expect(recallAtK([], planted, 10)).toBe(0);
  });

  it('ordering follows the distance: similarity descending, Euclid distance ascending', () => {
    const h = (s: number[]) => s.map((score, i) => ({ id: i, score }));
    expect(orderedByScore(h([0.9, 0.8, 0.8, 0.1]), 'Cosine')).toBe(true);
    expect(orderedByScore(h([0.8, 0.9]), 'Dot')).toBe(false);
    expect(orderedByScore(h([0.1, 0.4, 0.9]), 'Euclid')).toBe(true);
    expect(orderedByScore(h([0.4, 0.1]), 'euclid')).toBe(false);
  });

  it('a good answer has recall; bad ones get their class', () => {
    expect(judgeSearch({ status: 200, errorCode: 0, body: hits(planted) }, planted, 10, 'Cosine')).toMatchObject({ errorClass: null, recall: 1, ordered: true, integerIds: true });
    expect(judgeSearch({ status: 200, errorCode: 0, body: { ...hits(planted), cached: true } }, planted, 10, 'Cosine').cached).toBe(true);
    expect(judgeSearch({ status: 200, errorCode: 0, body: hits(['a', 'b']) }, planted, 10, 'Cosine')).toMatchObject({ errorClass: 'bad_body', integerIds: false, recall: null });
    expect(judgeSearch({ status: 200, errorCode: 0, body: hits([1, 2], [0.1, 0.9]) }, planted, 10, 'Cosine')).toMatchObject({ errorClass: 'bad_body', ordered: false });
    expect(judgeSearch({ status: 200, errorCode: 0, body: { results: [] } }, planted, 10, 'Cosine')).toMatchObject({ errorClass: 'bad_body', present: false });
    expect(judgeSearch({ status: 200, errorCode: 0, body: undefined }, planted, 10, 'Cosine').errorClass).toBe('bad_body');
    expect(judgeSearch({ status: 429, errorCode: 0, body: {} }, planted, 10, 'Cosine').errorClass).toBe('4xx');
    expect(judgeSearch({ status: 503, errorCode: 0, body: {} }, planted, 10, 'Cosine').errorClass).toBe('5xx');
    expect(judgeSearch({ status: 0, errorCode: 1050, body: undefined }, planted, 10, 'Cosine').errorClass).toBe('timeout');
    expect(judgeSearch({ status: 0, errorCode: 1212, body: undefined }, planted, 10, 'Cosine').errorClass).toBe('connect');
  });
});

describe('the iteration plan', () => {
  it('pickRequest proportions hold over many iterations (runbook mix 80/10/5/5)', () => {
    const mix = SCENARIOS.mixed.mix;
    const counts = { search: 0, upsert: 0, health: 0, graphql: 0 };
    const N = 20_000;
    for (let n = 0; n < N; n++) counts[planIteration(n, mix, 9).kind]++;
    expect(counts.search / N).toBeCloseTo(0.8, 2);
    expect(counts.upsert / N).toBeCloseTo(0.1, 2);
    expect(counts.health / N).toBeCloseTo(0.05, 2);
    expect(counts.graphql / N).toBeCloseTo(0.05, 2);
    // and over any short stretch (a low-discrepancy sequence, not random draws)
    const first100 = Array.from({ length: 100 }, (_, n) => planIteration(n, mix, 9).kind).filter((k) => k === 'search').length;
    expect(Math.abs(first100 - 80)).toBeLessThanOrEqual(2);
  });

  it('rotates models and queries: iteration n goes to model n mod M with query ⌊n / M⌋', () => {
    const plans = Array.from({ length: 9 }, (_, n) => planIteration(n, SCENARIOS.load.mix, 3));
    expect(plans.map((p) => p.model)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2]);
    expect(plans.map((p) => p.n)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
    expect(plans.every((p) => p.kind === 'search')).toBe(true);
    expect(() => planIteration(0, SCENARIOS.load.mix, 0)).toThrow(/no model/);
    for (let n = 0; n < 1000; n++) expect(mixPoint(n)).toBeGreaterThanOrEqual(0);
  });
});
