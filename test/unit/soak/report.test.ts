/**
 * The report's soak part: one chart per resource sampled (RSS, fds, event-loop delay, Redis
 * memory, latency per window), the judged slope's trend drawn, and the verdict table naming the
 * failed rule and what was not sampled.
 */
import { describe, expect, it } from 'vitest';
import { soakCharts, soakSection } from '../../../reports/render/soak.ts';
import type { BenchResults } from '../../../src/results/bench.ts';
import { judgeSoak } from '../../../src/soak/judge.ts';

const MiB = 1024 * 1024;

function run(rampPerS: number): BenchResults {
  const t = Array.from({ length: 61 }, (_, i) => i * 2);
  const resources = {
    started_at: '2026-01-01T00:00:00.000Z', duration_s: 120, interval_s: 2, t_s: t,
    series: [
      { name: 'gateway_rss_bytes', unit: 'bytes' as const, source: 'gateway /metrics gateway_process_resident_memory_bytes', values: t.map((s) => 100 * MiB + rampPerS * s) },
      { name: 'gateway_event_loop_p99_ms', unit: 'ms' as const, source: 'gateway /metrics gateway_nodejs_eventloop_lag_p99_seconds', values: t.map(() => 11) },
    ],
    not_sampled: [{ name: 'redis_used_memory_bytes', reason: 'no Redis URL for this target: set VDB_REDIS_URL' }],
    latency: { window_s: 2, t_s: t, p50_ms: t.map(() => 2), p95_ms: t.map(() => 5), requests: t.map(() => 100) },
    sampler: { samples: 61, mean_tick_ms: 3, cpu_ms: 20 },
    judged: {},
  };
  return { resources: { ...resources, judged: judgeSoak(resources, 'ci') } } as unknown as BenchResults;
}

describe('soak report', () => {
  it('draws the sampled curves with the fitted trend and the warm-up mark, and tables the verdicts', () => {
    const r = run(1 * MiB);
    const charts = soakCharts(r, 'soak run', 'chart-soak-0');
    expect(charts.map((c) => c.id)).toEqual(['chart-soak-0-rss', 'chart-soak-0-loop', 'chart-soak-0-latency']);
    const rss = charts[0]!;
    expect(rss.series.map((s) => s.label)).toEqual(['gateway', 'gateway trend (Theil–Sen)']);
    expect(rss.marks).toEqual([{ x: 24, label: 'warm-up ends', major: false }]);
    // the trend follows the 1 MiB/s climb over the judged part, and is absent before it
    const trend = rss.data[2]!;
    expect(trend[0]).toBeNull();
    expect((trend[60]! - trend[30]!) / 60).toBeCloseTo(1, 3);
    expect(rss.caption).toMatch(/gateway_rss_slope: fail — climbs/);
    const html = soakSection(r);
    expect(html).toMatch(/<tr class="bad"><td>gateway_rss_slope<\/td><td><span class="badge failed">fail<\/span>/);
    expect(html).toMatch(/Not sampled: redis_used_memory_bytes \(no Redis URL for this target: set VDB_REDIS_URL\)/);
    expect(soakSection(run(0))).not.toMatch(/class="bad"/);
  });

  it('a run without resources has no soak part', () => {
    expect(soakCharts({} as BenchResults, 'x', 'c')).toEqual([]);
    expect(soakSection({} as BenchResults)).toBe('');
  });
});
