import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/bench/aggregate.ts';
import { RunRecorder } from '../../../src/bench/recorder.ts';
import { explainRecall } from '../../../src/bench/search-params.ts';
import { searchRequest } from '../../../src/bench/search-contract.ts';
import { validateOptions } from '../../../src/bench/validate.ts';
import { buildWorkload } from '../../../src/bench/workload.ts';
import { benchResultsSchema } from '../../../src/results/bench.ts';

const source = { queryCount: () => 20, query: (_d: string, j: number) => ({ vector: [j, 1], neighbors: [j, 100 + j] }) };

function run(answer: (j: number) => string) {
  const workload = buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'qdrant', k: 2, queries: 20, searchParams: { hnsw_ef: 64 } });
  const rec = new RunRecorder(workload);
  workload.queries.forEach((q, i) => rec.response(q, i, i + 1, 200, answer(q.queryId)));
  const sp = { sent: { hnsw_ef: 64 }, hnsw_ef: 64, exact: false, hnsw_m: 16, ef_construct: 100, quantization: null, source: 'test' };
  return { workload, results: aggregate({ runId: 'r', startedAt: new Date(0), finishedAt: new Date(1000), mode: 'open', params: {}, target: { url: 'http://127.0.0.1:1', api: 'qdrant' }, workload, recorder: rec, elapsedS: 1, driver: { warnings: [] }, profile: 'ci', searchParams: [sp] }) };
}

describe('recall that explains itself', () => {
  it('sends hnsw_ef in Qdrant search params', () => {
    expect(searchRequest('qdrant', 'c', [1, 2], 5, '', { hnsw_ef: 64 }).body.toString()).toBe('{"query":[1,2],"limit":5,"params":{"hnsw_ef":64}}');
    expect(searchRequest('qdrant', 'c', [1, 2], 5, '', {}).body.toString()).toBe('{"query":[1,2],"limit":5}');
    expect(() => validateOptions({ api: 'gateway', hnswEf: '64' })).toThrow(/--api qdrant/);
    expect(validateOptions({ api: 'qdrant', hnswEf: '64', sweep: 'hnsw_ef' })).toMatchObject({ hnswEf: 64, sweep: 'hnsw_ef' });
  });

  it('keeps recall per decile of query ids, and shows a late-query collapse', () => {
    // the first half of the queries found, the second half not: what a clumped layout did
    const { results } = run((j) => (j < 10 ? `{"result":{"points":[{"id":${j}},{"id":${100 + j}}]}}` : '{"result":{"points":[{"id":999},{"id":998}]}}'));
    expect(benchResultsSchema.safeParse(results).success).toBe(true);
    const c = results.per_collection[0]!;
    expect(c.recall_at_k).toBe(0.5);
    const buckets = c.recall_by_query_bucket!;
    expect(buckets).toHaveLength(10);
    expect(buckets.map((b) => [b.first_query, b.last_query])).toEqual(Array.from({ length: 10 }, (_, i) => [2 * i, 2 * i + 1]));
    expect(buckets.map((b) => b.recall_at_k)).toEqual([1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(c.search_params?.hnsw_ef).toBe(64);
    const text = explainRecall(results).join('\n');
    expect(text).toMatch(/by query decile 1\.00 1\.00 1\.00 1\.00 1\.00 0\.00/);
    expect(text).toMatch(/hnsw_ef 64 \(sent\), exact false, m 16, ef_construct 100/);
    expect(text).toMatch(/below its gate: run again with --sweep hnsw_ef/);
  });

  it('prints the sweep and the smallest hnsw_ef passing both gates', () => {
    const { results } = run((j) => `{"result":{"points":[{"id":${j}},{"id":${100 + j}}]}}`);
    results.hnsw_ef_sweep = {
      parameter: 'hnsw_ef',
      points: [
        { hnsw_ef: 16, recall_at_k: 0.8, p50_ms: 1, p95_ms: 2 },
        { hnsw_ef: 64, recall_at_k: 0.96, p50_ms: 2, p95_ms: 3 },
      ],
      recall_gate: 0.95,
      p95_gate_ms: 50,
      smallest_passing: 64,
    };
    expect(benchResultsSchema.safeParse(results).success).toBe(true);
    expect(explainRecall(results).join('\n')).toMatch(/smallest hnsw_ef passing both gates: 64/);
  });
});
