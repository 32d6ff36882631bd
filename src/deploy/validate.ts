/**
 * Pre-switch validation of a new slot, against its direct TCP URL (the front door still serves
 * the old one). Always: `/health` (and the slot/version it reports), its unix socket,
 * `/api/v1/health` not unhealthy, and every model's health. With --validate also: one planted-truth
 * search per model whose collection holds the suite's fixture (a model without it: a search
 * answering 200 and well-formed), auth (no key 401, the key 200) and `/metrics` carrying
 * `gateway_http_*` series. One DeployCheck each; the caller stops at the first failure.
 */
import { queryAt } from '../../fixtures/src/index.ts';
import { detectFixtureModels, fixtureSpec } from '../readiness/seed.ts';
import { gatewayClient, type ModelInfo } from '../readiness/gateway-client.ts';
import { socketReady } from '../launcher/services/gateway.ts';
import { errorMessage } from '../util/errors.ts';
import type { DeployCheck } from './types.ts';

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
  ms: number;
}

const TIMEOUT_MS = 10_000;

async function call(url: string, path: string, opts: { key?: string; body?: unknown } = {}): Promise<Answer> {
  const t0 = performance.now();
  const headers: Record<string, string> = {};
  if (opts.key) headers['x-api-key'] = opts.key;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${url}${path}`, {
    method: opts.body !== undefined ? 'POST' : 'GET',
    headers,
    body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json, ms: performance.now() - t0 };
}

const ms = (a: Answer): string => `${a.status} in ${a.ms.toFixed(0)} ms`;
const excerpt = (a: Answer): string => a.text.replace(/\s+/g, ' ').slice(0, 160);

export interface ValidateTarget {
  name: string;
  url: string;
  socket: string;
  version: string;
}

export interface Validation {
  checks: DeployCheck[];
  /** The slot's models (for the probe traffic), when it listed them. */
  models: ModelInfo[];
}

/** Runs the checks in order, each reported through `onCheck`; stops after the first failure. */
export async function validateSlot(slot: ValidateTarget, key: string, full: boolean, onCheck: (c: DeployCheck) => void = () => undefined): Promise<Validation> {
  const checks: DeployCheck[] = [];
  let models: ModelInfo[] = [];
  const run = async (name: string, fn: () => Promise<string>): Promise<boolean> => {
    let c: DeployCheck;
    try {
      c = { name, pass: true, detail: await fn() };
    } catch (err) {
      c = { name, pass: false, detail: errorMessage(err) };
    }
    checks.push(c);
    onCheck(c);
    return c.pass;
  };
  const fail = (msg: string): never => {
    throw new Error(msg);
  };

  const ok =
    (await run('health', async () => {
      const a = await call(slot.url, '/health');
      if (a.status !== 200) fail(`GET /health answered ${ms(a)}: ${excerpt(a)}`);
      const s = a.headers.get('x-gateway-slot');
      const v = a.headers.get('x-gateway-version');
      if (s !== null && s !== slot.name) fail(`it says it is slot ${s}, not ${slot.name}`);
      if (v !== null && v !== slot.version) fail(`it reports version ${v}, not ${slot.version}`);
      return `${ms(a)}${s === null ? ' (no x-gateway-slot header)' : ` as ${s} ${v ?? '?'}`}`;
    })) &&
    (await run('socket', async () => {
      if (!socketReady(slot.socket)) fail(`${slot.socket} is not a listening socket`);
      return slot.socket;
    })) &&
    (await run('readiness', async () => {
      const a = await call(slot.url, '/api/v1/health');
      const body = a.json as { status?: string; components?: Array<{ name?: string; status?: string; detail?: string }> } | undefined;
      if (a.status !== 200) {
        const bad = (body?.components ?? []).filter((c) => c.status !== 'healthy').map((c) => `${c.name}: ${c.status}${c.detail ? ` (${c.detail})` : ''}`);
        fail(`GET /api/v1/health answered ${ms(a)}${bad.length ? `: ${bad.join(', ')}` : `: ${excerpt(a)}`}`);
      }
      return `${body?.status ?? '?'} (${ms(a)})`;
    })) &&
    (await run('models', async () => {
      const a = await call(slot.url, '/api/v1/models', { key });
      if (a.status !== 200) fail(`GET /api/v1/models answered ${ms(a)}: ${excerpt(a)}`);
      models = ((a.json as { models?: ModelInfo[] }).models ?? []).filter((m) => typeof m?.name === 'string');
      if (models.length === 0) fail('the slot lists no models');
      return `${models.length} models: ${models.map((m) => m.name).join(', ')}`;
    }));
  if (!ok) return { checks, models };

  // Always, even without --validate: nine quick calls that catch a model configured with the
  // wrong dimension or collection before the version takes any traffic.
  for (const m of models) {
    if (!(await run(`model ${m.name} health`, async () => {
      const a = await call(slot.url, `/api/v1/models/${encodeURIComponent(m.name)}/health`, { key });
      const st = (a.json as { status?: string } | undefined)?.status;
      // degraded = the model's external endpoint does not answer: not this version's fault
      if (a.status !== 200 || (st !== 'healthy' && st !== 'degraded')) fail(`GET /api/v1/models/${m.name}/health answered ${ms(a)}, status ${st ?? '?'}: ${excerpt(a)}`);
      return `${st} (${ms(a)})`;
    }))) return { checks, models };
  }
  if (!full) return { checks, models };

  const notes: string[] = [];
  const withFixture = new Set(await detectFixtureModels(gatewayClient(slot.url, key), models, notes));
  for (const m of models) {
    const planted = withFixture.has(m.name);
    if (!(await run(planted ? `planted search ${m.name}` : `search ${m.name}`, async () => {
      const q = planted ? queryAt(fixtureSpec(m), 0) : null;
      const vector = q ? Array.from(q.vector) : Array.from({ length: m.dimension }, (_, i) => Math.sin(i + 1));
      const a = await call(slot.url, '/api/v1/vectors/search', { key, body: { model: m.name, query_vector: vector, limit: 10 } });
      const results = (a.json as { results?: Array<{ id?: unknown; score?: unknown }> } | undefined)?.results;
      if (a.status !== 200 || !Array.isArray(results)) fail(`search answered ${ms(a)}: ${excerpt(a)}`);
      if (!results!.every((r) => (typeof r.id === 'number' || typeof r.id === 'string') && typeof r.score === 'number')) fail(`malformed results: ${excerpt(a)}`);
      if (!q) return `200, ${results!.length} results, well-formed (no suite fixture in ${m.collection})`;
      const got = results![0]?.id;
      if (String(got) !== String(q.neighbors[0])) fail(`the best hit is ${String(got)}, the planted nearest neighbour is ${q.neighbors[0]}`);
      return `top-1 is the planted neighbour ${q.neighbors[0]} (${ms(a)})`;
    }))) return { checks, models };
  }

  if (!(await run('auth', async () => {
    const none = await call(slot.url, '/api/v1/models');
    if (none.status !== 401) fail(`without a key GET /api/v1/models answered ${none.status}, not 401`);
    const wrong = await call(slot.url, '/api/v1/models', { key: 'not-a-key-of-this-stack' });
    if (wrong.status !== 401 && wrong.status !== 403) fail(`with a wrong key it answered ${wrong.status}, not 401`);
    const good = await call(slot.url, '/api/v1/models', { key });
    if (good.status !== 200) fail(`with the stack's key it answered ${good.status}, not 200`);
    return 'no key 401, wrong key 401, the key 200';
  }))) return { checks, models };

  await run('metrics', async () => {
    const a = await call(slot.url, '/metrics');
    if (a.status !== 200) fail(`GET /metrics answered ${ms(a)}`);
    const series = new Set(a.text.split('\n').filter((l) => l.startsWith('gateway_http_')).map((l) => l.replace(/[{\s].*$/, '')));
    if (series.size === 0) fail('/metrics carries no gateway_http_* series');
    return `${series.size} gateway_http_* series (${[...series].slice(0, 3).join(', ')}…)`;
  });
  if (notes.length) checks[checks.length - 1]!.detail += ` (notes: ${notes.join('; ')})`;
  return { checks, models };
}
