/**
 * `bench import-k6`: k6's JSON output (`k6 run --out json=…`) of one test, from one runner or
 * several (execution segments, k6-operator parallelism), as one bench@2 results object with exact
 * HDR histograms (all runners' samples pooled, never percentiles averaged), the per-runner figures
 * kept in `driver[]`, judged by a gate profile.
 *
 * Flow: parse-lines.ts (stream each file) → accumulate.ts (histograms and counts per runner,
 * then pooled) → to-results.ts (bench@2) → judgeBench (by the scenario's gates when the run is
 * one of scenarios/definitions.ts).
 */
import { SCENARIO_NAMES } from '../../../scenarios/model.ts';
import { GATE_PROFILES, gateProfile } from '../../gates/definitions.ts';
import type { GateProfileName } from '../../gates/definitions.ts';
import { judgeBench } from '../../gates/apply.ts';
import type { BenchResults } from '../../results/bench.ts';
import { newRunId } from '../../results/run-dir.ts';
import { UserError } from '../../util/errors.ts';
import { RunnerAcc, poolRunners } from './accumulate.ts';
import { K6_JSON_HINT, readK6Json } from './parse-lines.ts';
import { scenarioDef, toResults } from './to-results.ts';

export interface ImportK6Options {
  /** Gate profile; default: the `profile` tag of the samples (k6Options sets it), else production. */
  profile?: GateProfileName;
  /** The scenario run (scenarios/definitions.ts); default: the samples' `scenario_type` tag. */
  scenario?: string;
  /** Results per search the recall was measured at (default 10). */
  k?: number;
  /** Where the load went; default: the origin of the first search sample's `url` tag. */
  targetUrl?: string;
  runId?: string;
}

async function readRunner(file: string): Promise<RunnerAcc> {
  const acc = new RunnerAcc(file);
  const { invalidLines } = await readK6Json(file, (l) => acc.add(l));
  acc.invalidLines = invalidLines;
  return acc;
}

const one = (set: Set<string>): string | undefined => (set.size > 0 ? [...set][0] : undefined);

function chooseProfile(opts: ImportK6Options, tagged: Set<string>, warnings: string[]): GateProfileName {
  if (opts.profile) return opts.profile;
  const known = [...tagged].filter((p): p is GateProfileName => p in GATE_PROFILES);
  if (tagged.size > 1) warnings.push(`the samples carry several profile tags (${[...tagged].join(', ')}): judged by ${known[0] ?? 'production'}`);
  return known[0] ?? 'production';
}

function chooseScenario(opts: ImportK6Options, types: Set<string>, names: Set<string>, warnings: string[]): string | undefined {
  if (types.size > 1) warnings.push(`the samples come from several scenario types (${[...types].join(', ')}): figures pool them`);
  if (opts.scenario) {
    if (!scenarioDef(opts.scenario)) throw new UserError(`--scenario must be one of ${SCENARIO_NAMES.join(', ')} (got "${opts.scenario}")`);
    if (types.size > 0 && !types.has(opts.scenario)) warnings.push(`--scenario ${opts.scenario}, but the samples are tagged scenario_type ${[...types].join(', ')}`);
    return opts.scenario;
  }
  return one(types) ?? [...names].find((n) => scenarioDef(n)) ?? one(names);
}

export async function importK6(files: string[], opts: ImportK6Options = {}): Promise<BenchResults> {
  if (files.length === 0) throw new UserError(`no k6 JSON output given: ${K6_JSON_HINT}`);
  const runners: RunnerAcc[] = [];
  for (const f of files) runners.push(await readRunner(f));
  const pooled = runners.length === 1 ? runners[0]! : poolRunners(runners);
  if (pooled.search.requests - pooled.dropped === 0) {
    throw new UserError(`no search requests in ${files.join(', ')}: the import needs http_req_duration samples tagged endpoint:search (the scripts in scenarios/k6 tag them); ${K6_JSON_HINT}`);
  }
  const warnings: string[] = [];
  const profile = chooseProfile(opts, pooled.profiles, warnings);
  const scenario = chooseScenario(opts, pooled.scenarioTypes, pooled.scenarios, warnings);
  const results = toResults({
    runId: opts.runId ?? newRunId('bench-k6'),
    runners,
    pooled,
    profile,
    scenario,
    k: opts.k ?? 10,
    targetUrl: opts.targetUrl,
    warnings,
  });
  // judgeBench judges a scenario's run by the scenario's gates only (runner.scenario), as its k6 thresholds do
  return judgeBench(results, gateProfile(profile));
}
