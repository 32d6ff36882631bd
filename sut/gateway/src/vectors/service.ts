import { searchCacheKey, type NormalizedSearch } from '../cache/key.ts';
import type { RateCheck, RateState, SearchCache } from '../cache/search-cache.ts';
import type { SpeculationPolicy } from '../cache/speculation.ts';
import type { CollectionRegistry } from '../collections/registry.ts';
import { GatewayError } from '../errors.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import type { PointRecord, QdrantClient } from '../qdrant/client.ts';

export type PointId = number | string;

export interface Target {
  collection?: string;
  model?: string;
}

export interface SearchInput extends Target {
  query_vector: number[];
  limit?: number;
  offset?: number;
  filter?: Record<string, unknown>;
  with_payload?: boolean;
  score_threshold?: number;
}

export interface SearchHit {
  id: PointId;
  score: number;
  payload?: Record<string, unknown>;
}

export interface SearchOutput {
  collection: string;
  model: string | null;
  results: SearchHit[];
  took_ms: number;
  cached: boolean;
}

export interface UpsertPoint {
  id: PointId;
  vector: number[];
  payload?: Record<string, unknown>;
}

/** A rate-limit hit counted with the cache lookup; `admit` throws when the state is over the limit. */
export interface Admission {
  check: RateCheck;
  admit(state: RateState | null): void;
}

/**
 * Search, upsert, get and delete, shared by REST and GraphQL: resolve, validate, cache, call
 * Qdrant. A search looks up the cache, then queries Qdrant on a miss; while its collection
 * rarely hits and its caller is well under its rate limit, it sends the query together with
 * the lookup instead (cache/speculation.ts).
 */
export class VectorService {
  constructor(
    private readonly qdrant: QdrantClient,
    private readonly registry: CollectionRegistry,
    private readonly cache: SearchCache,
    private readonly metrics: GatewayMetrics,
    private readonly speculation: SpeculationPolicy,
  ) {}

  /** `vectorText`: the query vector as the client wrote it (vectors/raw-vector.ts), sent on to Qdrant in its place; null: formatted from the parsed one. */
  async search(input: SearchInput, admission?: Admission, vectorText: string | null = null): Promise<SearchOutput> {
    const started = performance.now();
    const { collection, model } = this.resolve(input);
    const spec = await this.registry.spec(collection);
    checkVector('query_vector', input.query_vector, spec.vectorSize, collection);
    const normalized: NormalizedSearch = {
      collection,
      vector: input.query_vector,
      limit: input.limit ?? 10,
      offset: input.offset ?? 0,
      filter: input.filter ?? null,
      withPayload: input.with_payload ?? false,
      scoreThreshold: input.score_threshold ?? null,
    };
    const key = searchCacheKey(normalized);
    const modelName = model ?? spec.model;
    const check = admission?.check;
    const query = () => this.qdrant.query(collection, {
      query: normalized.vector,
      limit: normalized.limit,
      ...(normalized.offset ? { offset: normalized.offset } : {}),
      ...(input.filter ? { filter: input.filter } : {}),
      with_payload: normalized.withPayload,
      ...(normalized.scoreThreshold !== null ? { score_threshold: normalized.scoreThreshold } : {}),
    }, vectorText);
    // speculation: the query goes out with the lookup; a fill may then only use a generation
    // read before the query was sent
    const speculating = this.cache.available() && this.speculation.begin(collection, check);
    const generationBefore = speculating ? this.cache.generation(collection) : null;
    const early = speculating ? query() : null;
    early?.catch(() => undefined);
    const lookup = await this.cache.get(collection, key, check);
    const { value, rate } = lookup;
    const hit = value !== undefined;
    // token null without an answer: not looked up (over the limit, or the store is down)
    this.speculation.settle(collection, lookup.token === null && !hit ? null : hit, check, rate, speculating);
    try {
      admission?.admit(rate);
    } catch (err) {
      if (early) this.metrics.speculativeQueries.inc({ collection, outcome: 'wasted' });
      throw err;
    }
    if (early) this.metrics.speculativeQueries.inc({ collection, outcome: hit ? 'wasted' : 'used' });
    if (hit) {
      this.metrics.cacheHits.inc({ collection });
      return { collection, model: modelName, results: value as SearchHit[], took_ms: elapsed(started), cached: true };
    }
    this.metrics.cacheMisses.inc({ collection });
    const token = !speculating || lookup.token === generationBefore ? lookup.token : null;
    const points = await (early ?? query());
    const results: SearchHit[] = points.map((p) =>
      normalized.withPayload ? { id: p.id, score: p.score, payload: p.payload ?? {} } : { id: p.id, score: p.score },
    );
    this.cache.set(collection, key, results, token);
    return { collection, model: modelName, results, took_ms: elapsed(started), cached: false };
  }

