/**
 * results.json of a readiness run, `vdb-readiness/readiness@2` (field tables in reports/README.md
 * are generated from the descriptions here). Written atomically after every finished check.
 * @2: snake_case fields and the common envelope (`kind`, `run_id`, `started_at` at the top).
 */
import { z } from 'zod';
import { envelope, schemaId } from './common.ts';

export const READINESS_SCHEMA = schemaId('readiness', 2);

export const evidenceSchema = z.object({
  label: z.string().describe('what the step was for, e.g. `gateway liveness`'),
  request: z.string().optional().describe('`GET /api/v1/health`: method and path only, never credentials'),
  status: z.number().int().optional().describe('HTTP status of the answer'),
  latency_ms: z.number().optional().describe('how long the answer took'),
  excerpt: z.string().optional().describe('a short excerpt of the answer, secrets redacted'),
  note: z.string().optional().describe('measured figures, or why a comparison failed'),
});
export type Evidence = z.infer<typeof evidenceSchema>;

/**
 * Traffic over time during a check that changes what serves (the rollback group): the requests a
 * constant-rate driver sent through the front door, bucketed by intended send time, and the
 * moments of the deployment (switch, rollback, …) on the same clock. Optional: additive to @2.
 */
export const timelineBucketSchema = z.object({
  t_ms: z.number().describe('start of the bucket, ms after `started_at`'),
  count: z.number().int().describe('requests whose intended send time falls in the bucket'),
  errors: z.number().int().describe('of them, failed: a reset, a timeout, no answer, or a status other than 200'),
  p50_ms: z.number().nullable().describe('median latency of the answered ones, from the intended send time (null: none answered)'),
  p95_ms: z.number().nullable().describe('95th percentile latency of the answered ones (null: none answered)'),
  max_ms: z.number().nullable().describe('slowest answer (null: none answered)'),
  slots: z.record(z.number().int()).describe('answers by the slot that gave them (`x-gateway-slot`; `?` when the header was missing)'),
});
export type TimelineBucket = z.infer<typeof timelineBucketSchema>;

export const timelineEventSchema = z.object({
  t_ms: z.number().describe('when, ms after `started_at` (may be negative: before the traffic started)'),
  kind: z.string().describe('`deploy-start`, `switch`, `rollback`, `live`, `failed`, `stop`, `kill`, … (the deployer\'s event kinds pass through)'),
  label: z.string().describe('what happened, for the chart and the table'),
});
export type TimelineEvent = z.infer<typeof timelineEventSchema>;

export const timelineSchema = z.object({
  started_at: z.string().describe('ISO 8601 time of t_ms 0: the first request of the traffic'),
  bucket_ms: z.number().int().describe('width of a bucket (100 ms, wider for long checks)'),
  duration_ms: z.number().describe('how long the traffic ran'),
  rate_per_s: z.number().describe('the constant arrival rate the driver kept (open loop)'),
  connections: z.number().int().describe('keep-alive connections the driver used (some of them sit idle most of the time)'),
  requests: z.number().int().describe('requests sent'),
  failed: z.number().int().describe('requests that failed (never retried)'),
  max_gap_ms: z.number().nullable().describe('the longest time between two successful answers (null: fewer than two)'),
  buckets: z.array(timelineBucketSchema).describe('the traffic, bucket by bucket'),
  events: z.array(timelineEventSchema).describe('the deployment\'s moments, on the same clock'),
});
export type Timeline = z.infer<typeof timelineSchema>;

export const checkStatus = z.enum(['passed', 'failed', 'skipped']);
export type CheckStatus = z.infer<typeof checkStatus>;

export const checkSchema = z.object({
  id: z.string().describe('`<group>/<slug of title>`: stable across runs while the title stays'),
  group: z.string().describe('readiness group (the spec file), e.g. `health`, `models`'),
  title: z.string().describe('the claim, as a release engineer reads it (describe blocks joined with ` › `)'),
  status: checkStatus.describe('outcome'),
  required: z.boolean().describe('false for advisory checks: their failure does not make the verdict NO-GO'),
  duration_ms: z.number().describe('how long the check ran'),
  skip_reason: z.string().optional().describe('why the check did not run (skipped only)'),
  errors: z.array(z.string()).optional().describe('failure messages, redacted (failed only)'),
  evidence: z.array(evidenceSchema).describe('the requests the check made and what came back'),
  measurements: z.record(z.number()).optional().describe('figures the check measured by metric key (e.g. `latency_ms.p95`), read by the gates'),
  timeline: timelineSchema.optional().describe('search traffic and deployment moments during the check (rollback group); shown as the report\'s deployment timeline'),
});
export type CheckResult = z.infer<typeof checkSchema>;

export const checklistStatus = z.enum(['proven', 'failed', 'not covered']);
export type ChecklistStatus = z.infer<typeof checklistStatus>;

export const checklistEntrySchema = z.object({
  id: z.string().describe('stable id of the runbook item'),
  kind: z.enum(['checklist', 'command']).describe('`checklist`: the runbook\'s Production Readiness Checklist; `command`: one of its validation commands'),
  text: z.string().describe('the runbook\'s words'),
  status: checklistStatus.describe('`proven` when every check mapped to it passed'),
  checks: z.array(z.string()).describe('ids of the checks that prove (or failed to prove) it'),
  note: z.string().optional().describe('why it is not covered, or what covers it'),
});
export type ChecklistEntry = z.infer<typeof checklistEntrySchema>;

export const collectionFingerprintSchema = z.object({
  dim: z.number().optional().describe('vector dimension'),
  distance: z.string().optional().describe('distance function'),
  points: z.number().optional().describe('points in the collection'),
  indexed_vectors: z.number().optional().describe('vectors in the index'),
  status: z.string().optional().describe('Qdrant collection status (green, yellow, grey, red)'),
});
export type CollectionFingerprint = z.infer<typeof collectionFingerprintSchema>;

