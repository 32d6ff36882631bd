/**
 * A scenario as a k6 script: its options (from the scenario model and the gate profile, scaled by
 * VDB_RATE_SCALE / VDB_DURATION_SCALE), setup (the readiness gate), the iteration, and
 * handleSummary (results.json, junit.xml, a text summary). Each file in scenarios/k6/ is this,
 * for one scenario.
 */
import type { Options } from 'k6/options';
import { MODELS } from '../../../fixtures/src/index.ts';
import { SCENARIOS } from '../../definitions.ts';
import type { ScenarioName } from '../../model.ts';
import { readConfig } from './config.ts';
import { iterations } from './iteration.ts';
import { scriptOptions } from './options.ts';
import { readinessSetup } from './setup.ts';
import { k6RunId, summaryOutputs } from './summary.ts';
import type { SummaryData } from './summary.ts';
import type { SetupData } from './types.ts';

export interface ScenarioScript {
  options: Options;
  setup: () => SetupData;
  iteration: (data: SetupData) => void;
  handleSummary: (data: SummaryData) => Record<string, string>;
}

export function scenarioScript(name: ScenarioName): ScenarioScript {
  const def = SCENARIOS[name];
  const cfg = readConfig(__ENV);
  const declaredModels = cfg.models ?? [...MODELS];
  const base = scriptOptions(def, cfg.profile, cfg.overrides, declaredModels);
  // every sample carries the k6 version (npm run k6 passes it), so `bench import-k6` can record it
  const options: Options = cfg.k6Version ? { ...base, tags: { ...base.tags, k6_version: cfg.k6Version } } : base;
  const its = iterations(def, cfg, declaredModels);
  return {
    options,
    setup: () => readinessSetup(cfg),
    iteration: (data) => its.run(data),
    handleSummary: (data) => {
      const finishedAt = new Date();
      const runId = cfg.runId ?? k6RunId(new Date(finishedAt.getTime() - (data.state?.testRunDurationMs ?? 0)), Math.random());
      const ctx = { scenario: def, profile: cfg.profile, overrides: cfg.overrides, options, k: cfg.k, runId, finishedAt, gatewayUrl: cfg.gatewayUrl, k6Version: cfg.k6Version, declaredModels };
      return summaryOutputs(data, ctx, cfg.outDir ?? `reports/out/${runId}`);
    },
  };
}
