/**
 * Everything a run sends, built before the first request: one request body per (mix entry,
 * planted query), the truth of each, and the order of the whole cycle. The hot path only indexes.
 */
import { mixCycle } from './mix.ts';
import type { MixEntry } from './mix.ts';
import { searchRequest } from './search-contract.ts';
import type { SearchApi, SearchParams } from './search-contract.ts';

/** What the bench needs from the fixtures: planted queries with their true neighbours. */
export interface QuerySource {
  /** Planted queries the dataset declares (ids 0..n-1). */
  queryCount(dataset: string): number;
  query(dataset: string, j: number, k: number): { vector: ArrayLike<number>; neighbors: ReadonlyArray<number | string> };
}

export interface PreparedQuery {
  /** Index into `Workload.entries`. */
  entry: number;
  queryId: number;
  path: string;
  body: Buffer;
  /** The true top-k ids, as strings. */
  truth: ReadonlySet<string>;
}

export interface Workload {
  entries: MixEntry[];
  queries: PreparedQuery[];
  /** Request i sends `queries[order[i % order.length]]`. */
  order: Uint32Array;
  k: number;
  /** Distinct queries of each entry (query ids 0..n−1), for recall per query bucket. */
  queryCounts: number[];
}

export interface WorkloadOptions {
  api: SearchApi;
  k: number;
  /** Distinct queries per entry (capped by what the dataset plants). */
  queries: number;
  basePath?: string;
  /** Qdrant API only: engine search parameters sent with every query. */
  searchParams?: SearchParams;
}

export function buildWorkload(entries: MixEntry[], source: QuerySource, opts: WorkloadOptions): Workload {
  const queries: PreparedQuery[] = [];
  const firstOf: number[] = [];
  const countOf: number[] = [];
  entries.forEach((e, entry) => {
    const n = Math.max(1, Math.min(opts.queries, source.queryCount(e.dataset)));
    firstOf.push(queries.length);
    countOf.push(n);
    for (let j = 0; j < n; j++) {
      const q = source.query(e.dataset, j, opts.k);
      const { path, body } = searchRequest(opts.api, e.collection, q.vector, opts.k, opts.basePath, opts.searchParams);
      queries.push({ entry, queryId: j, path, body, truth: new Set(q.neighbors.slice(0, opts.k).map(String)) });
    }
  });
  // One cycle visits every query of the largest entry once, the others in proportion.
  const totalWeight = entries.reduce((s, e) => s + e.weight, 0);
  const cycleLength = Math.max(
    entries.length,
    ...entries.map((e, i) => Math.ceil((countOf[i]! * totalWeight) / e.weight)),
  );
  const cycle = mixCycle(entries, cycleLength);
  const next = entries.map(() => 0);
  const order = new Uint32Array(cycleLength);
  for (let i = 0; i < cycleLength; i++) {
    const e = cycle[i]!;
    order[i] = firstOf[e]! + (next[e]!++ % countOf[e]!);
  }
  return { entries, queries, order, k: opts.k, queryCounts: countOf };
}

/** Share of the true top-k found in the returned ids (the first k of them). */
export function recallOf(ids: readonly string[], truth: ReadonlySet<string>, k: number): number {
  const denom = Math.min(k, truth.size);
  if (denom === 0) return 1;
  let hits = 0;
  const n = Math.min(k, ids.length);
  for (let i = 0; i < n; i++) if (truth.has(ids[i]!)) hits++;
  return hits / denom;
}
