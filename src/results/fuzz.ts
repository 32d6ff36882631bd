/**
 * results.json of a fuzz run, `vdb-readiness/fuzz@1` (`npm run fuzz`): property-based requests
 * generated from each API's OpenAPI document by schemathesis, every answer judged by its checks
 * and by the suite's leak checks, each API's health afterwards, and every failing case saved under
 * `cases/<n>.json` in the run directory so that `npm run fuzz -- --replay` sends it again.
 */
import { z } from 'zod';
import { envelope, schemaId } from './common.ts';

export const FUZZ_SCHEMA = schemaId('fuzz', 1);

export const FUZZ_APIS = ['gateway', 'qdrant'] as const;
export type FuzzApi = (typeof FUZZ_APIS)[number];

export const fuzzFailureSchema = z.object({
  case_file: z.string().optional().describe('`cases/<n>.json` in the run directory: the request, credentials removed, for `--replay` (absent past the caps: 500 cases a run, 20 of one kind: the same operation and checks)'),
  api: z.enum(FUZZ_APIS).describe('which API'),
  operation: z.string().describe('`METHOD /path template` of the OpenAPI document'),
  check: z.string().describe('the check that failed: a schemathesis check (`not_a_server_error`, `response_schema_conformance`, …) or the suite\'s `no_leak`'),
  code: z.string().optional().describe('schemathesis\'s failure code (`ST103`, …), or `LEAK`'),
  title: z.string().describe('what failed, in a few words'),
  message: z.string().describe('why, secrets redacted'),
  request: z.string().describe('`METHOD /path?query` as sent, no credentials'),
  status: z.number().int().optional().describe('HTTP status of the answer (absent: no answer)'),
});
export type FuzzFailure = z.infer<typeof fuzzFailureSchema>;

export const fuzzOperationSchema = z.object({
  api: z.enum(FUZZ_APIS).describe('which API'),
  operation: z.string().describe('`METHOD /path template`'),
  cases: z.number().int().describe('requests sent for it (every phase: examples, coverage, fuzzing, stateful)'),
  failed_cases: z.number().int().describe('of them, answers at least one check failed on'),
  server_errors: z.number().int().describe('answers with a 5xx status'),
  leaks: z.number().int().describe('answers that leaked a stack trace, an internal path or a secret'),
  statuses: z.record(z.number().int()).describe('answers by HTTP status'),
  checks_failed: z.array(z.string()).describe('names of the checks that failed on it'),
});
export type FuzzOperation = z.infer<typeof fuzzOperationSchema>;

export const fuzzApiSchema = z.object({
  api: z.enum(FUZZ_APIS).describe('which API'),
  base_url: z.string().describe('where the requests went'),
  spec: z.string().describe('where the OpenAPI document came from (the gateway\'s own `GET /openapi.json`; Qdrant\'s generated from qdrant-client\'s API layer)'),
  budget_s: z.number().describe('the share of `--budget` it was given (schemathesis `--max-time`)'),
  duration_ms: z.number().describe('how long it ran'),
  cases: z.number().int().describe('requests sent'),
  operations: z.number().int().describe('operations fuzzed'),
  excluded: z.array(z.string()).describe('operations of the document not fuzzed, each with why'),
  scratch_collection: z.string().optional().describe('Qdrant: the collection made for this run (every collection path parameter is it), deleted afterwards'),
  fuzzer_exit_code: z.number().int().nullable().describe('schemathesis\'s own exit code (1: a check failed; null: it was stopped)'),
  error: z.string().optional().describe('why this API could not be fuzzed (its document unreadable, the fuzzer crashed)'),
  healthy_after: z.boolean().describe('the API answered its health probe after fuzzing'),
  health: z.string().describe('what the health probe saw, e.g. `GET /health: 200`'),
});
export type FuzzApiResult = z.infer<typeof fuzzApiSchema>;

export const fuzzResultsSchema = envelope('fuzz', FUZZ_SCHEMA)
  .extend({
    pass: z.boolean().describe('true when every API was fuzzed, no check failed on any answer, and each API was healthy afterwards'),
    reasons: z.array(z.string()).describe('why it did not pass (empty when it passed)'),
    wall_time_ms: z.number().optional().describe('how long the run took'),
    run: z
      .object({
        command: z.string().describe('the command line, secrets redacted'),
        suite_version: z.string().describe('vdb-readiness version'),
        node: z.string().describe('Node.js version'),
        host: z.string().describe('host name of the machine that ran the suite'),
        options: z
          .object({
            target: z.string().describe('`local`, `external` or `containers`'),
            apis: z.array(z.enum(FUZZ_APIS)).describe('APIs fuzzed (`--api`)'),
            budget_s: z.number().describe('`--budget`: seconds of fuzzing, split between the APIs'),
            seed: z.number().int().describe('`--seed` (or the one drawn): the same seed generates the same cases against the same server'),
            allow_writes: z.boolean().describe('`--allow-writes`: the gateway\'s upsert and delete operations fuzzed too'),
          })
          .describe('the options of the run'),
      })
      .describe('how the suite ran'),
    fuzzer: z
      .object({
        name: z.string().describe('`schemathesis`'),
        version: z.string().describe('its version'),
        checks: z.array(z.string()).describe('the checks every answer was judged by (schemathesis\'s, and the suite\'s `no_leak`)'),
      })
      .describe('what generated and judged the requests'),
    target: z
      .object({
        kind: z.string().describe('target provider'),
        gateway_url: z.string().optional().describe('gateway base URL'),
        qdrant_url: z.string().optional().describe('Qdrant base URL'),
      })
      .describe('the system under test'),
    summary: z
      .object({
        cases: z.number().int().describe('requests sent, all APIs'),
        operations: z.number().int().describe('operations fuzzed'),
        failures: z.number().int().describe('failing cases (answers at least one check failed on)'),
        server_errors: z.number().int().describe('answers with a 5xx status'),
        leaks: z.number().int().describe('answers that leaked internals or a secret'),
        saved_cases: z.number().int().describe('failing cases saved under `cases/`'),
      })
      .describe('counts'),
    apis: z.array(fuzzApiSchema).describe('one entry per API fuzzed'),
    operations: z.array(fuzzOperationSchema).describe('one entry per operation fuzzed'),
    failures: z.array(fuzzFailureSchema).describe('every failing case (check failures of one case are one entry each)'),
  })
  .passthrough();
export type FuzzResults = z.infer<typeof fuzzResultsSchema>;

/** A saved failing case (`cases/<n>.json`): what `--replay` sends again. */
export const FUZZ_CASE_SCHEMA = 'vdb-readiness/fuzz-case@1';
export const fuzzCaseSchema = z.object({
  schema: z.literal(FUZZ_CASE_SCHEMA),
  run_id: z.string(),
  api: z.enum(FUZZ_APIS),
  operation: z.string(),
  method: z.string(),
  /** Path and query, as sent, relative to the API's base URL. */
  path: z.string(),
  /** The headers sent, credentials removed. */
  headers: z.record(z.string()),
  /** Whether the API's credential was sent (false: the case was about a request without one). */
  auth: z.boolean(),
  body_base64: z.string().optional(),
  failed: z.array(z.object({ check: z.string(), code: z.string().optional(), title: z.string(), message: z.string() })),
  answer: z.object({ status: z.number().int().optional(), excerpt: z.string() }),
});
export type FuzzCase = z.infer<typeof fuzzCaseSchema>;
