import { createHash } from 'node:crypto';

/** The parts of a search that decide its answer (collection resolved, defaults applied). */
export interface NormalizedSearch {
  collection: string;
  vector: number[];
  limit: number;
  offset: number;
  filter: unknown;
  withPayload: boolean;
  scoreThreshold: number | null;
}

/**
 * A stable cache key: the same search written with other key orders, a model instead of its
 * collection, or defaults spelled out gets the same key.
 */
export function searchCacheKey(s: NormalizedSearch): string {
  const rest = JSON.stringify([s.vector.length, s.limit, s.offset, sortKeys(s.filter ?? null), s.withPayload, s.scoreThreshold]);
  // the vector as its float64 bytes: the same numbers give the same bytes, and hashing them
  // is much cheaper than formatting each number as text
  const vector = Float64Array.from(s.vector);
  return createHash('sha1').update(rest).update(new Uint8Array(vector.buffer)).digest('base64url');
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]));
  }
  return value;
}
