/**
 * results.json of a bench run, `vdb-readiness/bench@2` (documented in reports/README.md; a test
 * keeps the two in step). Readers (`gate`, `merge`, the report) parse with this schema; unknown
 * fields pass. @2: the common envelope (`state`, and `gates` as `{profile, label, results}`).
 */
import { z } from 'zod';
import { ERROR_CLASSES } from '../bench/error-class.ts';
import { envelope, schemaId } from './common.ts';

export const BENCH_SCHEMA = schemaId('bench', 2);
/** The previous version, still read (upgraded on reading: see kinds.ts). */
export const BENCH_SCHEMA_V1 = schemaId('bench', 1);

const ms = (what: string) => z.number().describe(`${what}, ms`);
const latencyMs = z
  .object({ p50: ms('median'), p90: ms('90th percentile'), p95: ms('95th percentile'), p99: ms('99th percentile'), p999: ms('99.9th percentile'), max: ms('largest'), min: ms('smallest'), mean: ms('mean') })
  .describe('latency percentiles from the HDR histogram (open loop: from each request\'s intended send time)');

const errorsByClass = z
  .object(Object.fromEntries(ERROR_CLASSES.map((c) => [c, z.number().int().nonnegative().describe(`requests that ended as ${c}`)])) as Record<(typeof ERROR_CLASSES)[number], z.ZodNumber>)
  .describe('failed requests by class');

const encodedHistogram = z
  .object({
    encoding: z.literal('hdr-histogram-js/compressed-base64').describe('how `data` is encoded'),
    unit: z.literal('us').describe('unit of the recorded values'),
    data: z.string().describe('the encoded histogram: decode and add to merge runs exactly'),
  })
  .describe('the full latency distribution');

const stream = z.object({
  requests: z.number().int().nonnegative().describe('requests measured (warm-up excluded)'),
  ok: z.number().int().nonnegative().describe('good answers'),
  errors: z.number().int().nonnegative().describe('failed requests'),
  errors_by_class: errorsByClass,
  error_rate: z.number().describe('errors / requests'),
  recall_at_k: z.number().nullable().describe('mean recall@k against the planted truth; null when no good answer'),
  recall_samples: z.number().int().nonnegative().describe('answers recall was measured on'),
  latency_ms: latencyMs,
  histogram: encodedHistogram.optional().describe('the full latency distribution; absent when made from k6\'s end-of-test summary, which has percentiles only (`bench import-k6` of k6\'s JSON output gives it)'),
});

const runner = z
  .object({
    tool: z.enum(['vdb-readiness', 'k6']).describe('what drove the load: the built-in driver or k6'),
    version: z.string().optional().describe('the tool\'s version'),
    scenario: z.string().optional().describe('the scenario run (scenarios/definitions.ts)'),
    source: z.enum(['driver', 'k6-summary', 'k6-json']).optional().describe('where the figures come from: the driver\'s own record, k6\'s end-of-test summary, or k6\'s JSON output (exact histograms)'),
    options: z.record(z.unknown()).optional().describe('the tool\'s options for the run (k6: scenarios, thresholds), secrets removed'),
    thresholds: z
      .array(
        z.object({
          metric: z.string().describe('k6 metric, with its tag filter'),
          expression: z.string().describe('the threshold, e.g. `p(95)<50`'),
          ok: z.boolean().describe('whether k6 found it held'),
        }),
      )
      .optional()
      .describe('k6 runs: every threshold as k6 judged it (generated from the same gates)'),
  })
  .describe('who produced the figures');

const recallBuckets = z
  .array(
    z.object({
      first_query: z.number().int().nonnegative().describe('first planted query id of the bucket'),
      last_query: z.number().int().nonnegative().describe('last planted query id of the bucket'),
      recall_at_k: z.number().nullable().describe('mean recall@k of the bucket\'s answers; null when none'),
      samples: z.number().int().nonnegative().describe('answers measured in the bucket'),
    }),
  )
  .describe('recall per tenth of the query ids: equal buckets mean recall does not depend on which queries ran');

const searchParams = z
  .object({
    sent: z.record(z.unknown()).describe('search parameters each request sent (`params` of Qdrant\'s query API); empty: the engine\'s defaults'),
    hnsw_ef: z.number().nullable().describe('hnsw_ef in force: the one sent, else the engine default (Qdrant: the collection\'s ef_construct); null when unknown'),
    exact: z.boolean().describe('whether searches were exact (full scan) rather than through the index'),
    hnsw_m: z.number().nullable().describe('the collection\'s HNSW m; null when unknown'),
    ef_construct: z.number().nullable().describe('the collection\'s HNSW ef_construct; null when unknown'),
    quantization: z.string().nullable().describe('the collection\'s quantization (scalar, product, binary) and whether searches rescore; null: none or unknown'),
    source: z.string().describe('where these come from (the collection info read from Qdrant, or why it could not be read)'),
  })
  .describe('the engine search parameters in force for the collection');

