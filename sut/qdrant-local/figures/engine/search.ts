/** Closed-loop search with N concurrent clients over the planted queries: QPS, p50/p99, top-1 hits. */
import type { QdrantClient } from '@qdrant/js-client-rest';
import type { DatasetSpec } from '../../tests/helpers/dataset.ts';
import { queryAt, queryCount } from '../../tests/helpers/dataset.ts';
import { latencyMs, newHistogram, recordSince } from './latency.ts';
import type { LatencyMs } from './latency.ts';

export interface SearchFigures {
  concurrency: number;
  queries: number;
  errors: number;
  seconds: number;
  qps: number;
  latencyMs: LatencyMs;
  /** Share of queries whose planted nearest neighbour came back first. */
  top1: number;
}

export async function runSearch(client: QdrantClient, collection: string, spec: DatasetSpec, opts: { concurrency: number; seconds: number; maxQueries: number; limit?: number }): Promise<SearchFigures> {
  const planted = Array.from({ length: Math.min(queryCount(spec), 1000) }, (_, j) => queryAt(spec, j, 1));
  const vectors = planted.map((q) => Array.from(q.vector));
  const hist = newHistogram();
  let issued = 0;
  let errors = 0;
  let hits = 0;
  const started = performance.now();
  const deadline = started + opts.seconds * 1000;
  const worker = async (): Promise<void> => {
    while (issued < opts.maxQueries && performance.now() < deadline) {
      const j = issued++ % planted.length;
      const t0 = performance.now();
      try {
        const res = await client.query(collection, { query: vectors[j]!, limit: opts.limit ?? 10 });
        recordSince(hist, t0);
        if (res.points[0]?.id === planted[j]!.neighbors[0]) hits++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  const ok = hist.totalCount;
  return { concurrency: opts.concurrency, queries: ok, errors, seconds, qps: ok / seconds, latencyMs: latencyMs(hist), top1: ok ? hits / ok : 0 };
}
