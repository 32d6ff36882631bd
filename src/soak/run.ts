/**
 * A soak run's sampling, for the runners (src/bench/run.ts, src/k6/run.ts): start the sampler
 * beside the load, and afterwards put its record into the results, judged by the profile.
 */
import { judgeBench } from '../gates/apply.ts';
import { gateProfile } from '../gates/definitions.ts';
import type { BenchResults } from '../results/bench.ts';
import { buildResources } from './resources.ts';
import { ResourceSampler, samplerInterval } from './sampler.ts';
import type { SamplerRecord } from './sampler.ts';
import { samplerSources } from './sources.ts';
import type { SourcesInput } from './sources.ts';

export interface SoakSampling {
  stop(): Promise<SamplerRecord>;
}

export async function startSoakSampling(i: SourcesInput & { plannedS: number; log: (line: string) => void }): Promise<SoakSampling> {
  const sources = samplerSources(i);
  const interval = samplerInterval(i.plannedS);
  const sampler = new ResourceSampler(sources, interval);
  await sampler.start();
  const what = [sources.gateway ? 'gateway /metrics' : '', sources.engine ? (sources.engine.pid !== undefined ? `engine /proc/${sources.engine.pid}` : 'Qdrant /metrics') : '', sources.redisUrl ? 'Redis INFO' : ''].filter(Boolean);
  i.log(`soak: sampling ${what.join(', ') || 'nothing'} every ${interval} s${sources.notSampled.length ? `; not sampled: ${sources.notSampled.map((n) => n.name).join(', ')}` : ''}`);
  return { stop: () => sampler.stop() };
}

/** The results with `resources` and judged again (soak gates included); a warning per rule not judged. */
export function withResources<T extends BenchResults>(results: T, rec: SamplerRecord, loadStartedAt: Date, profile: string): T {
  const judged = judgeBench({ ...results, resources: buildResources(rec, results.timeline, loadStartedAt) }, gateProfile(profile));
  const unjudged = Object.values(judged.resources?.judged ?? {}).filter((j) => j.verdict === 'not_judged');
  const warnings = [...judged.warnings];
  if (unjudged.length) warnings.push(`soak rule(s) not judged: ${unjudged.map((j) => `${j.rule} (${j.reason})`).join('; ')}`);
  return { ...judged, warnings };
}