export const targetFingerprintSchema = z.object({
  gateway: z
    .object({
      version: z.string().optional().describe('gateway version'),
      build: z.string().optional().describe('gateway build'),
      slot: z.string().optional().describe('active deployment slot (blue/green)'),
      environment: z.string().optional().describe('deployment environment'),
    })
    .optional()
    .describe('from `GET /api/v1/deployment/status`'),
  qdrant: z.object({ version: z.string().optional().describe('Qdrant version'), title: z.string().optional().describe('Qdrant\'s `GET /` title') }).optional().describe('from Qdrant\'s `GET /`'),
  redis: z.object({ version: z.string().optional().describe('Redis version') }).optional().describe('from Redis `INFO server`'),
  config_hash: z.string().optional().describe('sha256 over the configuration the target reports (models, environment, Qdrant collection configs), secrets removed'),
  collections: z.record(collectionFingerprintSchema).describe('by collection name'),
  notes: z.array(z.string()).describe('what could not be read, and why (the run goes on)'),
  setup: z
    .array(z.string())
    .optional()
    .describe('what the target says of how it was brought up (containers: the engine, and each stand-in built in place of a pinned image that could not be pulled)'),
});
export type TargetFingerprint = z.infer<typeof targetFingerprintSchema>;

export const verdictSchema = z.enum(['GO', 'NO-GO', 'INCOMPLETE']);
export type Verdict = z.infer<typeof verdictSchema>;

/** A runbook item the profile requires and the run did not cover (src/gates/coverage.ts). */
export const missingSchema = z.object({
  id: z.string().describe('id of the coverage requirement (`rate-limit`, `deployment-automation`, `load-test`, …)'),
  what: z.string().describe('the runbook item, in its words'),
  why: z.string().describe('why it is not covered: the skip reason, or that nothing ran it'),
  command: z.string().describe('the command that covers it'),
});
export type Missing = z.infer<typeof missingSchema>;

/** The preflight before any check (src/preflight/): written when it failed, and then no check ran. Optional: additive to @2. */
export const preflightSchema = z.object({
  passed: z.boolean().describe('false: a service of the target could not be reached or refused a credential, so no check ran'),
  ms: z.number().describe('how long the preflight took'),
  problems: z
    .array(
      z.object({
        service: z.string().describe('`gateway`, `qdrant` or `redis`'),
        exit_code: z.number().int().describe('2: configuration (a URL, key or scheme to fix); 3: unreachable'),
        message: z.string().describe('what is wrong and the variable or flag that fixes it, secrets redacted'),
      }),
    )
    .describe('one line each, the first one is what the command printed'),
});
export type PreflightResult = z.infer<typeof preflightSchema>;

export const readinessResultsSchema = envelope('readiness', READINESS_SCHEMA)
  .extend({
    verdict: verdictSchema.describe('GO only when complete, no required check failed, a check passed and every measured gate passed; INCOMPLETE instead of GO when the profile (production) requires a runbook item the run skipped or did not run (`missing`)'),
    verdict_reasons: z.array(z.string()).describe('why the verdict is NO-GO or INCOMPLETE (empty for GO)'),
    missing: z.array(missingSchema).optional().describe('what the profile requires and this run did not cover, each with the command that covers it (production profile; a load test is covered by a bench run in `npm run report`)'),
    preflight: preflightSchema.optional().describe('present when the preflight failed: why no check ran (`state` is `interrupted`, `checks` empty, the verdict NO-GO)'),
    wall_time_ms: z.number().optional().describe('how long the checks took'),
    run: z
      .object({
        command: z.string().describe('the command line, secrets redacted'),
        suite_version: z.string().describe('vdb-readiness version'),
        node: z.string().describe('Node.js version'),
        host: z.string().describe('host name of the machine that ran the suite'),
        options: z
          .object({
            target: z.string().describe('`local`, `external` or `containers`'),
            only: z.array(z.string()).describe('groups selected with `--only` (empty: all)'),
            comprehensive: z.boolean().describe('`--comprehensive`: the disruptive groups included (rollback: deploys and rollbacks under traffic; faults: dependencies stopped)'),
            allow_disruptive: z.boolean().describe('`--allow-disruptive`: service-stopping and deploying specs allowed on an external target'),
            profile: z.string().describe('gate profile asked for'),
            deploy_hook: z.string().optional().describe('`--deploy-hook`: the command the rollback group deploys an external target with, secrets redacted'),
          })
          .describe('the options of the run'),
      })
      .describe('how the suite ran'),
    target: z
      .object({
        kind: z.string().describe('target provider'),
        gateway_url: z.string().describe('gateway base URL'),
        qdrant_url: z.string().optional().describe('Qdrant base URL'),
        redis_url: z.string().optional().describe('Redis URL, password masked'),
        fingerprint: targetFingerprintSchema.describe('what was tested'),
      })
      .describe('the system under test'),
    summary: z
      .object({
        total: z.number().int().describe('checks reported'),
        passed: z.number().int().describe('checks passed'),
        failed: z.number().int().describe('checks failed (advisory included)'),
        skipped: z.number().int().describe('checks skipped'),
        required_failed: z.number().int().describe('required checks failed'),
      })
      .describe('counts of checks'),
    checks: z.array(checkSchema).describe('every check, in group order'),
    checklist: z.array(checklistEntrySchema).describe('the runbook\'s checklist and validation commands, each proven / failed / not covered'),
  })
  .passthrough();
export type ReadinessResults = z.infer<typeof readinessResultsSchema>;
