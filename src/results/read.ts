/**
 * The one reader of the files runs leave behind (results.json, and for `npm run report` also
 * report.json and deployment records): every command that reads one goes through here, so that
 * whatever it is given (a file from another version of the suite, a cut-off copy, an HTML page,
 * an empty file, a directory without results, k6's own output) it says so in one line, with the
 * usage exit code, before anything is written.
 *
 * Versions: a schema id is `vdb-readiness/<kind>@<version>`; additive changes keep the id (and
 * unknown fields pass), anything else bumps it. So a higher version than this suite knows is
 * refused (its fields may mean something else: reading it could judge a run on figures misread),
 * an older one is upgraded when `kinds.ts` knows how, else refused naming the version that wrote it.
 */
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { UserError } from '../util/errors.ts';
import { RUN_KINDS } from './common.ts';
import { KNOWN_SCHEMAS, RESULT_KINDS, kindOfSchema } from './kinds.ts';
import type { AnyResults, ResultKind } from './kinds.ts';

const HINT = 'pass a run directory or its results.json (e.g. reports/out/latest, reports/out/latest-bench/results.json)';

type KindEntry = NonNullable<ReturnType<typeof kindOfSchema>>;

const SCHEMA_ID = /^vdb-readiness\/([a-z0-9-]+)@(\d+)$/;

/** What a parsed JSON document is, as far as the suite can tell. */
export type Identified =
  | { what: 'results'; entry: KindEntry; schema: string }
  /** A vdb-readiness schema id this reader does not read as results: a report.json, another version, another kind. */
  | { what: 'vdb'; schema: string; kind: string; version: number }
  | { what: 'deployment' }
  | { what: 'k6-summary' }
  | { what: 'unknown'; schema: unknown };

export function identify(json: unknown): Identified {
  const o = json !== null && typeof json === 'object' && !Array.isArray(json) ? (json as Record<string, unknown>) : {};
  const schema = o.schema;
  const entry = kindOfSchema(schema);
  if (entry && typeof schema === 'string') return { what: 'results', entry, schema };
  const id = typeof schema === 'string' ? SCHEMA_ID.exec(schema) : null;
  if (id) return { what: 'vdb', schema: schema as string, kind: id[1]!, version: Number(id[2]) };
  // a deployment record (src/deploy/types.ts) carries no schema id; these fields are its own
  if (schema === undefined && ['id', 'action', 'slot', 'outcome', 'by'].every((k) => typeof o[k] === 'string') && Array.isArray(o.events)) return { what: 'deployment' };
  // k6's end-of-test summary (--summary-export, or handleSummary's data)
  if (schema === undefined && typeof o.metrics === 'object' && o.metrics !== null && ('root_group' in o || 'state' in o)) return { what: 'k6-summary' };
  return { what: 'unknown', schema };
}

const versionOf = (schema: string): number => Number(SCHEMA_ID.exec(schema)?.[2] ?? NaN);

/** The suite version the file says wrote it (readiness runs record it), or ''. */
function suiteVersion(json: unknown): string {
  const v = (json as { run?: { suite_version?: unknown } } | null)?.run?.suite_version;
  return typeof v === 'string' ? v : '';
}

/** One line for a schema id newer than this suite reads. */
export function newerSchemaError(file: string, schema: string, readsUpTo: string): UserError {
  return new UserError(`${file} was written by a newer vdb-readiness (schema ${schema}); this one reads up to ${readsUpTo}: upgrade vdb-readiness (git pull && npm ci) to read it`);
}

/** Why a document that is not a run's results cannot be read as one: one line. */
export function notResultsError(file: string, id: Exclude<Identified, { what: 'results' }>, json: unknown): UserError {
  switch (id.what) {
    case 'vdb': {
      const entry = (RESULT_KINDS as Record<string, KindEntry | undefined>)[id.kind];
      if (entry) {
        if (id.version > versionOf(entry.schema)) return newerSchemaError(file, id.schema, entry.schema);
        return new UserError(`${file} was written by an older vdb-readiness${suiteVersion(json) ? ` ${suiteVersion(json)}` : ''} (schema ${id.schema}), which this one no longer reads (known: ${KNOWN_SCHEMAS.join(', ')}): run the ${id.kind} again with this version`);
      }
      if (id.kind === 'report') return new UserError(`${file} is a combined report (${id.schema}), not one run's results: pass one of the runs it was made from, or give it to npm run report`);
      const what = (RUN_KINDS as readonly string[]).includes(id.kind) ? `a kind of results (${id.kind}) this one does not read` : `a kind this one does not know`;
      return new UserError(`${file} was written by a newer vdb-readiness (schema ${id.schema}, ${what}; known: ${KNOWN_SCHEMAS.join(', ')}): upgrade vdb-readiness (git pull && npm ci) to read it`);
    }
    case 'deployment':
      return new UserError(`${file} is a deployment record, not a run's results: pass a readiness or bench run (its directory or results.json); deployment records go to npm run report`);
    case 'k6-summary':
      return new UserError(`${file} is k6's own end-of-test summary, not a results file: run k6 through npm run k6, or import its JSON output (k6 run --out json=k6.json) with npm run bench -- import-k6 k6.json`);
    case 'unknown':
      return new UserError(`${file} is not a vdb-readiness results file (schema ${id.schema === undefined ? 'missing' : JSON.stringify(id.schema)}; known: ${KNOWN_SCHEMAS.join(', ')})`);
  }
}

