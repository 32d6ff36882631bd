/**
 * A real HTTP proxy between the readiness suite and a gateway that injects one named fault at a
 * time. Everything else passes through unchanged: status codes, headers (minus hop-by-hop ones)
 * and bodies. The upstream connection leaves from the client's own source address, so the
 * gateway's IP allowlist sees the suite's client (127.0.0.2 stays 127.0.0.2) through the proxy.
 *
 * Hand-written on node:http + undici: a proxy that rewrites whole answers needs the buffered
 * request and answer in hand, which generic proxy libraries (stream-through) do not give.
 */
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';

export const FAULTS = [
  'lying-health',
  'health-wrong-shape',
  'missing-auth',
  'unordered-results',
  'wrong-results',
  'wrong-scores',
  'truncated-results',
  'broken-batch',
  'cache-off',
  'slow-search',
  'missing-metrics',
  'metrics-404',
  'leaked-stack-traces',
  'broken-graphql-field',
  'missing-model',
  'allowlist-bypass',
] as const;
export type FaultName = (typeof FAULTS)[number];

export interface FaultProxyOptions {
  /** The gateway's front door, e.g. `http://127.0.0.1:8000`. */
  upstream: string;
  /** A valid gateway key: `missing-auth` adds it to requests that carry none. */
  apiKey: string;
  /** The model whose health and list entry `missing-model` removes. */
  missingModel?: string;
  /** The model whose searches `slow-search` delays. */
  slowModel?: string;
  /** Delay added by `slow-search`. */
  slowMs?: number;
}

export interface FaultProxy {
  url: string;
  /** The fault injected from now on (`null`: pass everything through). */
  setFault(fault: FaultName | null): void;
  readonly fault: FaultName | null;
  /** Requests seen, per fault (`healthy` when none); lets a test prove the suite went through the proxy. */
  readonly seen: Record<string, number>;
  close(): Promise<void>;
}

interface Exchange {
  method: string;
  /** Path and query, as the client sent it. */
  url: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Headers that describe one hop, never forwarded (RFC 9110 §7.6.1), plus lengths we recompute. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'content-length']);
const PUBLIC_PATHS = new Set(['/health', '/api/v1/health', '/metrics', '/openapi.json']);
const SEARCH_PATHS = new Set(['/api/v1/vectors/search', '/api/v1/vectors/search/batch']);
const HEALTH_PATHS = new Set(['/api/v1/health', '/api/v1/infrastructure/health']);

/** A Node stack frame with an internal path: what a leaking error handler sends. */
const LEAKED_STACK = [
  "TypeError: Cannot read properties of undefined (reading 'points')",
  '    at VectorService.search (/srv/gateway/src/vectors/service.ts:88:17)',
  '    at async Object.<anonymous> (/srv/gateway/node_modules/fastify/lib/handleRequest.js:49:20)',
].join('\n');

function forwardHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v;
  return out;
}

