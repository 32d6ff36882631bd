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

const soakJudged = z
  .object({
    rule: z.string().describe('the soak rule (src/soak/rules.ts), also the name of its gate'),
    kind: z.enum(['slope', 'drift']).describe('`slope`: growth over the run; `drift`: last third against the first'),
    series: z.string().describe('the series judged'),
    unit: z.enum(['bytes', 'fds', 'ms']).describe('unit of the series and of the figures below'),
    verdict: z.enum(['pass', 'fail', 'not_judged']).describe('`not_judged`: not sampled on this target, or too few samples (never a pass)'),
    score: z.number().nullable().describe('the change as a share of the tolerance (the gate fails at 1 or more); null when not judged'),
    samples: z.number().int().nonnegative().describe('samples after the warm-up'),
    steady_from_s: z.number().describe('seconds of warm-up left out'),
    baseline: z.number().optional().describe('slope: median of the first third after the warm-up'),
    slope_per_s: z.number().optional().describe('slope: Theil–Sen slope, unit per second'),
    thirds_slope_per_s: z.number().optional().describe('slope: slope between the medians of the first and last thirds, unit per second'),
    growth: z.number().optional().describe('slope: the smaller slope extrapolated over the whole run'),
    allowance: z.number().optional().describe('slope: the tolerance, pct of baseline plus abs'),
    first: z.number().optional().describe('drift: median of the first third after the warm-up'),
    last: z.number().optional().describe('drift: median of the last third'),
    reason: z.string().describe('one line: the figures and the verdict, or why not judged'),
  })
  .describe('one soak rule\'s verdict');

const resources = z
  .object({
    started_at: z.string().describe('ISO 8601 time of the first sample: `t_s` counts from it'),
    duration_s: z.number().describe('seconds the sampler ran (the run); slopes are extrapolated over it'),
    interval_s: z.number().describe('seconds between samples'),
    t_s: z.array(z.number()).describe('time of each sample, seconds from `started_at`'),
    series: z
      .array(
        z.object({
          name: z.string().describe('`gateway_rss_bytes`, `gateway_open_fds`, `gateway_event_loop_p99_ms`, `engine_rss_bytes`, `engine_open_fds`, `redis_used_memory_bytes`'),
          unit: z.enum(['bytes', 'fds', 'ms']).describe('unit of the values'),
          source: z.string().describe('where the values come from (the gateway\'s /metrics series, /proc/<pid> of the local stack, Redis INFO)'),
          values: z.array(z.number().nullable()).describe('one value per `t_s`; null where that sample failed'),
        }),
      )
      .describe('what was sampled over time'),
    not_sampled: z.array(z.object({ name: z.string().describe('series'), reason: z.string().describe('why it could not be sampled on this target') })).describe('series that could not be sampled, and why (never guessed)'),
    latency: z
      .object({
        window_s: z.number().describe('seconds per window'),
        t_s: z.array(z.number()).describe('window start, seconds from `started_at`'),
        p50_ms: z.array(z.number().nullable()).describe('median search latency of each window'),
        p95_ms: z.array(z.number().nullable()).describe('95th percentile of each window (pooled histogram)'),
        requests: z.array(z.number().int().nonnegative()).describe('requests of each window'),
      })
      .nullable()
      .describe('latency percentiles per window, from the run\'s per-second histograms; null when the run has none (k6\'s summary only)'),
    sampler: z
      .object({
        samples: z.number().int().nonnegative().describe('samples taken'),
        mean_tick_ms: z.number().describe('mean wall time of one sample (all sources together)'),
        cpu_ms: z.number().describe('CPU the sampling took in the driver process (its synchronous work: parsing, /proc reads), ms'),
      })
      .describe('the sampler\'s own cost'),
    judged: z.record(soakJudged).describe('verdict per soak rule (by name), re-evaluated whenever the gates are'),
  })
  .describe('soak runs: the gateway\'s, the engine\'s and Redis\'s resources and the latency over time, judged by the soak rules (src/soak/rules.ts)');

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
    resources: resources.optional(),
  })
  .passthrough();

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type StreamResults = z.infer<typeof stream>;
export type ResourcesResults = z.infer<typeof resources>;
export type SoakJudged = z.infer<typeof soakJudged>;
