/**
 * The readiness gate's decisions, as pure functions of what the target answered: each step gives
 * the next thing to do or one line naming the fix. setup.ts asks the questions (k6/http) and stops
 * the run with the line (`exec.test.abort`). Pure, so the messages are tested without k6.
 */
import type { ModelRef } from './types.ts';

/** One HTTP answer as setup saw it: status 0 when nothing answered (k6's `error` says why). */
export interface Answer {
  status: number;
  error?: string;
  body?: unknown;
}

export type Step<T> = { ok: true; value: T } | { ok: false; message: string };

const fail = <T>(message: string): Step<T> => ({ ok: false, message });
const pass = <T>(value: T): Step<T> => ({ ok: true, value });

const START = 'start the local stack with `npm run stack -- up` (or run through `npm run k6 -- <scenario> --target local`)';
const SEED = 'run `npm run readiness -- --keep` (seeds every model collection) or `npm run fixtures -- load`';

export function checkUrl(url: string): Step<string> {
  if (!url) return fail(`VDB_GATEWAY_URL is not set: point it at the gateway (e.g. VDB_GATEWAY_URL=http://127.0.0.1:8080), or ${START}`);
  if (!/^https?:\/\/[^/]+/.test(url)) return fail(`VDB_GATEWAY_URL=${url} is not an http(s) URL: give e.g. http://127.0.0.1:8080`);
  return pass(url);
}

/** VDB_K within the fixture's planted truth. */
export function checkK(k: number, planted: number): Step<number> {
  if (k > planted) return fail(`VDB_K=${k} is beyond the planted truth of the suite's fixtures (k ≤ ${planted}): set VDB_K to ${planted} or less`);
  return pass(k);
}

/** `GET /health` (no key needed). */
export function checkHealth(url: string, a: Answer): Step<null> {
  if (a.status === 0) return fail(`the gateway at ${url} is unreachable (${a.error ?? 'no answer'}): check VDB_GATEWAY_URL, or ${START}`);
  if (a.status !== 200) return fail(`the gateway at ${url} answered GET /health with ${a.status}: it is up but not healthy (check its logs, \`npm run stack -- status\`)`);
  return pass(null);
}

function modelList(body: unknown): ModelRef[] | null {
  const list = body !== null && typeof body === 'object' ? (body as { models?: unknown }).models : undefined;
  if (!Array.isArray(list)) return null;
  const out: ModelRef[] = [];
  for (const m of list) {
    if (m === null || typeof m !== 'object') return null;
    const { name, collection, dimension, distance } = m as Record<string, unknown>;
    if (typeof name !== 'string' || typeof collection !== 'string' || typeof dimension !== 'number') return null;
    out.push({ name, collection, dimension, distance: typeof distance === 'string' ? distance : 'Cosine' });
  }
  return out;
}

/** `GET /api/v1/models` (with the key), narrowed to VDB_MODELS when set. */
export function checkModels(url: string, a: Answer, wanted: string[] | undefined, keySet: boolean): Step<ModelRef[]> {
  if (a.status === 0) return fail(`the gateway at ${url} stopped answering (${a.error ?? 'no answer'}): check VDB_GATEWAY_URL, or ${START}`);
  if (a.status === 401 || a.status === 403) {
    return fail(keySet
      ? `the gateway refused the API key (${a.status} on GET /api/v1/models): set VDB_API_KEY to a key the gateway accepts`
      : `the gateway needs an API key (${a.status} on GET /api/v1/models): set VDB_API_KEY`);
  }
  if (a.status !== 200) return fail(`the gateway answered GET /api/v1/models with ${a.status}: check its logs (\`npm run stack -- logs\`)`);
  const models = modelList(a.body);
  if (models === null) return fail('GET /api/v1/models did not answer {models:[{name, collection, dimension, …}]}: is VDB_GATEWAY_URL the vdb gateway?');
  if (models.length === 0) return fail(`the gateway lists no models: configure its models, then ${SEED}`);
  if (!wanted) return pass(models);
  const unknown = wanted.filter((w) => !models.some((m) => m.name === w));
  if (unknown.length > 0) return fail(`VDB_MODELS names ${unknown.join(', ')}, which the gateway does not list (it has ${models.map((m) => m.name).join(', ')}): fix VDB_MODELS or unset it`);
  return pass(models.filter((m) => wanted.includes(m.name)));
}

/** One search per model with planted query 0: its planted nearest neighbour must come back. */
export function checkSeeded(m: ModelRef, a: Answer, plantedTop: number): Step<null> {
  if (a.status === 0) return fail(`search on model ${m.name} got no answer (${a.error ?? 'no answer'}): check the gateway and its engine (\`npm run stack -- status\`)`);
  if (a.status === 401 || a.status === 403) return fail(`the gateway refused the search on ${m.name} (${a.status}): set VDB_API_KEY to a key allowed to search`);
  if (a.status === 404) return fail(`collection ${m.collection} of model ${m.name} does not exist: ${SEED}`);
  if (a.status !== 200) return fail(`search on model ${m.name} answered ${a.status}: check the gateway's logs (\`npm run stack -- logs\`)`);
  const results = a.body !== null && typeof a.body === 'object' ? (a.body as { results?: unknown }).results : undefined;
  const ids = Array.isArray(results) ? results.map((h) => (h !== null && typeof h === 'object' ? (h as { id?: unknown }).id : undefined)) : [];
  if (!ids.includes(plantedTop)) {
    return fail(`collection ${m.collection} of model ${m.name} is not seeded with the suite's fixtures (planted neighbour ${plantedTop} of query 0 not found): ${SEED}`);
  }
  return pass(null);
}

/** The whole gate over a set of answers (what setup.ts does step by step): the models, or the first fix. */
export function readinessGate(input: {
  url: string;
  keySet: boolean;
  wanted?: string[] | undefined;
  health: Answer;
  models: Answer;
  probes: (m: ModelRef) => { answer: Answer; plantedTop: number };
}): Step<ModelRef[]> {
  const u = checkUrl(input.url);
  if (!u.ok) return u;
  const h = checkHealth(input.url, input.health);
  if (!h.ok) return h;
  const models = checkModels(input.url, input.models, input.wanted, input.keySet);
  if (!models.ok) return models;
  for (const m of models.value) {
    const p = input.probes(m);
    const s = checkSeeded(m, p.answer, p.plantedTop);
    if (!s.ok) return s;
  }
  return models;
}
