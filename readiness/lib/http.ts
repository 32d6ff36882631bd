import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { excerpt } from '../../src/readiness/evidence.ts';
import { descriptorSecrets } from '../../src/readiness/descriptor.ts';
import { makeRedactor } from '../../src/util/redact.ts';
import type { Redactor } from '../../src/util/redact.ts';
import { record } from './record.ts';
import { target } from './target.ts';

/** Every call has a timeout: a hanging target fails the check, it never hangs the run. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface Reply {
  status: number;
  headers: Record<string, string>;
  text: string;
  ms: number;
  /** The body as JSON; throws a readable error when it is not JSON. */
  json<T = any>(): T; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface CallOptions {
  /** A JSON body (serialised) … */
  body?: unknown;
  /** … or a raw body sent as it is. */
  raw?: string;
  headers?: Record<string, string>;
  /** `default` = the target's key, `none` = no key, any other string = that key. */
  auth?: 'default' | 'none' | { key: string } | { bearer: string };
  /** Source address of the connection (loopback aliases such as 127.0.0.2 for the allowlist check). */
  localAddress?: string;
  timeoutMs?: number;
  /** Evidence label; default `METHOD path`. */
  label?: string;
  /** Do not record evidence (bulk calls such as the performance smoke). */
  quiet?: boolean;
}

let redactor: Redactor | undefined;
const redact = (s: string): string => (redactor ??= makeRedactor(descriptorSecrets(target())))(s);

const agents = new Map<string, Dispatcher>();
function agentFor(localAddress: string | undefined): Dispatcher | undefined {
  if (!localAddress) return undefined;
  let a = agents.get(localAddress);
  if (!a) {
    a = new Agent({ localAddress });
    agents.set(localAddress, a);
  }
  return a;
}

async function call(base: string, authHeader: 'x-api-key' | 'api-key', defaultKey: string | undefined, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  const auth = opts.auth ?? 'default';
  if (auth === 'default' && defaultKey) headers[authHeader] = defaultKey;
  else if (typeof auth === 'object' && 'key' in auth) headers[authHeader] = auth.key;
  else if (typeof auth === 'object' && 'bearer' in auth) headers.authorization = `Bearer ${auth.bearer}`;
  let body: string | undefined;
  if (opts.raw !== undefined) body = opts.raw;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  const timeout = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const label = opts.label ?? `${method} ${path}`;
  const t0 = performance.now();
  let res: Dispatcher.ResponseData;
  try {
    res = await request(`${base}${path}`, {
      method: method as Dispatcher.HttpMethod,
      headers,
      body,
      headersTimeout: timeout,
      bodyTimeout: timeout,
      signal: AbortSignal.timeout(timeout),
      dispatcher: agentFor(opts.localAddress),
    });
  } catch (err) {
    const ms = Math.round(performance.now() - t0);
    const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    if (!opts.quiet) record({ label, request: `${method} ${path}`, latency_ms: ms, note: redact(`no answer: ${why}`) });
    throw new Error(`${method} ${path}: no answer after ${ms} ms (${redact(why)})`);
  }
  const text = await res.body.text();
  const ms = Math.round((performance.now() - t0) * 10) / 10;
  const flatHeaders: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flatHeaders[k] = Array.isArray(v) ? v.join(', ') : v;
  if (!opts.quiet) record({ label, request: `${method} ${path}`, status: res.statusCode, latency_ms: ms, excerpt: redact(excerpt(text)) });
  return {
    status: res.statusCode,
    headers: flatHeaders,
    text,
    ms,
    json() {
      try {
        return JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path} answered ${res.statusCode} with a body that is not JSON: ${redact(excerpt(text, 160))}`);
      }
    },
  };
}

/** The gateway (front door) of the target. */
export const gw = {
  get: (path: string, opts?: CallOptions) => call(target().gateway.url, 'x-api-key', target().gateway.apiKey, 'GET', path, opts),
  post: (path: string, body: unknown, opts?: CallOptions) => call(target().gateway.url, 'x-api-key', target().gateway.apiKey, 'POST', path, { body, ...opts }),
  delete: (path: string, opts?: CallOptions) => call(target().gateway.url, 'x-api-key', target().gateway.apiKey, 'DELETE', path, opts),
  graphql: (query: string, variables?: Record<string, unknown>, opts?: CallOptions) =>
    call(target().gateway.url, 'x-api-key', target().gateway.apiKey, 'POST', '/graphql', { body: { query, variables }, label: `POST /graphql ${query.replace(/\s+/g, ' ').slice(0, 60)}`, ...opts }),
};

export function hasQdrant(): boolean {
  return target().qdrant !== undefined;
}

/** Qdrant directly (health endpoints, snapshots, collection configs). */
export const qd = {
  get: (path: string, opts?: CallOptions) => call(qdrantUrl(), 'api-key', target().qdrant?.apiKey, 'GET', path, opts),
  post: (path: string, body: unknown, opts?: CallOptions) => call(qdrantUrl(), 'api-key', target().qdrant?.apiKey, 'POST', path, { body, ...opts }),
  put: (path: string, body: unknown, opts?: CallOptions) => call(qdrantUrl(), 'api-key', target().qdrant?.apiKey, 'PUT', path, { body, ...opts }),
  delete: (path: string, opts?: CallOptions) => call(qdrantUrl(), 'api-key', target().qdrant?.apiKey, 'DELETE', path, opts),
};

function qdrantUrl(): string {
  const q = target().qdrant;
  if (!q) throw new Error('this target has no Qdrant URL (set VDB_QDRANT_URL)');
  return q.url;
}

/** Raw bytes from Qdrant (snapshot download). */
export async function qdrantBytes(path: string): Promise<Buffer> {
  const q = target().qdrant;
  if (!q) throw new Error('this target has no Qdrant URL');
  const res = await request(`${q.url}${path}`, { headers: q.apiKey ? { 'api-key': q.apiKey } : {}, headersTimeout: DEFAULT_TIMEOUT_MS, bodyTimeout: 60_000 });
  const buf = Buffer.from(await res.body.arrayBuffer());
  record({ label: 'download', request: `GET ${path}`, status: res.statusCode, note: `${buf.length} bytes` });
  if (res.statusCode !== 200) throw new Error(`GET ${path} answered ${res.statusCode}`);
  return buf;
}
