/**
 * Every environment variable the k6 scripts read, in one place. k6 passes `-e NAME=value` and
 * (unless `--include-system-env-vars=false`) the shell's environment as `__ENV`; the scripts hand
 * `__ENV` to `readConfig`, so this module stays pure and testable in Node.
 */
import type { GateProfile } from '../../../src/gates/definitions.ts';
import { gateProfile } from '../../../src/gates/definitions.ts';
import type { ShapeOverrides } from '../../model.ts';

export type Env = Record<string, string | undefined>;

export interface K6Config {
  /** VDB_GATEWAY_URL: the gateway under load (required; `setup()` stops the run without it). */
  gatewayUrl: string;
  /** VDB_API_KEY: sent as `x-api-key`. */
  apiKey: string | undefined;
  /** VDB_PROFILE: the gate profile the thresholds come from (default production). */
  profile: GateProfile;
  /** VDB_RATE_SCALE / VDB_DURATION_SCALE: multiply the shape's rates and durations. */
  overrides: ShapeOverrides;
  /** VDB_MODELS: comma list of the models to load (default: every model the gateway lists). */
  models: string[] | undefined;
  /** VDB_K: results per search, recall@k (default 10). */
  k: number;
  /** VDB_OUT_DIR: where handleSummary writes (default `reports/out/<run id>`). */
  outDir: string | undefined;
  /** VDB_RUN_ID: the run id (default: made from the start time). */
  runId: string | undefined;
  /** K6_VERSION: the k6 version, as `npm run k6` found it (a script cannot ask k6 itself). */
  k6Version: string | undefined;
}

const trimmed = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim());

function positive(env: Env, name: string): number | undefined {
  const raw = trimmed(env[name]);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name}=${raw} is not a positive number: give e.g. ${name}=0.1, or unset it`);
  return n;
}

export function readConfig(env: Env): K6Config {
  const profileName = trimmed(env.VDB_PROFILE) ?? 'production';
  let profile: GateProfile;
  try {
    profile = gateProfile(profileName);
  } catch (err) {
    throw new Error(`VDB_PROFILE: ${(err as Error).message}`);
  }
  const overrides: ShapeOverrides = {};
  const rateScale = positive(env, 'VDB_RATE_SCALE');
  const durationScale = positive(env, 'VDB_DURATION_SCALE');
  if (rateScale !== undefined) overrides.rateScale = rateScale;
  if (durationScale !== undefined) overrides.durationScale = durationScale;
  const k = positive(env, 'VDB_K') ?? 10;
  if (!Number.isInteger(k)) throw new Error(`VDB_K=${env.VDB_K} is not a whole number: give e.g. VDB_K=10`);
  const models = trimmed(env.VDB_MODELS)?.split(',').map((m) => m.trim()).filter(Boolean);
  return {
    gatewayUrl: (trimmed(env.VDB_GATEWAY_URL) ?? '').replace(/\/+$/, ''),
    apiKey: trimmed(env.VDB_API_KEY),
    profile,
    overrides,
    models: models && models.length > 0 ? models : undefined,
    k,
    outDir: trimmed(env.VDB_OUT_DIR)?.replace(/\/+$/, ''),
    runId: trimmed(env.VDB_RUN_ID),
    k6Version: trimmed(env.K6_VERSION),
  };
}

/** The request headers of every call (the key, when one is set). */
export function headers(cfg: Pick<K6Config, 'apiKey'>): Record<string, string> {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (cfg.apiKey) h['x-api-key'] = cfg.apiKey;
  return h;
}

/** The URL with any password masked (for results files and messages). */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^/:@]*):[^/@]*@/, '//$1:***@');
}
