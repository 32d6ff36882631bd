import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createRunDir, markLatest } from '../results/run-dir.ts';
import { reportsOutDir } from '../util/paths.ts';
import { UserError } from '../util/errors.ts';
import { BENCH_SCHEMA, benchResultsSchema } from './results-schema.ts';
import type { BenchResults } from './results-schema.ts';

/** Writes `<outRoot>/<run-id>/results.json` and points `<outRoot>/latest` at it. Returns the file path. */
export async function writeRunResults(results: BenchResults, outRoot = reportsOutDir()): Promise<string> {
  const dir = await createRunDir(results.run_id, outRoot);
  const file = join(dir, 'results.json');
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await markLatest(results.run_id, outRoot);
  return file;
}

/** Reads a bench results file; one clear UserError when it is missing or not one. */
export async function readResultsFile(path: string): Promise<BenchResults> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UserError(`no results file at ${path}: pass the results.json of a bench run (e.g. reports/out/latest/results.json)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not JSON: pass the results.json of a bench run`);
  }
  const schema = (json as { schema?: unknown } | null)?.schema;
  if (schema !== BENCH_SCHEMA) {
    throw new UserError(`${path} is not a bench results file (schema ${schema === undefined ? 'missing' : JSON.stringify(schema)}, expected "${BENCH_SCHEMA}")`);
  }
  const parsed = benchResultsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${path} is not a valid ${BENCH_SCHEMA} file: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