const sweep = z
  .object({
    parameter: z.literal('hnsw_ef').describe('the parameter swept'),
    points: z
      .array(
        z.object({
          hnsw_ef: z.number().int().positive().describe('hnsw_ef sent'),
          recall_at_k: z.number().describe('mean recall@k over every prepared query of every collection'),
          p50_ms: z.number().describe('median latency of one search at a time (no load), ms'),
          p95_ms: z.number().describe('95th percentile latency of one search at a time (no load), ms'),
        }),
      )
      .describe('the recall/latency trade-off, one line per hnsw_ef'),
    recall_gate: z.number().nullable().describe('the profile\'s recall gate'),
    p95_gate_ms: z.number().nullable().describe('the profile\'s p95 latency gate, ms'),
    smallest_passing: z.number().int().nullable().describe('the smallest hnsw_ef meeting both gates (latency unloaded: confirm with a run at --hnsw-ef); null when none'),
  })
  .describe('`--sweep hnsw_ef`: recall and unloaded latency of every collection at each hnsw_ef');

export const benchResultsSchema = envelope('bench', BENCH_SCHEMA)
  .merge(stream)
  .extend({
    finished_at: z.string().describe('ISO 8601 end time'),
    mode: z.enum(['open', 'closed']).describe('`open`: constant arrival rate; `closed`: autocannon, maximum throughput'),
    latency_corrected: z.boolean().describe('true: latency from each request\'s intended send time (open loop); false: closed loop, not corrected'),
    latency_note: z.string().describe('what the latency figures mean, in words'),
    duration_s: z.number().describe('measured window: first intended send to last answer'),
    throughput_rps: z.number().describe('good answers per second'),
    cached_answers: z.number().int().nonnegative().optional().describe('answers the gateway marked `"cached":true`'),
    k: z.number().int().positive().describe('results per search (recall@k)'),
    params: z.record(z.unknown()).describe('the options of the run (API key removed)'),
    target: z
      .object({ url: z.string().describe('where the load went, password masked'), api: z.enum(['gateway', 'qdrant']).describe('search contract used') })
      .describe('the server under load'),
    timeline: z
      .array(
        z.object({
          second: z.number().int().nonnegative().describe('second of intended send, from the start of measuring'),
          requests: z.number().int().nonnegative().describe('requests in that second'),
          errors: z.number().int().nonnegative().describe('failed requests in that second'),
          p50_ms: z.number().describe('median latency in that second'),
          p99_ms: z.number().describe('99th percentile latency in that second'),
          histogram: z.string().describe('that second\'s encoded histogram'),
        }),
      )
      .describe('latency and throughput over time'),
    per_collection: z
      .array(
        stream.extend({
          collection: z.string().describe('collection searched'),
          dataset: z.string().describe('dataset of its planted queries'),
          weight: z.number().describe('share of the query mix'),
          recall_by_query_bucket: recallBuckets.optional(),
          search_params: searchParams.optional(),
        }),
      )
      .describe('the same figures for each collection of the mix'),
    per_endpoint: z
      .array(
        stream.extend({
          endpoint: z.string().describe('the `endpoint` tag of the requests (`search`, `health`, `upsert`, `graphql`; `untagged` when absent)'),
          scenario: z.string().optional().describe('the k6 scenario of these requests; absent: all scenarios of the run'),
        }),
      )
      .optional()
      .describe('k6 runs imported from JSON output (`bench import-k6`): the same figures for each endpoint, and per endpoint and scenario when the run had several scenarios (searches include dropped iterations)'),
    driver: z.array(z.record(z.unknown())).describe('the load driver\'s self-check per runner: CPU, event-loop and send lag, queued sends'),
    closed_loop: z.record(z.unknown()).optional().describe('autocannon\'s own figures (closed loop only)'),
    warnings: z.array(z.string()).describe('what makes the figures less trustworthy (driver-bound, cache hits, closed loop)'),
    runner: runner.optional(),
    pass: z.boolean().describe('every gate passed'),
    merged_from: z.array(z.string()).optional().describe('run ids merged into this one (`bench merge`)'),
    hnsw_ef_sweep: sweep.optional(),
  })
  .passthrough();

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type StreamResults = z.infer<typeof stream>;
