/**
 * Soak gates through the one place gates are judged (judgeBench): a soak run's resources with a
 * leaking RSS fail gateway_rss_slope (in results, JUnit and when judged again as `npm run gate`
 * does), a healthy one passes, rules not judged are left out of the gates with a warning, and a
 * run without resources has no soak gate at all.
 */
import { describe, expect, it } from 'vitest';
import { aggregate } from '../../../src/bench/aggregate.ts';
import { RunRecorder } from '../../../src/bench/recorder.ts';
import { buildWorkload } from '../../../src/bench/workload.ts';
import { judgeBench } from '../../../src/gates/apply.ts';
import { gateProfile } from '../../../src/gates/definitions.ts';
import { benchResultsSchema } from '../../../src/results/bench.ts';
import type { SamplerRecord } from '../../../src/soak/sampler.ts';
import { withResources } from '../../../src/soak/run.ts';
import { renderJunit } from '../../../reports/render/index.ts';

const MiB = 1024 * 1024;
const source = { queryCount: () => 4, query: (_d: string, j: number) => ({ vector: [j, 1], neighbors: [0, 1] }) };

function soakRun(seconds: number) {
  const workload = buildWorkload([{ collection: 'c', dataset: 'd', weight: 1 }], source, { api: 'gateway', k: 2, queries: 4 });
  const rec = new RunRecorder(workload);
  for (let s = 0; s < seconds; s++) for (let i = 0; i < 20; i++) rec.response(workload.queries[i % 4]!, s * 1000 + i * 50, s * 1000 + i * 50 + 3, 200, '{"results":[{"id":0},{"id":1}]}');
  return aggregate({
    runId: 'soak-test', startedAt: new Date(0), finishedAt: new Date(seconds * 1000), mode: 'open', params: {}, target: { url: 'http://127.0.0.1:1', api: 'gateway' },
    workload, recorder: rec, elapsedS: seconds, driver: { warnings: [] }, profile: 'ci', scenario: { name: 'soak', closedLoop: 'n/a', warnings: [] },
  });
}

function record(seconds: number, rssPerS: number): SamplerRecord {
  const tS = Array.from({ length: seconds / 2 + 1 }, (_, i) => i * 2);
  return {
    startedAt: new Date(0), durationS: seconds, intervalS: 2, tS, samples: tS.length, meanTickMs: 2, cpuMs: 5,
    series: [
      { name: 'gateway_rss_bytes', unit: 'bytes', source: 'gateway /metrics gateway_process_resident_memory_bytes', values: tS.map((t) => 120 * MiB + (t % 10) * MiB + rssPerS * t) },
      { name: 'gateway_open_fds', unit: 'fds', source: 'gateway /metrics gateway_process_open_fds', values: tS.map((t) => 30 + (t % 3)) },
    ],
    notSampled: [{ name: 'redis_used_memory_bytes', reason: 'no Redis URL for this target: set VDB_REDIS_URL' }],
  };
}

describe('soak gates', () => {
  it('a leaking gateway fails gateway_rss_slope; the file read again (npm run gate) fails the same way', () => {
    const r = withResources(soakRun(120), record(120, 1 * MiB), new Date(0), 'ci');
    expect(benchResultsSchema.safeParse(r).success).toBe(true);
    const rss = r.gates.results.find((g) => g.name === 'gateway_rss_slope');
    expect(rss).toMatchObject({ pass: false, metric: 'resources.judged.gateway_rss_slope.score' });
    expect(rss!.value!).toBeGreaterThan(1.5);
    expect(r.gates.results.find((g) => g.name === 'gateway_fd_slope')?.pass).toBe(true);
    expect(r.gates.results.find((g) => g.name === 'latency_drift')?.pass).toBe(true);
    expect(r.pass).toBe(false);
    expect(r.resources?.judged.gateway_rss_slope?.verdict).toBe('fail');
    // not judged: not in the gates, said in the warnings and in resources.judged
    expect(r.gates.results.map((g) => g.name)).not.toContain('redis_memory_slope');
    expect(r.gates.results.map((g) => g.name)).not.toContain('engine_rss_slope');
    expect(r.warnings.join('\n')).toMatch(/soak rule\(s\) not judged: .*redis_memory_slope \(not sampled: no Redis URL/);
    expect(renderJunit(r)).toMatch(/<testcase classname="bench.gates" name="gate gateway_rss_slope \(ci\)"[^>]*>\s*<failure/);
    const again = judgeBench(benchResultsSchema.parse(JSON.parse(JSON.stringify(r))), gateProfile('production'));
    expect(again.gates.results.find((g) => g.name === 'gateway_rss_slope')?.pass).toBe(false);
    expect(again.pass).toBe(false);
  });

  it('a healthy gateway passes every judged soak gate', () => {
    const r = withResources(soakRun(120), record(120, 0), new Date(0), 'ci');
    const soak = r.gates.results.filter((g) => g.metric.startsWith('resources.'));
    expect(soak.map((g) => g.name).sort()).toEqual(['gateway_fd_slope', 'gateway_rss_slope', 'latency_drift']);
    expect(soak.every((g) => g.pass)).toBe(true);
    expect(r.pass).toBe(true);
  });

  it('too short a soak judges nothing (no soak gate passes by default) and says why', () => {
    const r = withResources(soakRun(10), record(10, 5 * MiB), new Date(0), 'ci');
    expect(r.gates.results.some((g) => g.metric.startsWith('resources.'))).toBe(false);
    expect(Object.values(r.resources!.judged).every((j) => j.verdict === 'not_judged')).toBe(true);
    expect(r.warnings.join('\n')).toMatch(/gateway_rss_slope \(too short to judge/);
  });

  it('a run without resources has no soak gate', () => {
    expect(soakRun(120).gates.results.some((g) => g.metric.startsWith('resources.'))).toBe(false);
  });
});
