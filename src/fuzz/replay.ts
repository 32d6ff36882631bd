/**
 * `npm run fuzz -- --replay <case file or run dir>`: sends each saved failing case again to the
 * target (with the target's own credential, where the case had one) and says whether it still
 * fails. A 5xx and a leak are judged again here exactly (the same leak checks as the run); any
 * other check (a schema mismatch, a wrong status) is schemathesis's, so the case is said to still
 * fail when the answer's status is the one recorded, and the line says so.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FuzzApi, FuzzCase } from '../results/fuzz.ts';
import { fuzzCaseSchema } from '../results/fuzz.ts';
import { UserError } from '../util/errors.ts';
import { LEAK_CHECK } from './collect.ts';
import { failure, send } from './http.ts';
import { findLeaks } from './leaks.ts';

export interface ReplayEndpoint {
  url: string;
  headers: Record<string, string>;
}

export interface ReplayOutcome {
  file: string;
  case: FuzzCase;
  status?: number;
  stillFails: boolean;
  why: string;
}

/** The case files a path names: one file, or a run directory's `cases/*.json` (or a `cases` directory). */
export function caseFiles(path: string): string[] {
  const s = statSync(path, { throwIfNoEntry: false });
  if (!s) throw new UserError(`no such case file or run directory: ${path}: pass a fuzz run's directory or one of its cases/<n>.json`);
  if (s.isFile()) return [path];
  const dir = statSync(join(path, 'cases'), { throwIfNoEntry: false })?.isDirectory() ? join(path, 'cases') : path;
  const files = readdirSync(dir).filter((f) => /^\d+\.json$/.test(f)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).map((f) => join(dir, f));
  if (files.length === 0) throw new UserError(`${path} holds no saved cases (cases/<n>.json): the run found no failure, or pass a case file`);
  return files;
}

export function readCase(file: string): FuzzCase {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file} is not a saved fuzz case (${(err as Error).message}): pass a fuzz run's cases/<n>.json`);
  }
  const parsed = fuzzCaseSchema.safeParse(json);
  if (!parsed.success) throw new UserError(`${file} is not a saved fuzz case (${parsed.error.issues[0]?.path.join('.') || 'schema'}: ${parsed.error.issues[0]?.message}): pass a fuzz run's cases/<n>.json`);
  return parsed.data;
}

export async function replayCase(file: string, c: FuzzCase, endpoint: ReplayEndpoint, secrets: readonly string[]): Promise<ReplayOutcome> {
  const url = `${endpoint.url.replace(/\/$/, '')}${c.path.startsWith('/') ? '' : '/'}${c.path}`;
  const headers = { ...c.headers, ...(c.auth ? endpoint.headers : {}) };
  const body = c.body_base64 !== undefined ? Buffer.from(c.body_base64, 'base64') : undefined;
  let a;
  try {
    a = await send(url, { method: c.method, headers, ...(body ? { body } : {}), timeoutMs: 15_000 });
  } catch (err) {
    return { file, case: c, stillFails: true, why: `no answer (${failure(err)})` };
  }
  const reasons: string[] = [];
  for (const f of c.failed) {
    if (f.check === 'not_a_server_error') {
      if (a.status >= 500) reasons.push(`a server error again (${f.check})`);
    } else if (f.check === LEAK_CHECK) {
      const leaks = findLeaks({ status: a.status, body: a.body, headers: a.headers }, { url, headers, ...(body ? { body } : {}) }, secrets);
      if (leaks.length) reasons.push(`it leaks ${leaks.join(', ')} again (${f.check})`);
    } else if (a.status === c.answer.status) {
      reasons.push(`the same answer status as recorded (${f.check}${f.code ? ` ${f.code}` : ''}: ${f.title}; that check is schemathesis's)`);
    }
  }
  if (a.status >= 500 && !reasons.some((r) => r.includes('not_a_server_error'))) reasons.push('a server error');
  return reasons.length > 0
    ? { file, case: c, status: a.status, stillFails: true, why: reasons.join('; ') }
    : { file, case: c, status: a.status, stillFails: false, why: `no longer fails (recorded ${c.answer.status ?? 'no answer'}: ${c.failed.map((f) => f.title).join('; ')})` };
}

export async function replayAll(path: string, endpoints: Partial<Record<FuzzApi, ReplayEndpoint>>, secrets: readonly string[], log: (line: string) => void): Promise<ReplayOutcome[]> {
  const files = caseFiles(path);
  const cases = files.map((f) => [f, readCase(f)] as const);
  const missing = [...new Set(cases.map(([, c]) => c.api))].filter((api) => !endpoints[api]);
  if (missing.length) throw new UserError(`the cases need the ${missing.join(' and ')} of the target, which has none: ${missing.includes('qdrant') ? 'set VDB_QDRANT_URL (and VDB_QDRANT_API_KEY)' : 'set VDB_GATEWAY_URL'}`);
  const out: ReplayOutcome[] = [];
  for (const [file, c] of cases) {
    const r = await replayCase(file, c, endpoints[c.api]!, secrets);
    out.push(r);
    const shown = relative(process.cwd(), file) || file;
    log(`${r.stillFails ? '✗ still fails' : '✓ passes    '}  ${shown}  ${c.api} ${c.method} ${c.path.slice(0, 100)} → ${r.status ?? 'no answer'}: ${r.why}`);
  }
  return out;
}
