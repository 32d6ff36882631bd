/**
 * `npm run k6 -- <scenario>`: one k6 run of scenarios/k6/<scenario>.ts against a target. Finds
 * k6, resolves the target (the local stack is brought up and its model collections seeded, as
 * readiness does), passes it to k6 as `VDB_*` environment (keys never on the command line),
 * lets k6 have the terminal, then turns its JSON output into the run's results
 * (collect.ts) and hands back k6's own exit code (99: a threshold failed).
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { ScenarioName } from '../../scenarios/model.ts';
import { gatewayModels, seedTargetModels } from '../bench/scenario.ts';
import type { GateProfileName } from '../gates/definitions.ts';
import type { BenchResults } from '../results/bench.ts';
import { newRunId } from '../results/run-dir.ts';
import { ResultsStore } from '../results/store.ts';
import { assertLoadAllowed, resolveTarget } from '../targets/index.ts';
import type { TargetKind } from '../targets/index.ts';
import { UnreachableError, UserError } from '../util/errors.ts';
import { REPO_ROOT, reportsOutDir } from '../util/paths.ts';
import { redactUrl } from '../util/redact.ts';
import { K6_JSON, collectK6Results } from './collect.ts';
import { findK6 } from './find-k6.ts';
import { k6Version, runK6 } from './run-k6.ts';
import { SCENARIOS } from '../../scenarios/definitions.ts';
import { shapeDurationS } from '../../scenarios/model.ts';
import { gateProfile } from '../gates/definitions.ts';
import { startSoakSampling } from '../soak/run.ts';

export interface K6RunOptions {
  scenario: ScenarioName;
  target: TargetKind;
  /** Default: ci for the local stack and containers, production for an external target. */
  profile?: GateProfileName;
  rateScale?: number;
  durationScale?: number;
  allowRemoteLoad: boolean;
  /** Keep a local stack this run brought up. */
  keep?: boolean;
  outRoot?: string;
  /** Passed to `k6 run` after the script. */
  k6Args: string[];
  log: (line: string) => void;
}

export interface K6RunOutcome {
  /** k6's exit code. */
  exitCode: number;
  k6Version: string;
  runDir: string;
  results: BenchResults | null;
  source: 'k6-json' | 'k6-summary' | null;
}

export const defaultK6Profile = (kind: TargetKind): GateProfileName => (kind === 'external' ? 'production' : 'ci');

export function scriptPath(scenario: ScenarioName): string {
  return join(REPO_ROOT, 'scenarios', 'k6', `${scenario}.ts`);
}

/** The environment k6 gets: the caller's, and the target and the run as `VDB_*`. */
export function k6Env(base: NodeJS.ProcessEnv, v: { gatewayUrl: string; apiKey: string; profile: GateProfileName; rateScale?: number; durationScale?: number; runDir: string; runId: string; version: string }): NodeJS.ProcessEnv {
  return {
    ...base,
    VDB_GATEWAY_URL: v.gatewayUrl,
    VDB_API_KEY: v.apiKey,
    VDB_PROFILE: v.profile,
    VDB_RATE_SCALE: String(v.rateScale ?? base.VDB_RATE_SCALE ?? 1),
    VDB_DURATION_SCALE: String(v.durationScale ?? base.VDB_DURATION_SCALE ?? 1),
    VDB_OUT_DIR: v.runDir,
    VDB_RUN_ID: v.runId,
    K6_VERSION: v.version,
  };
}

export async function runK6Scenario(o: K6RunOptions): Promise<K6RunOutcome> {
  const bin = findK6();
  const script = scriptPath(o.scenario);
  if (!existsSync(script)) throw new UserError(`no k6 script for scenario ${o.scenario} at ${relative(REPO_ROOT, script)}`);
  const version = await k6Version(bin);
  const profile = o.profile ?? defaultK6Profile(o.target);
  const target = await resolveTarget({ kind: o.target, keep: o.keep, log: (l) => o.log(`  ${l}`) });
  try {
    const gw = target.gateway;
    if (!gw) throw new UnreachableError(`the ${o.target} target has no gateway URL: set VDB_GATEWAY_URL, or use --target local`);
    assertLoadAllowed(gw.url, { allowRemoteLoad: o.allowRemoteLoad });
    if (o.target !== 'external') await seedTargetModels(target, await gatewayModels(gw.url, gw.apiKey), o.log);

    const runId = newRunId('k6');
    const store = await ResultsStore.create(runId, o.outRoot ?? reportsOutDir());
    const env = k6Env(process.env, { gatewayUrl: gw.url, apiKey: gw.apiKey, profile, rateScale: o.rateScale, durationScale: o.durationScale, runDir: store.runDir, runId, version });
    const args = ['run', '--out', `json=${join(store.runDir, K6_JSON)}`, relative(REPO_ROOT, script), ...o.k6Args];
    o.log(`k6 ${version}: ${o.scenario} against ${redactUrl(gw.url)} · profile ${profile} → ${store.runDir}`);
    // a soak run samples the gateway's, the engine's and Redis's resources beside k6 (src/soak)
    const soak = o.scenario === 'soak'
      ? await startSoakSampling({ gateway: gw, qdrant: target.qdrant, target, plannedS: shapeDurationS(SCENARIOS.soak, gateProfile(profile), { rateScale: o.rateScale, durationScale: o.durationScale ?? (Number(process.env.VDB_DURATION_SCALE) || 1) }), log: o.log })
      : null;
    let exitCode: number;
    try {
      exitCode = await runK6(bin, args, env, REPO_ROOT);
    } catch (err) {
      await soak?.stop();
      throw err;
    }
    const sampled = soak ? await soak.stop() : undefined;
    const collected = await collectK6Results({ store, runId, scenario: o.scenario, profile, targetUrl: redactUrl(gw.url), log: o.log, ...(sampled ? { soak: sampled } : {}) });
    return { exitCode, k6Version: version, runDir: store.runDir, results: collected?.results ?? null, source: collected?.source ?? null };
  } finally {
    await target.release();
  }
}
