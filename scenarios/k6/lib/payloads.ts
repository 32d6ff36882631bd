/**
 * Request bodies, from the fixtures generator (fixtures/src, pure): a search with a planted query
 * of the model's fixture (its true top-k known by construction), and an upsert that rewrites an
 * existing point with its own vector and payload, so the planted truth stays true under writes.
 * Pure: no k6 module, no Node API.
 */
import { floatsJson, maxK, payloadAt, queryAt, queryCount, seedSpecForModel, vectorAt } from '../../../fixtures/src/index.ts';
import type { DatasetSpec, Distance } from '../../../fixtures/src/index.ts';
import type { ModelRef } from './types.ts';

const DISTANCES: readonly Distance[] = ['Cosine', 'Dot', 'Euclid'];

/** The suite's fixture of a model (the same as src/readiness/seed.ts fixtureSpec, what the seeder loaded). */
export function fixtureSpecOf(m: Pick<ModelRef, 'name' | 'dimension' | 'distance'>): DatasetSpec {
  const distance = DISTANCES.find((d) => d.toLowerCase() === String(m.distance).toLowerCase());
  return seedSpecForModel(m.name, m.dimension, distance ? { distance } : {});
}

export interface PlannedSearch {
  /** The JSON body of `POST /api/v1/vectors/search`. */
  body: string;
  /** The planted top-k ids, best first. */
  neighbors: number[];
  /** The query's index in the fixture. */
  query: number;
}

/** The largest k the fixture has planted truth for. */
export const plantedK = (spec: DatasetSpec): number => maxK(spec);

/** A planted query as the search needs it: the vector's JSON text and the true top-k. */
export interface QueryText {
  vector: string;
  neighbors: number[];
}

/** Planted query `j mod queryCount` with its top `k`, the vector as JSON text. */
export function queryText(spec: DatasetSpec, j: number, k: number): QueryText & { query: number } {
  const q = queryAt(spec, j % queryCount(spec), k);
  return { vector: floatsJson(q.vector), neighbors: q.neighbors, query: q.id };
}

/** The search body of a query (`limit` k). */
export function searchBody(collection: string, vector: string, k: number): string {
  return `{"collection":${JSON.stringify(collection)},"query_vector":${vector},"limit":${k}}`;
}

/** Search body for planted query `j mod queryCount` of the model's fixture, `limit` k. */
export function searchPayload(m: ModelRef, spec: DatasetSpec, j: number, k: number): PlannedSearch {
  const q = queryText(spec, j, k);
  return { body: searchBody(m.collection, q.vector, k), neighbors: q.neighbors, query: q.query };
}

/**
 * Every planted query of the given models' default fixtures (the manifest's dimension and
 * distance), their top `k`: built once at init and shared by all VUs (k6/data SharedArray), so an
 * iteration does not regenerate its query vector. Entry `i·Q + j` is model i's query j.
 */
export function defaultQueryTable(models: string[], k: number): { spec: string; queries: QueryText[] }[] {
  return models.map((name) => {
    const spec = seedSpecForModel(name);
    return { spec: JSON.stringify(spec), queries: Array.from({ length: queryCount(spec) }, (_, j) => {
      const q = queryText(spec, j, Math.min(k, maxK(spec)));
      return { vector: q.vector, neighbors: q.neighbors };
    }) };
  });
}

export interface PlannedUpsert {
  body: string;
  id: number;
}

/** Upsert of point `n mod count` with the vector and payload the fixture gave it (a no-op for the truth). */
export function upsertPayload(m: ModelRef, spec: DatasetSpec, n: number): PlannedUpsert {
  // a prime stride spreads consecutive upserts over the collection
  const id = Math.abs((n * 7919) % spec.count);
  const point = `{"id":${id},"vector":${floatsJson(vectorAt(spec, id))},"payload":${JSON.stringify(payloadAt(spec, id))}}`;
  return { body: `{"collection":${JSON.stringify(m.collection)},"points":[${point}]}`, id };
}

/** The GraphQL health query. */
export const GRAPHQL_HEALTH_BODY = JSON.stringify({ query: 'query { health { status } }' });
