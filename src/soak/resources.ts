/**
 * A soak run's `resources` (results.json): what the sampler recorded, and the latency per window
 * from the run's per-second histograms (pooled, so a window's p95 is exact). The verdicts
 * (`judged`) are left to judgeBench, which computes them for the profile it judges by.
 */
import type { BenchResults, ResourcesResults } from '../results/bench.ts';
import { mergeHistograms } from '../bench/histogram.ts';
import type { SamplerRecord } from './sampler.ts';

const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** p50/p95 per window of `windowS` seconds of the timeline, with times on the sampler's clock. */
export function latencyWindows(timeline: BenchResults['timeline'], windowS: number, offsetS: number): NonNullable<ResourcesResults['latency']> | null {
  if (timeline.length === 0 || timeline.every((t) => t.histogram === undefined || t.histogram === '')) return null;
  const out: NonNullable<ResourcesResults['latency']> = { window_s: windowS, t_s: [], p50_ms: [], p95_ms: [], requests: [] };
  const last = timeline[timeline.length - 1]!.second;
  for (let start = 0; start <= last; start += windowS) {
    const secs = timeline.filter((t) => t.second >= start && t.second < start + windowS);
    const hist = mergeHistograms(secs.map((t) => t.histogram));
    out.t_s.push(r3(start + offsetS));
    out.requests.push(secs.reduce((a, t) => a + t.requests, 0));
    out.p50_ms.push(hist.totalCount ? r3(hist.getValueAtPercentile(50) / 1000) : null);
    out.p95_ms.push(hist.totalCount ? r3(hist.getValueAtPercentile(95) / 1000) : null);
  }
  return out;
}

/**
 * The resources field of a run. `loadStartedAt`: when the timeline's second 0 was (the run's
 * start), to put latency on the sampler's clock.
 */
export function buildResources(rec: SamplerRecord, timeline: BenchResults['timeline'] | undefined, loadStartedAt: Date): ResourcesResults {
  const offsetS = (loadStartedAt.getTime() - rec.startedAt.getTime()) / 1000;
  return {
    started_at: rec.startedAt.toISOString(),
    duration_s: rec.durationS,
    interval_s: rec.intervalS,
    t_s: rec.tS,
    series: rec.series,
    not_sampled: rec.notSampled,
    latency: timeline ? latencyWindows(timeline, Math.max(1, Math.ceil(rec.intervalS)), offsetS) : null,
    sampler: { samples: rec.samples, mean_tick_ms: rec.meanTickMs, cpu_ms: rec.cpuMs },
    judged: {},
  };
}
