/**
 * Bundles a k6 script as k6 loads it (esbuild, platform neutral, ESM, `k6` and `k6/*` external),
 * and evaluates it in Node with `k6/*` replaced by small stubs and `__ENV` as a global.
 */
import { build } from 'esbuild';
import type { Metafile, Plugin } from 'esbuild';
import { join } from 'node:path';
import { REPO_ROOT } from '../../../src/util/paths.ts';

export const K6_DIR = join(REPO_ROOT, 'scenarios', 'k6');

/** The modules k6 v2 provides to scripts (each has its types in @types/k6). */
export const K6_V2_MODULES = [
  'k6', 'k6/http', 'k6/metrics', 'k6/execution', 'k6/encoding', 'k6/crypto', 'k6/data', 'k6/timers',
  'k6/net/grpc', 'k6/ws', 'k6/websockets', 'k6/browser', 'k6/secrets', 'k6/html',
];

export interface Bundle {
  code: string;
  metafile: Metafile;
  /** Modules left to the runtime. */
  externals: string[];
}

const base = (file: string) => ({
  entryPoints: [join(K6_DIR, file)],
  bundle: true,
  write: false as const,
  platform: 'neutral' as const,
  format: 'esm' as const,
  logLevel: 'silent' as const,
  metafile: true as const,
});

/** The bundle as k6 would load the file (k6/* left external). */
export async function bundleForK6(file: string): Promise<Bundle> {
  const r = await build({ ...base(file), external: ['k6', 'k6/*'] });
  const externals = Object.values(r.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
  return { code: r.outputFiles[0]!.text, metafile: r.metafile, externals: [...new Set(externals)] };
}

/** What the stubs record while the script runs (setup, iterations). */
export interface StubLog {
  aborts: string[];
  requests: { method: string; url: string; body?: string; tags?: Record<string, string> }[];
}

const STUB = `
const log = globalThis.__K6_STUB__ ?? (globalThis.__K6_STUB__ = { aborts: [], requests: [], answer: () => ({ status: 200, error: '', error_code: 0, body: '{}' }) });
class Metric { constructor(name) { this.name = name; } add() {} }
export class Trend extends Metric {}
export class Counter extends Metric {}
export class Rate extends Metric {}
export class Gauge extends Metric {}
export const check = (v, sets) => Object.values(sets).every((f) => f(v));
export const sleep = () => {};
export class SharedArray { constructor(_name, make) { return Object.freeze(make()); } }
export const group = (_n, f) => f();
export const fail = (m) => { throw new Error(m); };
const call = (method) => (url, body, params) => {
  const p = method === 'GET' ? body : params;
  log.requests.push({ method, url, body: method === 'GET' ? undefined : body, tags: p?.tags });
  return log.answer(method, url, method === 'GET' ? undefined : body);
};
export const get = call('GET');
export const post = call('POST');
export const scenario = { get iterationInTest() { return log.iteration ?? 0; } };
export const test = { abort: (m) => { log.aborts.push(m); throw new Error('aborted: ' + m); } };
export default { get, post, scenario, test };
`;

const stubPlugin: Plugin = {
  name: 'k6-stubs',
  setup(b) {
    b.onResolve({ filter: /^k6(\/.*)?$/ }, (a) => ({ path: a.path, namespace: 'k6-stub' }));
    b.onLoad({ filter: /.*/, namespace: 'k6-stub' }, () => ({ contents: STUB, loader: 'js' }));
  },
};

let evaluations = 0;

/** Imports the script in Node with k6 stubbed and `__ENV = env`. */
export async function evaluateScript<T = Record<string, unknown>>(file: string, env: Record<string, string>): Promise<T> {
  const r = await build({ ...base(file), plugins: [stubPlugin] });
  (globalThis as Record<string, unknown>).__ENV = env;
  // a comment makes each evaluation a module of its own (data: URLs are cached by content)
  const code = `${r.outputFiles[0]!.text}\n// evaluation ${++evaluations}`;
  return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as T;
}
