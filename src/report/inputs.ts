/**
 * What `npm run report` reads: results files of any kind (readiness, bench — k6 runs are bench
 * results with `runner.tool` k6), deployment records (`.stack/deployments/<id>.json`), and a
 * previous combined report's `report.json` (its runs, for `--baseline`). Each input keeps the
 * sha256 of its bytes for the sign-off block.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { BenchResults } from '../results/bench.ts';
import { kindOfSchema } from '../results/kinds.ts';
import type { AnyResults } from '../results/kinds.ts';
import { readResults } from '../results/read.ts';
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
  | (Source & { kind: 'deployment'; record: DeploymentRecord });

export const COMBINED_SCHEMA = 'vdb-readiness/report@1';

export const inputId = (i: RunInput): string => (i.kind === 'deployment' ? i.record.id : i.results.run_id);

export function asInput(results: AnyResults, path: string, sha256 = ''): RunInput {
  return results.kind === 'readiness' ? { kind: 'readiness', results, path, sha256 } : { kind: 'bench', results, path, sha256 };
}

const HINT = 'pass run directories or results.json files (reports/out/<run-id>), deployment records (.stack/deployments/<id>.json) or a report.json';

async function fileOf(path: string): Promise<string> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new UserError(`no such file or directory: ${path}: ${HINT}`);
  if (!s.isDirectory()) return path;
  for (const name of ['results.json', 'report.json']) {
    if (await stat(join(path, name)).catch(() => null)) return join(path, name);
  }
  throw new UserError(`${path} holds no results.json or report.json: ${HINT}`);
}

/** One path: one run, or every run of a combined report.json. */
export async function readInputs(path: string): Promise<RunInput[]> {
  const file = await fileOf(path);
  const bytes = await readFile(file);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new UserError(`${file} is not JSON: ${HINT}`);
  }
  const o = (json ?? {}) as Record<string, unknown>;
  if (o.schema === COMBINED_SCHEMA && Array.isArray(o.runs)) {
    // a previous combined report: its runs, as they were (their own hashes kept)
    return (o.runs as Array<Record<string, unknown>>).map((run) => reviveInput(run, file));
  }
  if (kindOfSchema(o.schema)) return [asInput(await readResults(file), file, sha256)];
  const dep = deploymentRecordSchema.safeParse(json);
  if (dep.success) return [{ kind: 'deployment', record: dep.data, path: file, sha256 }];
  throw new UserError(`${file} is neither a results file, a deployment record nor a report.json: ${HINT}`);
}

function reviveInput(run: Record<string, unknown>, file: string): RunInput {
  const path = typeof run.path === 'string' ? run.path : file;
  const sha256 = typeof run.sha256 === 'string' ? run.sha256 : '';
  if (run.kind === 'deployment') {
    const dep = deploymentRecordSchema.safeParse(run.record);
    if (dep.success) return { kind: 'deployment', record: dep.data, path, sha256 };
  } else {
    const entry = kindOfSchema((run.results as { schema?: unknown } | undefined)?.schema);
    const parsed = entry?.parser.safeParse(run.results);
    if (parsed?.success) return asInput(parsed.data, path, sha256);
  }
  throw new UserError(`${file}: a run in it is not valid (${String(run.kind)} ${path}): re-create the report with npm run report`);
}
