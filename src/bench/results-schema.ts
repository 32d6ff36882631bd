/**
 * `results.json` of a bench run, schema `vdb-readiness/bench@1` (documented in README.md beside
 * this file). Readers (`gate`, `merge`, the report) parse with this schema; unknown fields pass.
 */
import { z } from 'zod';
import { ERROR_CLASSES } from './error-class.ts';

export const BENCH_SCHEMA = 'vdb-readiness/bench@1' as const;

const latencyMs = z.object({
  p50: z.number(),
  p90: z.number(),
  p95: z.number(),
  p99: z.number(),
  p999: z.number(),
  max: z.number(),
  min: z.number(),
  mean: z.number(),
});

const errorsByClass = z.object(Object.fromEntries(ERROR_CLASSES.map((c) => [c, z.number().int().nonnegative()])) as Record<(typeof ERROR_CLASSES)[number], z.ZodNumber>);

const encodedHistogram = z.object({
  encoding: z.literal('hdr-histogram-js/compressed-base64'),
  unit: z.literal('us'),
  data: z.string(),
});

const gateResult = z.object({
  name: z.string(),
  metric: z.string(),
  op: z.enum(['<', '<=', '>', '>=']),
  threshold: z.number(),
  unit: z.string(),
  value: z.number().nullable(),
  pass: z.boolean(),
});

const stream = z.object({
  requests: z.number().int().nonnegative(),
  ok: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  errors_by_class: errorsByClass,
  error_rate: z.number(),
  recall_at_k: z.number().nullable(),
  recall_samples: z.number().int().nonnegative(),
  latency_ms: latencyMs,
  histogram: encodedHistogram,
});

export const benchResultsSchema = stream
  .extend({
    schema: z.literal(BENCH_SCHEMA),
    run_id: z.string(),
    kind: z.literal('bench'),
    started_at: z.string(),
    finished_at: z.string(),
    mode: z.enum(['open', 'closed']),
    /** true: latency from each request's intended send time (open loop); false: closed loop, not corrected. */
    latency_corrected: z.boolean(),
    latency_note: z.string(),
    duration_s: z.number(),
    throughput_rps: z.number(),
    /** Answers the gateway marked `"cached":true` (absent in runs before it was counted). */
    cached_answers: z.number().int().nonnegative().optional(),
    k: z.number().int().positive(),
    params: z.record(z.unknown()),
    target: z.object({ url: z.string(), api: z.enum(['gateway', 'qdrant']) }),
    timeline: z.array(
      z.object({
        second: z.number().int().nonnegative(),
        requests: z.number().int().nonnegative(),
        errors: z.number().int().nonnegative(),
        p50_ms: z.number(),
        p99_ms: z.number(),
        histogram: z.string(),
      }),
    ),
    per_collection: z.array(stream.extend({ collection: z.string(), dataset: z.string(), weight: z.number() })),
    driver: z.array(z.record(z.unknown())),
    closed_loop: z.record(z.unknown()).optional(),
    warnings: z.array(z.string()),
    gate_profile: z.object({ name: z.string(), label: z.string() }),
    gates: z.array(gateResult),
    pass: z.boolean(),
    merged_from: z.array(z.string()).optional(),
  })
  .passthrough();

export type BenchResults = z.infer<typeof benchResultsSchema>;
export type StreamResults = z.infer<typeof stream>;