/**
 * Why a directory gives no file: one line, naming what it holds instead when that helps. With one
 * name (results.json) the line starts `no results file at`, which src/deploy/production-gate.ts
 * reads as "no readiness run yet".
 */
async function notInDir(dir: string, names: string[], hint: string): Promise<UserError> {
  const held = await readdir(dir).catch(() => [] as string[]);
  const none = names.length === 1 ? `no results file at ${join(dir, names[0]!)}` : `${dir} holds no ${names.join(' or ')}`;
  if (held.includes('k6.json')) return new UserError(`${none}, only k6's output: import it first with npm run bench -- import-k6 ${join(dir, 'k6.json')}`);
  if (held.includes('report.json') && !names.includes('report.json')) return new UserError(`${none}, only a combined report (report.json): pass one of the runs it was made from`);
  return new UserError(`${none}${held.length === 0 ? ` (${dir} is empty)` : ''}: ${hint}`);
}

/** A path as given: a file, or a directory holding the first of `names`. */
export async function resolveFile(path: string, names: string[] = ['results.json'], hint = HINT): Promise<string> {
  const s = await stat(path).catch(() => null);
  if (!s) throw new UserError(names.length === 1 ? `no results file at ${path}: ${hint}` : `no such file or directory: ${path}: ${hint}`);
  if (!s.isDirectory()) return path;
  for (const name of names) {
    if (await stat(join(path, name)).catch(() => null)) return join(path, name);
  }
  throw await notInDir(path, names, hint);
}

/** 1-based line and column of a character offset, and its byte offset. */
function where(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const col = pos - before.lastIndexOf('\n');
  return `line ${line}, column ${col}, byte ${Buffer.byteLength(before)}`;
}

/** The first line of a k6 `--out json` file: `{"type":"Metric"|"Point", "metric": …}`. */
function isK6Output(text: string): boolean {
  try {
    const first = JSON.parse(text.slice(0, text.indexOf('\n'))) as { type?: unknown; metric?: unknown };
    return (first.type === 'Metric' || first.type === 'Point') && typeof first.metric === 'string';
  } catch {
    return false;
  }
}

/**
 * Reads a file as one JSON document: one UserError when it cannot be read, is empty, is an HTML
 * page, was cut off mid-document, holds k6's line-per-metric output, or is not JSON at all.
 */
export async function readJson(file: string, hint = HINT): Promise<{ bytes: Buffer; json: unknown }> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(code === 'EACCES' ? `${file} cannot be read (permission denied)` : `no results file at ${file}: ${hint}`);
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const body = text.trimEnd();
  if (body.trim() === '') throw new UserError(`${file} is empty (${bytes.length} bytes): the copy failed or the file was made by hand; ${hint}`);
  const start = body.trimStart();
  if (start.startsWith('<')) {
    const head = start.slice(0, 40).split('\n')[0]!;
    throw new UserError(`${file} is an HTML or XML page, not JSON (it starts with ${JSON.stringify(head)}): a page saved in its place, e.g. a report or a proxy's error page; ${hint}`);
  }
  try {
    return { bytes, json: JSON.parse(text) };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const pos = at ? Number(at[1]) : null;
    const cut = (start.startsWith('{') || start.startsWith('[')) && (pos === null ? /end of JSON input/.test(message) : pos >= body.length);
    if (cut) throw new UserError(`${file} is not complete JSON (it stops after byte ${Buffer.byteLength(body)}, in the middle of the document): a copy cut short or a full disk; copy it again, or re-run the run that wrote it`);
    if (/non-whitespace character after JSON/.test(message) && isK6Output(text)) throw new UserError(`${file} is k6's JSON output (one metric a line), not a results file: import it first with npm run bench -- import-k6 ${file}`);
    const why = message.replace(/ in JSON at position \d+.*$/s, '').replace(/, ".*"(\.\.\.)? is not valid JSON$/s, '');
    throw new UserError(`${file} is not JSON (${why}${pos !== null ? ` at ${where(text, pos)}` : ''}): ${hint}`);
  }
}

/** A results document validated (and upgraded, when it is of an older schema kinds.ts still reads). */
export function parseResults(file: string, json: unknown, id: Extract<Identified, { what: 'results' }>): AnyResults {
  const upgrade = id.entry.upgrades[id.schema];
  const parsed = id.entry.parser.safeParse(upgrade ? upgrade(json as Record<string, unknown>) : json);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.join('.') || '(root)';
  const missing = issue.code === 'invalid_type' && issue.received === 'undefined';
  const v = suiteVersion(json);
  const fix = `written by another version of vdb-readiness${v ? ` (the file says ${v})` : ''} or edited by hand; run the ${id.entry.kind} again`;
  throw new UserError(`${file} is not a valid ${id.entry.schema} file: ${path}: ${missing ? `missing (${id.entry.schema} requires it)` : issue.message}: ${fix}`);
}

/**
 * Reads and validates any kind of results file (older schema versions are upgraded); one clear
 * UserError when it is missing, not JSON, of an unknown or newer schema, invalid, or not of `want`.
 */
export async function readResults(path: string, want?: ResultKind): Promise<AnyResults> {
  const file = await resolveFile(path);
  const { json } = await readJson(file);
  const id = identify(json);
  if (id.what !== 'results') throw notResultsError(file, id, json);
  if (want && id.entry.kind !== want) throw new UserError(`${file} holds a ${id.entry.kind} run: pass the results of a ${want} run`);
  return parseResults(file, json, id);
}
