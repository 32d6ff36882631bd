import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { KNOWN_SCHEMAS, kindOfSchema } from './kinds.ts';
import type { AnyResults, ResultKind } from './kinds.ts';

const HINT = 'pass a run directory or its results.json (e.g. reports/out/latest, reports/out/latest-bench/results.json)';

/** A run directory means its results.json. */
async function resultsPath(path: string): Promise<string> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new UserError(`no results file at ${path}: ${HINT}`);
  return s.isDirectory() ? join(path, 'results.json') : path;
}

/**
 * Reads and validates any kind of results file (older schema versions are upgraded); one clear
 * UserError when it is missing, not JSON, of an unknown schema, invalid, or not of `want`.
 */
export async function readResults(path: string, want?: ResultKind): Promise<AnyResults> {
  const file = await resultsPath(path);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UserError(`no results file at ${file}: ${HINT}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${file} is not JSON: ${HINT}`);
  }
  const schema = (json as { schema?: unknown } | null)?.schema;
  const entry = kindOfSchema(schema);
  if (!entry) {
    throw new UserError(`${file} is not a vdb-readiness results file (schema ${schema === undefined ? 'missing' : JSON.stringify(schema)}; known: ${KNOWN_SCHEMAS.join(', ')})`);
  }
  if (want && entry.kind !== want) throw new UserError(`${file} holds a ${entry.kind} run: pass the results of a ${want} run`);
  const upgrade = typeof schema === 'string' ? entry.upgrades[schema] : undefined;
  const parsed = entry.parser.safeParse(upgrade ? upgrade(json as Record<string, unknown>) : json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file} is not a valid ${entry.schema} file: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}