function header(h: Record<string, string | string[]>, name: string): string | undefined {
  const v = Object.entries(h).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Rewrites a JSON answer; anything that is not plain JSON (encoded, not parseable) passes unchanged. */
function mapJson(ans: Answer, fn: (body: any) => unknown): Answer { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (header(ans.headers, 'content-encoding')) return ans;
  let parsed: unknown;
  try {
    parsed = JSON.parse(ans.body.toString('utf8'));
  } catch {
    return ans;
  }
  const next = fn(parsed);
  return { ...ans, body: Buffer.from(JSON.stringify(next === undefined ? parsed : next)) };
}

function requestJson(ex: Exchange): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  try {
    return JSON.parse(ex.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** The GraphQL query text of a request, lower-cased ('' when not GraphQL). */
function graphqlQuery(ex: Exchange): string {
  if (ex.path !== '/graphql') return '';
  const q = requestJson(ex)?.query;
  return typeof q === 'string' ? q : '';
}

type SearchHit = { id: number | string; score: number };

/** Applies `fn` to every search result list of a REST (single or batch) or GraphQL search answer. */
function mapSearchResults(ex: Exchange, ans: Answer, fn: (hits: SearchHit[]) => SearchHit[]): Answer {
  if (ans.status !== 200) return ans;
  if (SEARCH_PATHS.has(ex.path)) {
    return mapJson(ans, (b) => {
      if (Array.isArray(b?.results)) b.results = fn(b.results);
      if (Array.isArray(b?.responses)) for (const r of b.responses) if (Array.isArray(r?.results)) r.results = fn(r.results);
    });
  }
  if (/\bsearch\s*\(/.test(graphqlQuery(ex))) {
    return mapJson(ans, (b) => {
      const s = b?.data?.search;
      if (s && Array.isArray(s.results)) s.results = fn(s.results);
    });
  }
  return ans;
}

/** Every health shape the gateway has (REST readiness, infrastructure, GraphQL), painted healthy. */
function paintHealthy(h: any): void { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!h || typeof h !== 'object') return;
  if ('status' in h) h.status = 'healthy';
  const comps = Array.isArray(h.components) ? h.components : h.components && typeof h.components === 'object' ? Object.values(h.components) : [];
  for (const c of comps as Array<Record<string, unknown>>) {
    c.status = 'healthy';
    delete c.error;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Fault {
  /** What the fault imitates, for test names and logs. */
  describe: string;
  /** Alters the request before it goes upstream. */
  request?(ex: Exchange, opts: Required<FaultProxyOptions>): void;
  /** Connects upstream from this address instead of the client's. */
  sourceAddress?: string;
  /** Alters the answer before the client sees it. */
  answer?(ex: Exchange, ans: Answer, opts: Required<FaultProxyOptions>): Answer | Promise<Answer>;
}

const FAULT_TABLE: Record<FaultName, Fault> = {
  'lying-health': {
    describe: 'health says healthy whatever its dependencies say (run it with a dependency stopped)',
    answer(ex, ans) {
      if (HEALTH_PATHS.has(ex.path)) return { ...mapJson(ans, paintHealthy), status: 200 };
      if (ex.path === '/api/v1/production/readiness') {
        return mapJson(ans, (b) => {
          b.ready = true;
          for (const c of b.checks ?? []) c.pass = true;
        });
      }
      if (/\bhealth\b/.test(graphqlQuery(ex))) return mapJson(ans, (b) => paintHealthy(b?.data?.health));
      return ans;
    },
  },
  'health-wrong-shape': {
    describe: 'readiness answers 200 {"status":"ok"}: not the contract\'s status, no components',
    answer(ex, ans) {
      if (ex.path === '/api/v1/health') return { ...ans, status: 200, body: Buffer.from('{"status":"ok"}') };
      return ans;
    },
  },
  'missing-auth': {
    describe: 'requests without an API key are let through (the proxy adds a valid key)',
    request(ex, opts) {
      if (PUBLIC_PATHS.has(ex.path)) return;
      if (header(ex.headers, 'x-api-key') === undefined && header(ex.headers, 'authorization') === undefined) ex.headers['x-api-key'] = opts.apiKey;
    },
  },
  'unordered-results': {
    describe: 'search results come back worst first',
    answer: (ex, ans) => mapSearchResults(ex, ans, (hits) => [...hits].reverse()),
  },
  'wrong-results': {
    describe: 'search results carry other points\' ids (scores unchanged)',
    answer: (ex, ans) => mapSearchResults(ex, ans, (hits) => hits.map((h) => ({ ...h, id: typeof h.id === 'number' ? h.id + 7 : `${h.id}-x` }))),
  },
  'wrong-scores': {
    describe: 'search scores are off by 5 % (ids and order unchanged)',
    answer: (ex, ans) => mapSearchResults(ex, ans, (hits) => hits.map((h) => ({ ...h, score: h.score * 0.95 }))),
  },
  'truncated-results': {
    describe: 'searches return only half of the points the limit asks for',
    answer: (ex, ans) => mapSearchResults(ex, ans, (hits) => hits.slice(0, Math.ceil(hits.length / 2))),
  },
  'broken-batch': {
    describe: 'batch search answers 200 with no responses',
    answer(ex, ans) {
      if (ex.path !== '/api/v1/vectors/search/batch' || ans.status !== 200) return ans;
      return mapJson(ans, (b) => void (b.responses = []));
    },
  },
  'cache-off': {
    describe: 'the search cache is never used (every answer says cached: false)',
    request(ex) {
      // A fresh score_threshold each time: the gateway never sees the same search twice.
      if (ex.path !== '/api/v1/vectors/search') return;
      const b = requestJson(ex);
      if (!b || typeof b !== 'object' || b.score_threshold === undefined) return;
      b.score_threshold = Number(b.score_threshold) - Math.random() * 1e-9;
      ex.body = Buffer.from(JSON.stringify(b));
    },
  },
  'slow-search': {
    describe: 'every search on one model takes longer (slowMs)',
    async answer(ex, ans, opts) {
      if (ex.path !== '/api/v1/vectors/search') return ans;
      const b = requestJson(ex);
      if (b?.model === opts.slowModel || b?.collection === opts.slowModel) await sleep(opts.slowMs);
      return ans;
    },
  },
  'missing-metrics': {
    describe: '/metrics lacks every latency series',
    answer(ex, ans) {
      if (ex.path !== '/metrics' || ans.status !== 200) return ans;
      const kept = ans.body.toString('utf8').split('\n').filter((line) => !/latency/.test(line));
      return { ...ans, body: Buffer.from(kept.join('\n')) };
    },
  },
  'metrics-404': {
    describe: '/metrics is not served',
    answer(ex, ans) {
      if (ex.path !== '/metrics') return ans;
      return {
        status: 404,
        headers: { ...ans.headers, 'content-type': 'application/json; charset=utf-8' },
        body: Buffer.from(JSON.stringify({ error: { code: 'GW_ERR_NOT_FOUND', message: 'route GET /metrics not found' } })),
      };
    },
  },
  'leaked-stack-traces': {
    describe: 'error answers carry a Node stack trace with source paths',
    answer(_ex, ans) {
      if (ans.status < 400) return ans;
      return mapJson(ans, (b) => {
        if (b?.error && typeof b.error === 'object') {
          b.error.message = `${String(b.error.message ?? '')}\n${LEAKED_STACK}`;
          b.error.stack = LEAKED_STACK;
        }
      });
    },
  },
  'broken-graphql-field': {
    describe: 'GraphQL health.status comes back null',
    answer(ex, ans) {
      if (!/\bhealth\b/.test(graphqlQuery(ex))) return ans;
      return mapJson(ans, (b) => {
        if (b?.data?.health) b.data.health.status = null;
      });
    },
  },
  'missing-model': {
    describe: 'one model is gone: its health is 404 and the lists omit it',
    answer(ex, ans, opts) {
      const m = opts.missingModel;
      if (ex.path === `/api/v1/models/${m}/health`) {
        return {
          status: 404,
          headers: { ...ans.headers, 'content-type': 'application/json; charset=utf-8' },
          body: Buffer.from(JSON.stringify({ error: { code: 'GW_ERR_MODEL_NOT_FOUND', message: `model ${m} not found` } })),
        };
      }
      if (ex.path === '/api/v1/models') return mapJson(ans, (b) => void (b.models = (b.models ?? []).filter((x: { name: string }) => x.name !== m)));
      if (/\bmodels\b/.test(graphqlQuery(ex))) {
        return mapJson(ans, (b) => {
          if (Array.isArray(b?.data?.models)) b.data.models = b.data.models.filter((x: { name: string }) => x.name !== m);
        });
      }
      return ans;
    },
  },
  'allowlist-bypass': {
    describe: 'the proxy hides the client address (every request reaches the gateway from 127.0.0.1)',
    sourceAddress: '127.0.0.1',
  },
};

export function describeFault(f: FaultName): string {
  return FAULT_TABLE[f].describe;
}

function clientAddress(req: IncomingMessage): string {
  const a = req.socket.remoteAddress ?? '127.0.0.1';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, ans: Answer): void {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(ans.headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
  headers['content-length'] = String(ans.body.length);
  res.writeHead(ans.status, headers).end(ans.body);
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const opts: Required<FaultProxyOptions> = { missingModel: 'phi3', slowModel: 'general', slowMs: 300, ...options, upstream: options.upstream.replace(/\/$/, '') };
  let fault: FaultName | null = null;
  const seen: Record<string, number> = {};
  const agents = new Map<string, Dispatcher>();
  const agentFrom = (address: string): Dispatcher => {
    let a = agents.get(address);
    if (!a) {
      a = new Agent({ localAddress: address });
      agents.set(address, a);
    }
    return a;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const active = fault ? FAULT_TABLE[fault] : undefined;
      seen[fault ?? 'healthy'] = (seen[fault ?? 'healthy'] ?? 0) + 1;
      const url = req.url ?? '/';
      const ex: Exchange = { method: req.method ?? 'GET', url, path: url.split('?')[0] ?? url, headers: forwardHeaders(req.headers), body: await readBody(req) };
      active?.request?.(ex, opts);
      let ans: Answer;
      try {
        const up = await request(`${opts.upstream}${ex.url}`, {
          method: ex.method as Dispatcher.HttpMethod,
          headers: ex.headers,
          body: ex.body.length > 0 ? ex.body : undefined,
          dispatcher: agentFrom(active?.sourceAddress ?? clientAddress(req)),
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        const headers: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers)) if (v !== undefined) headers[k] = v;
        ans = { status: up.statusCode, headers, body: Buffer.from(await up.body.arrayBuffer()) };
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        send(res, { status: 502, headers: { 'content-type': 'text/plain' }, body: Buffer.from(`fault-proxy: no answer from ${opts.upstream}: ${why}`) });
        return;
      }
      if (active?.answer) ans = await active.answer(ex, ans, opts);
      send(res, ans);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(`fault-proxy bug: ${String(err)}`);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    setFault(f) {
      fault = f;
    },
    get fault() {
      return fault;
    },
    seen,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await Promise.all([...agents.values()].map((a) => a.close()));
    },
  };
}
