/**
 * Reads schemathesis's NDJSON event stream (`--report ndjson`) of one API: every exchange it
 * recorded (request, answer, the result of each check), counted per operation, judged again by the
 * suite's leak checks (leaks.ts), and every failing case turned into a case file for `--replay`.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { FuzzApi, FuzzCase, FuzzFailure, FuzzOperation } from '../results/fuzz.ts';
import { FUZZ_CASE_SCHEMA } from '../results/fuzz.ts';
import { isSecretHeader, makeRedactor } from '../util/redact.ts';
import { findLeaks } from './leaks.ts';

export const LEAK_CHECK = 'no_leak';

interface Interaction {
  request: { method: string; uri: string; headers: Record<string, string[]>; body?: { $base64?: string; string?: string } | null };
  response?: { status_code: number; headers: Record<string, string[]>; content?: { $base64?: string; string?: string } | null } | null;
}
interface CheckEntry {
  name: string;
  status: string;
  failure_info?: { failure?: { code?: string; title?: string; message?: string } };
}
interface Recorder {
  label: string;
  interactions?: Record<string, Interaction>;
  checks?: Record<string, CheckEntry[]>;
}

export interface Collected {
  cases: number;
  operations: FuzzOperation[];
  /** Each failure names its case by index into `failing`. */
  failures: Array<FuzzFailure & { caseIndex: number }>;
  failing: FuzzCase[];
  /** Of the events, how many were read, and the schemathesis version they say. */
  version?: string;
}

/** Headers that describe the connection, not the case: left out of a saved case. */
const HOP = new Set(['connection', 'content-length', 'accept-encoding', 'user-agent', 'host', 'keep-alive']);
/** A case about a request sent without credentials (schemathesis's ignored_auth). */
const NO_AUTH_CODES = new Set(['ST401']);

const decode = (b: { $base64?: string; string?: string } | null | undefined): Buffer =>
  !b ? Buffer.alloc(0) : b.$base64 !== undefined ? Buffer.from(b.$base64, 'base64') : Buffer.from(b.string ?? '', 'utf8');
const flat = (h: Record<string, string[]> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]));

export interface CollectOptions {
  api: FuzzApi;
  baseUrl: string;
  runId: string;
  secrets: readonly string[];
  /** The document's `METHOD /template` names: exchanges of a scenario that spans operations (the stateful phase) are counted under the one they match. */
  operations?: string[];
}

/** `METHOD /template` → matcher of a request's method and path. */
export function operationMatcher(names: string[]): (method: string, path: string) => string | undefined {
  const compiled = names.map((name) => {
    const [method, template = ''] = name.split(' ');
    const re = new RegExp(`^${template.split(/\{[^}]+\}/).map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
    return { name, method: method!.toUpperCase(), re, literal: !template.includes('{') };
  });
  // a literal path wins over a template that also matches it (/collections/aliases vs /collections/{name})
  compiled.sort((a, b) => Number(b.literal) - Number(a.literal));
  return (method, path) => {
    const p = path.split('?')[0]!;
    return compiled.find((c) => c.method === method.toUpperCase() && c.re.test(p))?.name;
  };
}

/** The path and query of `uri` relative to the API's base URL. */
export function relativePath(uri: string, baseUrl: string): string {
  const base = baseUrl.replace(/\/$/, '');
  if (uri.startsWith(base)) return uri.slice(base.length) || '/';
  try {
    const u = new URL(uri);
    return `${u.pathname}${u.search}`;
  } catch {
    return uri;
  }
}

export async function collectEvents(file: string, o: CollectOptions): Promise<Collected> {
  const redact = makeRedactor(o.secrets);
  const ops = new Map<string, FuzzOperation>();
  const failures: Collected['failures'] = [];
  const failing: FuzzCase[] = [];
  let cases = 0;
  let version: string | undefined;
  const known = new Set(o.operations ?? []);
  const match = operationMatcher(o.operations ?? []);
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    let event: Record<string, unknown>;
    try {
      event = JSON.parse(line) as Record<string, unknown>;
    } catch {
      continue; // a line cut off by a stopped fuzzer
    }
    const init = event.Initialize as { schemathesis_version?: string } | undefined;
    if (init?.schemathesis_version) version = init.schemathesis_version;
    const finished = event.ScenarioFinished as { recorder?: Recorder } | undefined;
    const rec = finished?.recorder;
    if (!rec?.interactions) continue;
    for (const [id, ix] of Object.entries(rec.interactions)) {
      const path = relativePath(ix.request.uri, o.baseUrl);
      const label = known.has(rec.label) ? rec.label : (match(ix.request.method, path) ?? rec.label);
      let op = ops.get(label);
      if (!op) ops.set(label, (op = { api: o.api, operation: label, cases: 0, failed_cases: 0, server_errors: 0, leaks: 0, statuses: {}, checks_failed: [] }));
      cases += 1;
      op.cases += 1;
      const status = ix.response?.status_code;
      const key = status === undefined ? 'none' : String(status);
      op.statuses[key] = (op.statuses[key] ?? 0) + 1;
      if (status !== undefined && status >= 500) op.server_errors += 1;
      const failed: FuzzCase['failed'] = [];
      for (const c of rec.checks?.[id] ?? []) {
        if (c.status !== 'failure') continue;
        const f = c.failure_info?.failure ?? {};
        failed.push({ check: c.name, ...(f.code ? { code: f.code } : {}), title: f.title ?? c.name, message: redact(f.message ?? '') });
      }
      const reqHeaders = flat(ix.request.headers);
      const reqBody = decode(ix.request.body);
      const answerBody = decode(ix.response?.content).toString('utf8');
      if (ix.response) {
        const leaks = findLeaks({ status: ix.response.status_code, body: answerBody, headers: flat(ix.response.headers) }, { url: ix.request.uri, headers: reqHeaders, body: reqBody }, o.secrets);
        if (leaks.length > 0) {
          op.leaks += 1;
          failed.push({ check: LEAK_CHECK, code: 'LEAK', title: 'the answer leaks internals or a secret', message: `it shows ${leaks.join(', ')}` });
        }
      }
      if (failed.length === 0) continue;
      op.failed_cases += 1;
      for (const f of failed) if (!op.checks_failed.includes(f.check)) op.checks_failed.push(f.check);
      const headers = Object.fromEntries(Object.entries(reqHeaders).filter(([k]) => !isSecretHeader(k) && !HOP.has(k.toLowerCase())).map(([k, v]) => [k, redact(v)]));
      const saved: FuzzCase = {
        schema: FUZZ_CASE_SCHEMA,
        run_id: o.runId,
        api: o.api,
        operation: label,
        method: ix.request.method,
        path: redact(path),
        headers,
        auth: !failed.some((f) => f.code && NO_AUTH_CODES.has(f.code)),
        ...(reqBody.length ? { body_base64: reqBody.toString('base64') } : {}),
        failed,
        answer: { ...(status !== undefined ? { status } : {}), excerpt: redact(answerBody.slice(0, 600)) },
      };
      failing.push(saved);
      for (const f of failed) {
        failures.push({
          api: o.api,
          operation: label,
          check: f.check,
          ...(f.code ? { code: f.code } : {}),
          title: f.title,
          message: f.message,
          request: `${ix.request.method} ${redact(path)}`,
          ...(status !== undefined ? { status } : {}),
          caseIndex: failing.length - 1,
        });
      }
    }
  }
  return { cases, operations: [...ops.values()], failures, failing, ...(version ? { version } : {}) };
}
