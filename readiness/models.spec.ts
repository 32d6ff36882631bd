import { describe, expect, test } from 'vitest';
import { expectOrdered, expectStatus, errorMessageOf } from './lib/expectations.ts';
import { gw, hasQdrant, qd } from './lib/http.ts';
import { fixtureQuery, modelConfig, modelConfigs } from './lib/models.ts';
import { note } from './lib/record.ts';
import { MODELS, target } from './lib/target.ts';

test('the model list names the nine runbook models', async () => {
  const r = await gw.get('/api/v1/models');
  expectStatus(r, 200, 'models list');
  const names = (r.json().models ?? []).map((m: { name: string }) => m.name);
  note('models', names.join(', '));
  expect(MODELS.filter((m) => !names.includes(m)), 'runbook models missing from the list').toEqual([]);
});

describe.each([...MODELS])('%s', (model) => {
  test('model health reports healthy', async () => {
    const r = await gw.get(`/api/v1/models/${model}/health`);
    expectStatus(r, 200, `${model} health`);
    const body = r.json();
    expect(body.model, 'model named in the answer').toBe(model);
    expect(body.status, `${model} status`).toBe('healthy');
  });

  test('collection exists with the configured dimension and distance', async () => {
    const cfg = await modelConfig(model);
    note('configured', `${cfg.collection}: dimension ${cfg.dimension}, distance ${cfg.distance}`);
    const r = await gw.get(`/api/v1/collections/${cfg.collection}`);
    expectStatus(r, 200, `collection ${cfg.collection}`);
    const gwInfo = r.json();
    expect(gwInfo.dimension, 'gateway-reported dimension').toBe(cfg.dimension);
    expect(String(gwInfo.distance).toLowerCase(), 'gateway-reported distance').toBe(cfg.distance.toLowerCase());
    if (hasQdrant()) {
      // The engine itself, not the gateway's word for it.
      const q = await qd.get(`/collections/${cfg.collection}`);
      expectStatus(q, 200, `Qdrant collection ${cfg.collection}`);
      const vectors = q.json().result?.config?.params?.vectors;
      expect(vectors?.size, 'Qdrant vector size').toBe(cfg.dimension);
      expect(String(vectors?.distance).toLowerCase(), 'Qdrant distance').toBe(cfg.distance.toLowerCase());
    }
  });

  // Qdrant: green, yellow (optimizing) and grey (optimizations pending, e.g. after a restart) serve; red does not
  test('collection serves (green, yellow or grey, not red) and holds indexed vectors', async () => {
    const cfg = await modelConfig(model);
    const r = await gw.get(`/api/v1/models/${model}/health`);
    expectStatus(r, 200, `${model} health`);
    const body = r.json();
    expect(['green', 'yellow', 'grey'], 'collection status (red or missing: it does not serve)').toContain(body.collection_status);
    expect(body.points_count, 'points in the collection').toBeGreaterThan(0);
    expect(typeof body.indexed_vectors_count, 'indexed_vectors_count reported').toBe('number');
    expect(body.dimension, 'dimension in model health').toBe(cfg.dimension);
  });

  test('search returns results ordered by score, the nearest neighbour first', async () => {
    const cfg = await modelConfig(model);
    const q = fixtureQuery(cfg, 0);
    const r = await gw.post('/api/v1/vectors/search', { model, query_vector: q.vector, limit: 10 });
    expectStatus(r, 200, `${model} search`);
    const results = r.json().results as Array<{ id: number | string; score: number }>;
    expect(results.length, 'number of results').toBeGreaterThan(0);
    expectOrdered(results.map((x) => x.score), cfg.distance, `${model} search`);
    if (target().fixtureModels.includes(model)) {
      // The fixture's planted neighbours are the true top-k: the best hit must be the first of them.
      note('planted truth', `expected top-1 ${q.neighbors[0]}, got ${results[0]?.id}`);
      expect(String(results[0]?.id), `${model}: the best hit is the planted nearest neighbour`).toBe(String(q.neighbors[0]));
    }
  });

  test('search returns as many distinct points as the limit asks, with the true scores', async () => {
    const cfg = await modelConfig(model);
    const q = fixtureQuery(cfg, 2);
    const limit = 10;
    const r = await gw.post('/api/v1/vectors/search', { model, query_vector: q.vector, limit });
    expectStatus(r, 200, `${model} search`);
    const results = r.json().results as Array<{ id: number | string; score: number }>;
    const ids = results.map((x) => String(x.id));
    expect(results.length, `results for limit ${limit} (the collection holds more points)`).toBe(limit);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i), 'points returned twice').toEqual([]);
    if (!target().fixtureModels.includes(model)) return note('scores', 'no suite fixture in this collection: scores not checked against the truth');
    // The planted neighbours' scores are known by construction (fixtures/src/planted.ts).
    const k = Math.min(limit, q.scores.length);
    note('scores', `planted ${q.scores.slice(0, 3).map((x) => x.toFixed(4)).join(', ')}… got ${results.slice(0, 3).map((x) => x.score.toFixed(4)).join(', ')}…`);
    for (let i = 0; i < k; i++) expect(results[i]!.score, `${model}: score at rank ${i} (point ${results[i]!.id}, planted ${q.neighbors[i]})`).toBeCloseTo(q.scores[i]!, 3);
  });
});

test('an unknown model answers 404 with a message naming it', async () => {
  const r = await gw.get('/api/v1/models/no-such-model-xyz/health');
  expectStatus(r, 404, 'unknown model');
  expect(errorMessageOf(r), 'error message names the model').toContain('no-such-model-xyz');
});

test('searching an unknown model answers 404', async () => {
  await modelConfigs();
  const r = await gw.post('/api/v1/vectors/search', { model: 'no-such-model-xyz', query_vector: [0.1, 0.2, 0.3], limit: 10 });
  expectStatus(r, 404, 'search on an unknown model');
});
