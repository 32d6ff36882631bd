import { expect, test } from 'vitest';
import { expectNoInternals, expectStatus } from './lib/expectations.ts';
import { gw } from './lib/http.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { note } from './lib/record.ts';
import { MODELS } from './lib/target.ts';

test('GraphQL health query answers with a status and its components', async () => {
  const r = await gw.graphql('query{health{status components{name status latencyMs}}}');
  expectStatus(r, 200, 'GraphQL health');
  const body = r.json();
  expect(body.errors, 'GraphQL errors').toBeUndefined();
  expect(body.data?.health?.status, 'health status').toBe('healthy');
  const names = (body.data.health.components ?? []).map((c: { name: string }) => c.name);
  expect(names, 'health components').toEqual(expect.arrayContaining(['qdrant', 'redis']));
});

test('GraphQL search returns the same ids and scores as REST search', async () => {
  const cfg = await modelConfig('general');
  const q = fixtureQuery(cfg, 1);
  const rest = await gw.post('/api/v1/vectors/search', { model: 'general', query_vector: q.vector, limit: 10 });
  expectStatus(rest, 200, 'REST search');
  const gql = await gw.graphql('query($v:[Float!]!){search(model:"general", vector:$v, limit:10){collection results{id score}}}', { v: q.vector });
  expectStatus(gql, 200, 'GraphQL search');
  const body = gql.json();
  expect(body.errors, 'GraphQL errors').toBeUndefined();
  const restHits = (rest.json().results as Array<{ id: unknown; score: number }>).map((x) => ({ id: String(x.id), score: x.score }));
  const gqlHits = (body.data.search.results as Array<{ id: unknown; score: number }>).map((x) => ({ id: String(x.id), score: x.score }));
  note('compare', `REST ${restHits.slice(0, 3).map((h) => h.id).join(',')}… vs GraphQL ${gqlHits.slice(0, 3).map((h) => h.id).join(',')}…`);
  expect(gqlHits.length, 'result count').toBe(restHits.length);
  expect(gqlHits.map((h) => h.id), 'same ids in the same order').toEqual(restHits.map((h) => h.id));
  gqlHits.forEach((h, i) => expect(h.score, `score at ${i}`).toBeCloseTo(restHits[i]!.score, 5));
});

test('GraphQL lists the nine models with their collections', async () => {
  const r = await gw.graphql('query{models{name collection dimension distance}}');
  expectStatus(r, 200, 'GraphQL models');
  const body = r.json();
  expect(body.errors, 'GraphQL errors').toBeUndefined();
  const names = body.data.models.map((m: { name: string }) => m.name);
  expect(MODELS.filter((m) => !names.includes(m)), 'runbook models missing from GraphQL models').toEqual([]);
  for (const m of body.data.models) expect(typeof m.dimension, `${m.name} dimension`).toBe('number');
});

test('GraphQL lists the collections, the model collections among them', async () => {
  const r = await gw.graphql('query{collections{name model status pointsCount dimension}}');
  expectStatus(r, 200, 'GraphQL collections');
  const body = r.json();
  expect(body.errors, 'GraphQL errors').toBeUndefined();
  const models = body.data.collections.map((c: { model: string | null }) => c.model).filter(Boolean);
  expect(MODELS.filter((m) => !models.includes(m)), 'runbook models without a collection').toEqual([]);
});

test('GraphQL errors come back in GraphQL shape without internals', async () => {
  const r = await gw.graphql('query{noSuchField}');
  expectStatus(r, [200, 400], 'GraphQL error');
  const body = r.json();
  expect(Array.isArray(body.errors) && body.errors.length > 0, 'errors[] present').toBe(true);
  expect(typeof body.errors[0].message, 'errors[0].message').toBe('string');
  expect(body.errors[0].message, 'the message names the field').toMatch(/noSuchField/);
  expectNoInternals(r, 'GraphQL error');
});

test('GraphQL refuses a query deeper than the depth limit', async () => {
  // Nested fragments-free depth: health → components repeated through aliases cannot nest, so use __type introspection nesting.
  const deep = 'query{__schema{types{fields{type{ofType{ofType{ofType{ofType{name}}}}}}}}}';
  const r = await gw.graphql(deep);
  expectStatus(r, [200, 400], 'deep query');
  const body = r.json();
  expect(Array.isArray(body.errors) && body.errors.length > 0, 'a too-deep query is refused with errors[]').toBe(true);
  expect(body.data?.__schema ?? null, 'no data for a refused query').toBeNull();
  expectNoInternals(r, 'deep query');
});
