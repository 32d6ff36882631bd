import { MAX_DRIVER_WORKERS } from './driver-pool.ts';
import { SCENARIO_NAMES } from '../../scenarios/model.ts';
import type { ScenarioName } from '../../scenarios/model.ts';
import { GATE_PROFILES } from '../gates/definitions.ts';
import type { GateProfileName } from '../gates/definitions.ts';
import { UserError } from '../util/errors.ts';
import { choice, duration, integer, number, parseValue, rate } from '../util/options.ts';
import type { Range } from '../util/options.ts';
import { defaultOptions, defaultSpinMs } from './options.ts';
import type { BenchMode, BenchOptions, BenchTargetKind } from './options.ts';
import { HTTP_CLIENTS } from './open-loop.ts';
import type { HttpClientKind } from './open-loop.ts';
import { SEARCH_APIS } from './search-contract.ts';
import type { SearchApi } from './search-contract.ts';

/** Raw option values as a CLI (or a caller) gives them: strings or numbers, all optional. */
export type RawBenchOptions = { [K in keyof BenchOptions]?: BenchOptions[K] | string };

const oneOf = <T extends string>(name: string, value: unknown, allowed: readonly T[]): T => parseValue(name, value, choice(allowed));

const optInt = (name: string, value: unknown, range: Range): number | undefined =>
  value === undefined ? undefined : parseValue(name, value, integer(range));

/** The options a scenario sets itself, with their flags. */
const SHAPE_FLAGS = [['mode', '--mode'], ['rate', '--rate'], ['durationS', '--duration'], ['warmupS', '--warmup']] as const;

/**
 * A scenario sets mode, rate, duration and warm-up (none), and defaults the profile like
 * readiness: ci for the local stack, production elsewhere.
 */
function scenarioDefaults(raw: RawBenchOptions): RawBenchOptions {
  if (raw.scenario === undefined) {
    const scaled = raw.rateScale !== undefined ? '--rate-scale' : raw.durationScale !== undefined ? '--duration-scale' : null;
    if (scaled) throw new UserError(`${scaled} scales a scenario: give --scenario <name> too (${SCENARIO_NAMES.join(', ')})`);
    return raw;
  }
  const scenario = oneOf<ScenarioName>('--scenario', raw.scenario, SCENARIO_NAMES);
  const given = SHAPE_FLAGS.filter(([k]) => raw[k] !== undefined).map(([, flag]) => flag);
  if (given.length) throw new UserError(`--scenario ${scenario} sets the mode, rate and duration itself: drop ${given.join(', ')} (scale it with --rate-scale / --duration-scale)`);
  const external = raw.url !== undefined || (raw.target ?? defaultOptions.target) !== 'local';
  return {
    ...raw,
    scenario,
    warmupS: 0,
    profile: raw.profile ?? (external ? 'production' : 'ci'),
    modelCollections: raw.dataset === undefined && raw.mix === undefined && raw.collection === undefined,
  };
}

/** Defaults, then checks; every message names the option to fix. */
export function validateOptions(input: RawBenchOptions): BenchOptions {
  const raw = scenarioDefaults(input);
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
  const workers = driverWorkers(o);
  return {
    target: oneOf<BenchTargetKind>('--target', o.target, ['local', 'external']),
    url: o.url === undefined ? undefined : String(o.url),
    api: oneOf<SearchApi>('--api', o.api, SEARCH_APIS),
    apiKey: o.apiKey === undefined ? undefined : String(o.apiKey),
    allowRemoteLoad: Boolean(o.allowRemoteLoad),
    dataset: name,
    size: optInt('--size', o.size, { min: 1 }),
    dim: optInt('--dim', o.dim, { min: 1, max: 65_536 }),
    seed: optInt('--seed', o.seed, { min: 0 }),
    collection: o.collection === undefined ? undefined : String(o.collection),
    mix: o.mix === undefined ? undefined : String(o.mix),
    mode: oneOf<BenchMode>('--mode', o.mode, ['open', 'closed']),
    rate: parseValue('--rate', o.rate, rate({ min: 0.1, max: 1_000_000 })),
    connections: parseValue('--connections', o.connections, integer({ min: 1, max: 10_000 })),
    workers,
    durationS: parseValue('--duration', o.durationS, duration({ min: 0.1, max: 86_400 })),
    warmupS: parseValue('--warmup', o.warmupS, duration({ max: 3_600 })),
    k: parseValue('--k', o.k, integer({ min: 1, max: 1_000 })),
    queries: parseValue('--queries', o.queries, integer({ min: 1, max: 1_000_000 })),
    timeoutMs: parseValue('--timeout', o.timeoutMs, number({ min: 1, max: 600_000 })),
    spinMs: o.spinMs === undefined ? defaultSpinMs(workers) : parseValue('--spin-ms', o.spinMs, number({ min: 0, max: 10 })),
    client: oneOf<HttpClientKind>('--client', o.client, HTTP_CLIENTS),
    napUs: parseValue('--nap-us', o.napUs, number({ min: 0, max: 1_000 })),
    profile: oneOf<GateProfileName>('--profile', o.profile, Object.keys(GATE_PROFILES) as GateProfileName[]),
    outDir: o.outDir === undefined ? undefined : String(o.outDir),
    scenario: raw.scenario as ScenarioName | undefined,
    rateScale: parseValue('--rate-scale', o.rateScale, number({ min: 0.001, max: 1_000 })),
    durationScale: parseValue('--duration-scale', o.durationScale, number({ min: 0.001, max: 1_000 })),
    modelCollections: Boolean(o.modelCollections),
    hnswEf: hnswEf(o),
    sweep: o.sweep === undefined ? undefined : oneOf<'hnsw_ef'>('--sweep', o.sweep, ['hnsw_ef']),
  };
}

function driverWorkers(o: RawBenchOptions): number {
  const n = parseValue('--workers', o.workers, integer({ min: 1, max: MAX_DRIVER_WORKERS }));
  if (n === 1) return n;
  if (o.scenario !== undefined) throw new UserError(`--workers shares a constant-rate open loop: drop it with --scenario (a scenario's ramp runs on one driver; for more load run k6)`);
  if (o.mode === 'closed') throw new UserError('--workers applies to --mode open (the closed loop is autocannon\'s): drop one of them');
  const connections = Number(o.connections);
  if (connections < n) throw new UserError(`--workers ${n} needs at least ${n} connections (each worker has its own): raise --connections`);
  return n;
}

function hnswEf(o: RawBenchOptions): number | undefined {
  const ef = optInt('--hnsw-ef', o.hnswEf, { min: 1, max: 100_000 });
  if (ef !== undefined && o.api !== 'qdrant') throw new UserError('--hnsw-ef is sent in Qdrant\'s search params: use it with --api qdrant (the gateway sets its own)');
  return ef;
}
