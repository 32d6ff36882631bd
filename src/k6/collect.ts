/**
 * After k6: the run's results from what it left in the run directory. k6's JSON output
 * (`k6.json`) imported with exact histograms becomes results.json; the one k6's handleSummary
 * wrote from its end-of-test summary (percentiles only) is kept as results.k6-summary.json (and
 * its junit.xml as junit.k6-summary.xml). Without a usable JSON output the summary's results
 * stand. Written through ResultsStore, which marks `latest`.
 */
import { existsSync, statSync } from 'node:fs';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { ScenarioName } from '../../scenarios/model.ts';
import { runFiles } from '../../reports/render/index.ts';
import { importK6 } from '../bench/k6-import/index.ts';
import { judgeBench } from '../gates/apply.ts';
import { gateProfile } from '../gates/definitions.ts';
import type { GateProfileName } from '../gates/definitions.ts';
import type { BenchResults } from '../results/bench.ts';
import { readResults } from '../results/read.ts';
import type { ResultsStore } from '../results/store.ts';
import { errorMessage } from '../util/errors.ts';
import type { SamplerRecord } from '../soak/sampler.ts';
import { withResources } from '../soak/run.ts';

export const K6_JSON = 'k6.json';
export const SUMMARY_RESULTS = 'results.k6-summary.json';
export const SUMMARY_JUNIT = 'junit.k6-summary.xml';

export interface CollectInput {
  store: ResultsStore;
  runId: string;
  scenario: ScenarioName;
  profile: GateProfileName;
  targetUrl: string;
  log: (line: string) => void;
  /** A soak run: what the resource sampler recorded beside k6 (src/soak). */
  soak?: SamplerRecord;
}

const nonEmpty = (path: string): boolean => existsSync(path) && statSync(path).size > 0;

/** The run's results (null: k6 left neither a JSON output nor a summary). */
export async function collectK6Results(c: CollectInput): Promise<{ results: BenchResults; source: 'k6-json' | 'k6-summary' } | null> {
  const dir = c.store.runDir;
  const summaryPath = join(dir, SUMMARY_RESULTS);
  if (existsSync(join(dir, 'results.json'))) await rename(join(dir, 'results.json'), summaryPath);
  if (existsSync(join(dir, 'junit.xml'))) await rename(join(dir, 'junit.xml'), join(dir, SUMMARY_JUNIT));

  let summary: BenchResults | null = null;
  if (existsSync(summaryPath)) {
    try {
      summary = (await readResults(summaryPath, 'bench')) as BenchResults;
    } catch (err) {
      c.log(`cannot read k6's summary results ${summaryPath}: ${errorMessage(err)}`);
    }
  }
  let results: BenchResults | null = null;
  const jsonPath = join(dir, K6_JSON);
  if (nonEmpty(jsonPath)) {
    try {
      const imported = await importK6([jsonPath], { profile: c.profile, scenario: c.scenario, targetUrl: c.targetUrl, runId: c.runId });
      // k6's own verdict on each threshold and its options come from the summary (the JSON output has neither).
      const runner = imported.runner && summary?.runner ? { ...summary.runner, ...imported.runner, thresholds: imported.runner.thresholds ?? summary.runner.thresholds, options: imported.runner.options ?? summary.runner.options } : imported.runner;
      // judged again: k6's threshold verdicts (runner.thresholds) now count; judgeBench keeps to the scenario's gates
      results = judgeBench({ ...imported, ...(runner ? { runner } : {}) }, gateProfile(c.profile));
    } catch (err) {
      c.log(`cannot import ${jsonPath}: ${errorMessage(err)}`);
    }
  }
  const source = results ? 'k6-json' : 'k6-summary';
  results ??= summary;
  if (!results) return null;
  // the latency windows line up with the results' own start (k6's first sample)
  if (c.soak) results = withResources(results, c.soak, new Date(results.started_at), c.profile);
  await c.store.save(results);
  for (const [name, content] of Object.entries(runFiles(results))) await c.store.writeFile(name, content);
  return { results, source };
}
