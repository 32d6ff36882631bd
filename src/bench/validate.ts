import { GATE_PROFILES } from '../gates/definitions.ts';
import type { GateProfileName } from '../gates/definitions.ts';
import { UserError } from '../util/errors.ts';
import { defaultOptions } from './options.ts';
import type { BenchMode, BenchOptions, BenchTargetKind } from './options.ts';
import { HTTP_CLIENTS } from './open-loop.ts';
import type { HttpClientKind } from './open-loop.ts';
import { SEARCH_APIS } from './search-contract.ts';
import type { SearchApi } from './search-contract.ts';

/** Raw option values as a CLI (or a caller) gives them: strings or numbers, all optional. */
export type RawBenchOptions = { [K in keyof BenchOptions]?: BenchOptions[K] | string };

function oneOf<T extends string>(name: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new UserError(`--${name} must be one of ${allowed.join(', ')} (got "${String(value)}")`);
}

function num(name: string, value: unknown, min: number, max: number, integer = false): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n) || n < min || n > max || (integer && !Number.isInteger(n))) {
    throw new UserError(`--${name} must be ${integer ? 'an integer' : 'a number'} in [${min}, ${max}] (got "${String(value)}")`);
  }
  return n;
}

const optNum = (name: string, value: unknown, min: number, max: number): number | undefined =>
  value === undefined ? undefined : num(name, value, min, max, true);

/** Defaults, then checks; every message names the option to fix. */
export function validateOptions(raw: RawBenchOptions): BenchOptions {
  const o = { ...defaultOptions, ...Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) } as RawBenchOptions & typeof defaultOptions;
  if (o.url !== undefined) {
    let u: URL;
    try {
      u = new URL(String(o.url));
    } catch {
      throw new UserError(`--url "${String(o.url)}" is not a URL (e.g. http://127.0.0.1:8000)`);
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UserError(`--url must be http(s) (got ${u.protocol})`);
  }
  const name = String(o.dataset);
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new UserError(`--dataset "${name}" is not a dataset name (see npm run fixtures -- list)`);
  return {
    target: oneOf<BenchTargetKind>('target', o.target, ['local', 'external']),
    url: o.url === undefined ? undefined : String(o.url),
    api: oneOf<SearchApi>('api', o.api, SEARCH_APIS),
    apiKey: o.apiKey === undefined ? undefined : String(o.apiKey),
    allowRemoteLoad: Boolean(o.allowRemoteLoad),
    dataset: name,
    size: optNum('size', o.size, 1, Number.MAX_SAFE_INTEGER),
    dim: optNum('dim', o.dim, 1, 65_536),
    seed: optNum('seed', o.seed, 0, Number.MAX_SAFE_INTEGER),
    collection: o.collection === undefined ? undefined : String(o.collection),
    mix: o.mix === undefined ? undefined : String(o.mix),
    mode: oneOf<BenchMode>('mode', o.mode, ['open', 'closed']),
    rate: num('rate', o.rate, 0.1, 1_000_000),
    connections: num('connections', o.connections, 1, 10_000, true),
    durationS: num('duration', o.durationS, 0.1, 86_400),
    warmupS: num('warmup', o.warmupS, 0, 3_600),
    k: num('k', o.k, 1, 1_000, true),
    queries: num('queries', o.queries, 1, 1_000_000, true),
    timeoutMs: num('timeout', o.timeoutMs, 1, 600_000),
    spinMs: num('spin-ms', o.spinMs, 0, 10),
    client: oneOf<HttpClientKind>('client', o.client, HTTP_CLIENTS),
    napUs: num('nap-us', o.napUs, 0, 1_000),
    profile: oneOf<GateProfileName>('profile', o.profile, Object.keys(GATE_PROFILES) as GateProfileName[]),
    outDir: o.outDir === undefined ? undefined : String(o.outDir),
  };
}
