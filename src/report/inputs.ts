/**
 * What `npm run report` reads: results files of any kind (readiness, bench — k6 runs are bench
 * results with `runner.tool` k6 — and capacity, a plan beside the verdict), deployment records (`.stack/deployments/<id>.json`), and a
 * previous combined report's `report.json` (its runs, for `--baseline`). Each input keeps the
 * sha256 of its bytes for the sign-off block.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { BenchResults } from '../results/bench.ts';
import type { CapacityResults } from '../results/capacity.ts';
import type { AnyResults } from '../results/kinds.ts';
import { identify, newerSchemaError, notResultsError, parseResults, readJson, resolveFile } from '../results/read.ts';
import type { ReadinessResults } from '../results/readiness.ts';
import { UserError } from '../util/errors.ts';

/** A deployment record as the deployer writes it (src/deploy/types.ts); read loosely, unknown fields pass. */
export const deploymentRecordSchema = z
  .object({
    id: z.string(),
    action: z.string(),
    version: z.string(),
    slot: z.string(),
    from_slot: z.string().nullable(),
    from_version: z.string().nullable(),
    outcome: z.string(),
    reason: z.string().nullable(),
    started_at: z.string(),
    finished_at: z.string(),
    by: z.string(),
    checks: z.array(z.object({ name: z.string(), pass: z.boolean(), detail: z.string() })),
    analysis: z.array(
      z.object({
        index: z.number(),
        started_at: z.string(),
        probe: z.object({ requests: z.number(), errors: z.number(), p95_ms: z.number().nullable() }),
        live: z.object({ requests: z.number(), errors: z.number(), p95_ms: z.number().nullable() }),
        pass: z.boolean(),
        reason: z.string().nullable(),
      }),
    ),
    events: z.array(z.object({ at: z.string(), kind: z.string(), detail: z.string() })),
  })
  .passthrough();
export type DeploymentRecord = z.infer<typeof deploymentRecordSchema>;

interface Source {
  /** As given on the command line. */
  path: string;
  /** sha256 of the file's bytes (hex). */
  sha256: string;
}
export type RunInput =
  | (Source & { kind: 'readiness'; results: ReadinessResults })
  | (Source & { kind: 'bench'; results: BenchResults })
  | (Source & { kind: 'capacity'; results: CapacityResults })
  | (Source & { kind: 'deployment'; record: DeploymentRecord });

export const COMBINED_SCHEMA = 'vdb-readiness/report@1';

export const inputId = (i: RunInput): string => (i.kind === 'deployment' ? i.record.id : i.results.run_id);

export function asInput(results: AnyResults, path: string, sha256 = ''): RunInput {
  if (results.kind === 'fuzz') throw new UserError(`${path} is a fuzz run: its report is its own report.html beside it; npm run report combines readiness, bench, k6 and capacity runs and deployment records`);
  if (results.kind === 'capacity') return { kind: 'capacity', results, path, sha256 };
  return results.kind === 'readiness' ? { kind: 'readiness', results, path, sha256 } : { kind: 'bench', results, path, sha256 };
}

const HINT = 'pass run directories or results.json files (reports/out/<run-id>), deployment records (.stack/deployments/<id>.json) or a report.json';

/** One path: one run, or every run of a combined report.json. Refused in one line when it is neither (src/results/read.ts). */
export async function readInputs(path: string): Promise<RunInput[]> {
  const file = await resolveFile(path, ['results.json', 'report.json'], HINT);
  const { bytes, json } = await readJson(file, HINT);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const id = identify(json);
  if (id.what === 'vdb' && id.kind === 'report') {
    if (id.schema !== COMBINED_SCHEMA) throw newerSchemaError(file, id.schema, COMBINED_SCHEMA);
    const runs = (json as { runs?: unknown }).runs;
    if (!Array.isArray(runs)) throw new UserError(`${file} is a report.json without its runs: make it again with npm run report`);
    // a previous combined report: its runs, as they were (their own hashes kept)
    return runs.map((run: unknown) => reviveInput(run, file));
  }
  if (id.what === 'results') return [asInput(parseResults(file, json, id), file, sha256)];
  if (id.what === 'deployment') {
    const dep = deploymentRecordSchema.safeParse(json);
    if (dep.success) return [{ kind: 'deployment', record: dep.data, path: file, sha256 }];
    const issue = dep.error.issues[0]!;
    throw new UserError(`${file} is not a valid deployment record: ${issue.path.join('.') || '(root)'}: ${issue.message}: pass the record as npm run deploy wrote it (.stack/deployments/<id>.json)`);
  }
  if (id.what === 'unknown') throw new UserError(`${file} is neither a results file, a deployment record nor a report.json: ${HINT}`);
  throw notResultsError(file, id, json);
}

function reviveInput(item: unknown, file: string): RunInput {
  const run = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
  const path = typeof run.path === 'string' ? run.path : file;
  const sha256 = typeof run.sha256 === 'string' ? run.sha256 : '';
  if (run.kind === 'deployment') {
    const dep = deploymentRecordSchema.safeParse(run.record);
    if (dep.success) return { kind: 'deployment', record: dep.data, path, sha256 };
  } else {
    const where = `${file} (its run ${path})`;
    const id = identify(run.results);
    if (id.what === 'results') return asInput(parseResults(where, run.results, id), path, sha256);
    if (id.what === 'vdb') throw notResultsError(where, id, run.results);
  }
  throw new UserError(`${file}: a run in it is not valid (${typeof run.kind === 'string' ? `${run.kind} ` : ''}${path}): make the report again with npm run report`);
}