  async upsert(target: Target, points: UpsertPoint[]): Promise<{ collection: string; upserted: number; took_ms: number }> {
    const started = performance.now();
    const { collection } = this.resolve(target);
    const spec = await this.registry.spec(collection);
    points.forEach((p, i) => checkVector(`points[${i}].vector`, p.vector, spec.vectorSize, collection));
    await this.qdrant.upsert(collection, points.map((p) => ({ id: p.id, vector: p.vector, payload: p.payload ?? {} })));
    await this.cache.invalidate(collection);
    return { collection, upserted: points.length, took_ms: elapsed(started) };
  }

  async get(collection: string, id: PointId): Promise<{ collection: string; id: PointId; vector: number[]; payload: Record<string, unknown> }> {
    await this.registry.spec(collection);
    const [point] = await this.qdrant.retrieve(collection, [id]);
    if (!point) throw new GatewayError('GW_ERR_POINT_NOT_FOUND', `point ${String(id)} does not exist in collection ${collection}`);
    return { collection, id: point.id, vector: plainVector(point), payload: point.payload ?? {} };
  }

  async delete(target: Target, ids: PointId[]): Promise<{ collection: string; deleted: number; took_ms: number }> {
    const started = performance.now();
    const { collection } = this.resolve(target);
    await this.registry.spec(collection);
    await this.qdrant.delete(collection, ids);
    await this.cache.invalidate(collection);
    return { collection, deleted: ids.length, took_ms: elapsed(started) };
  }

  private resolve(t: Target): { collection: string; model: string | null } {
    if (t.collection !== undefined && t.model !== undefined) {
      throw new GatewayError('GW_ERR_VALIDATION', 'give either collection or model, not both');
    }
    if (t.model !== undefined) return { collection: this.registry.model(t.model).collection, model: t.model };
    if (t.collection !== undefined) return { collection: t.collection, model: null };
    throw new GatewayError('GW_ERR_VALIDATION', 'body must have collection or model');
  }
}

/** Parses a point id from a URL: a non-negative integer or a UUID. */
export function parsePointId(text: string): PointId {
  if (/^\d{1,15}$/.test(text)) return Number(text);
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text)) return text.toLowerCase();
  throw new GatewayError('GW_ERR_VALIDATION', `point id ${JSON.stringify(text.slice(0, 64))} is neither a non-negative integer nor a UUID`);
}

function checkVector(field: string, vector: number[], size: number, collection: string): void {
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw new GatewayError('GW_ERR_NON_FINITE', `${field}[${i}] is not a finite number`);
  }
  if (vector.length !== size) {
    throw new GatewayError('GW_ERR_VECTOR_DIMENSION', `${field} has ${vector.length} values but collection ${collection} expects ${size}`);
  }
}

function plainVector(p: PointRecord): number[] {
  if (Array.isArray(p.vector)) return p.vector;
  if (p.vector && typeof p.vector === 'object' && Array.isArray((p.vector as Record<string, unknown>)[''])) return (p.vector as Record<string, number[]>)[''] as number[];
  return [];
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}
