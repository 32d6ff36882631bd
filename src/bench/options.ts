import type { ScenarioName } from '../../scenarios/model.ts';
import type { GateProfileName } from '../gates/definitions.ts';
import type { HttpClientKind } from './open-loop.ts';
import type { SearchApi } from './search-contract.ts';

export type BenchMode = 'open' | 'closed';
export type BenchTargetKind = 'local' | 'external';

/** Options of one bench run, after defaults and validation. */
export interface BenchOptions {
  target: BenchTargetKind;
  /** A URL serving the search contract; overrides the target's. */
  url?: string;
  api: SearchApi;
  apiKey?: string;
  allowRemoteLoad: boolean;
  dataset: string;
  /** Dataset overrides (`--size`, `--dim`, `--seed`), so any shape can be benched on the spot. */
  size?: number;
  dim?: number;
  seed?: number;
  /** Collection searched when there is no mix (default: the dataset's name). */
  collection?: string;
  /** `collection[=dataset]:weight,...` */
  mix?: string;
  mode: BenchMode;
  /** Open mode: intended requests per second. */
  rate: number;
  connections: number;
  /** Open mode: driver threads sharing the schedule and the connections (driver-pool.ts). */
  workers: number;
  durationS: number;
  warmupS: number;
  k: number;
  /** Distinct planted queries per collection, prebuilt before the run. */
  queries: number;
  timeoutMs: number;
  spinMs: number;
  /** Open mode: `raw` (minimal keep-alive client, plain http) or `undici`; https always uses undici. */
  client: HttpClientKind;
  /** Open mode: within the spin window, sleep in naps of at most this many µs (0 = poll only). */
  napUs: number;
  profile: GateProfileName;
  /** Root for run directories (default reports/out). */
  outDir?: string;
  /**
   * A scenario of scenarios/definitions.ts: its shape sets the mode, rate and duration (never
   * given with --mode / --rate / --duration) and only its gates judge the run.
   */
  scenario?: ScenarioName;
  /** Scenario: multiplies every rate (after the profile). */
  rateScale: number;
  /** Scenario: multiplies every duration. */
  durationScale: number;
  /** Scenario without --dataset / --mix / --collection: search the gateway's model collections (seeded on local targets). */
  modelCollections: boolean;
  /** Qdrant API: hnsw_ef sent with every search (absent: the engine's default). */
  hnswEf?: number;
  /** After the run, measure recall and unloaded latency at each hnsw_ef (needs a Qdrant URL). */
  sweep?: 'hnsw_ef';
}

export const defaultOptions = {
  target: 'local',
  api: 'gateway',
  allowRemoteLoad: false,
  dataset: 'smoke',
  mode: 'open',
  rate: 200,
  connections: 32,
  workers: 1,
  durationS: 10,
  warmupS: 2,
  k: 10,
  queries: 200,
  timeoutMs: 10_000,
  client: 'raw',
  napUs: 100,
  profile: 'production',
  rateScale: 1,
  durationScale: 1,
  modelCollections: false,
} as const satisfies Partial<BenchOptions>;

/**
 * `--spin-ms` unless given: 1 ms of polling before each send on one driver; timers only with
 * `--workers`, where every polling thread would hold a core the server under test may need.
 */
export const defaultSpinMs = (workers: number): number => (workers > 1 ? 0 : 1);
