/**
 * The soak statistic and rules on synthetic series: a GC sawtooth with no trend passes, a slow
 * ramp under that sawtooth and noise fails, growth inside the tolerance passes, too few samples
 * or too short a run is not judged (never a pass), drift must be large relatively and absolutely.
 */
import { describe, expect, it } from 'vitest';
import { judgeSoak } from '../../../src/soak/judge.ts';
import { SOAK_JUDGEMENT, SOAK_RULES } from '../../../src/soak/rules.ts';
import { median, theilSen, thirds } from '../../../src/soak/stats.ts';
import type { ResourcesResults } from '../../../src/results/bench.ts';
import { GATE_PROFILES } from '../../../src/gates/definitions.ts';

const MiB = 1024 * 1024;

/** A deterministic pseudo-random in [0, 1) (mulberry32), so the noise is the same every run. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A GC sawtooth: climbs `tooth` bytes over `periodS`, drops back; plus a ramp and noise. */
function rss(opts: { durationS: number; intervalS: number; base?: number; tooth?: number; periodS?: number; rampPerS?: number; noise?: number; seed?: number }): { t: number[]; v: number[] } {
  const r = rng(opts.seed ?? 1);
  const t: number[] = [];
  const v: number[] = [];
  for (let s = 0; s <= opts.durationS; s += opts.intervalS) {
    const saw = ((s % (opts.periodS ?? 20)) / (opts.periodS ?? 20)) * (opts.tooth ?? 30 * MiB);
    t.push(s);
    v.push((opts.base ?? 120 * MiB) + saw + (opts.rampPerS ?? 0) * s + (r() - 0.5) * 2 * (opts.noise ?? 4 * MiB));
  }
  return { t, v };
}

function resources(series: Partial<Record<string, { t: number[]; v: number[] }>>, durationS: number, latencyP95?: { t: number[]; v: number[] }): ResourcesResults {
  const first = Object.values(series)[0] ?? latencyP95 ?? { t: [], v: [] };
  return {
    started_at: '2026-01-01T00:00:00.000Z',
    duration_s: durationS,
    interval_s: 1,
    t_s: first.t,
    series: Object.entries(series).map(([name, s]) => ({ name, unit: name.endsWith('_fds') ? 'fds' as const : name.endsWith('_ms') ? 'ms' as const : 'bytes' as const, source: 'test', values: s!.v })),
    not_sampled: [{ name: 'redis_used_memory_bytes', reason: 'no Redis URL for this target: set VDB_REDIS_URL' }],
    latency: latencyP95 ? { window_s: 1, t_s: latencyP95.t, p50_ms: latencyP95.v.map((x) => x / 2), p95_ms: latencyP95.v, requests: latencyP95.v.map(() => 50) } : null,
    sampler: { samples: first.t.length, mean_tick_ms: 1, cpu_ms: 1 },
    judged: {},
  };
}

describe('robust statistics', () => {
  it('Theil–Sen finds the slope of a line and ignores a quarter of wild points; least squares would not', () => {
    const xs = Array.from({ length: 40 }, (_, i) => i);
    expect(theilSen(xs, xs.map((x) => 3 * x + 7))).toBeCloseTo(3, 9);
    const wild = xs.map((x, i) => (i % 4 === 0 ? 1e6 * (i % 8 === 0 ? 1 : -1) : 3 * x + 7));
    expect(theilSen(xs, wild)).toBeCloseTo(3, 6);
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(thirds([1, 2, 3, 4, 5, 6, 7])).toEqual({ first: [1, 2], last: [6, 7] });
  });
});

describe('slope rule (gateway_rss_slope)', () => {
  it('a GC sawtooth with no trend passes, however tall its teeth', () => {
    const j = judgeSoak(resources({ gateway_rss_bytes: rss({ durationS: 600, intervalS: 5, tooth: 60 * MiB, periodS: 45 }) }, 600), 'ci').gateway_rss_slope!;
    expect(j.verdict).toBe('pass');
    expect(j.score!).toBeLessThan(0.5);
  });

  it('a slow ramp under the same sawtooth and noise fails', () => {
    // 0.15 MiB/s: 90 MiB over 600 s, against 10 % of ~135 MiB + 32 MiB ≈ 45 MiB
    const j = judgeSoak(resources({ gateway_rss_bytes: rss({ durationS: 600, intervalS: 5, tooth: 60 * MiB, periodS: 45, rampPerS: 0.15 * MiB, noise: 8 * MiB }) }, 600), 'ci').gateway_rss_slope!;
    expect(j.verdict).toBe('fail');
    expect(j.score!).toBeGreaterThan(1.5);
    expect(j.slope_per_s! / MiB).toBeCloseTo(0.15, 1);
    expect(j.reason).toMatch(/^climbs: .* MiB over the 600 s run/);
  });

  it('growth within the tolerance passes (the tolerance is data: pct of the baseline plus abs)', () => {
    // 0.04 MiB/s: 24 MiB over 600 s < ~45 MiB
    const j = judgeSoak(resources({ gateway_rss_bytes: rss({ durationS: 600, intervalS: 5, rampPerS: 0.04 * MiB }) }, 600), 'ci').gateway_rss_slope!;
    expect(j.verdict).toBe('pass');
    const rule = SOAK_RULES.ci.find((r) => r.name === 'gateway_rss_slope')!;
    expect(rule.kind === 'slope' && j.allowance).toBeCloseTo((rule.kind === 'slope' ? rule.tolerance.pct / 100 : 0) * j.baseline! + (rule.kind === 'slope' ? rule.tolerance.abs : 0), 0);
    expect(j.score!).toBeGreaterThan(0.3);
    expect(j.score!).toBeLessThan(1);
  });

  it('the warm-up is left out: a climb that stops early passes', () => {
    const s = rss({ durationS: 300, intervalS: 2 });
    const v = s.v.map((x, i) => x + Math.min(s.t[i]!, 50) * 2 * MiB); // +100 MiB in the first 50 s, then flat
    const j = judgeSoak(resources({ gateway_rss_bytes: { t: s.t, v } }, 300), 'ci').gateway_rss_slope!;
    expect(j.steady_from_s).toBe(300 * SOAK_JUDGEMENT.warmupFraction);
    expect(j.verdict).toBe('pass');
  });

  it('too few samples, or too short a steady part, is not judged: never a pass', () => {
    const few = judgeSoak(resources({ gateway_rss_bytes: rss({ durationS: 60, intervalS: 5, rampPerS: 5 * MiB }) }, 60), 'ci').gateway_rss_slope!;
    expect(few).toMatchObject({ verdict: 'not_judged', score: null });
    expect(few.reason).toMatch(/^too short to judge: \d+ samples over .* s after the warm-up; needs 20 over 45 s/);
    const short = judgeSoak(resources({ gateway_rss_bytes: rss({ durationS: 9, intervalS: 0.25 }) }, 9), 'ci').gateway_rss_slope!;
    expect(short.verdict).toBe('not_judged');
  });

  it('a series that was not sampled is not judged, with the reason', () => {
    const j = judgeSoak(resources({ gateway_rss_bytes: rss({ durationS: 300, intervalS: 5 }) }, 300), 'ci');
    expect(j.redis_memory_slope).toMatchObject({ verdict: 'not_judged', score: null, reason: 'not sampled: no Redis URL for this target: set VDB_REDIS_URL' });
    expect(j.latency_drift).toMatchObject({ verdict: 'not_judged', reason: expect.stringMatching(/no latency over time/) });
  });
});

describe('drift rule (latency_drift, event-loop delay)', () => {
  const lat = (from: number, to: number, n = 120) => ({ t: Array.from({ length: n }, (_, i) => i), v: Array.from({ length: n }, (_, i) => from + ((to - from) * i) / (n - 1) + ((i * 7919) % 5) / 10) });

  it('p95 climbing from 5 to 30 ms fails under ci; 4 to 12 ms (steady thirds ~6.7 → ~10.9 ms: ×1.6 but +4 ms) passes under ci and fails under production', () => {
    expect(judgeSoak(resources({}, 120, lat(5, 30)), 'ci').latency_drift!.verdict).toBe('fail');
    expect(judgeSoak(resources({}, 120, lat(4, 12)), 'ci').latency_drift!.verdict).toBe('pass');
    expect(judgeSoak(resources({}, 120, lat(4, 12)), 'production').latency_drift!.verdict).toBe('fail');
  });

  it('a steady latency passes, and a large but flat one is not drift', () => {
    const j = judgeSoak(resources({}, 120, lat(40, 40)), 'ci').latency_drift!;
    expect(j.verdict).toBe('pass');
    expect(j.first).toBeCloseTo(j.last!, 0);
  });
});

describe('every soak rule is a gate of every profile', () => {
  it.each(Object.keys(GATE_PROFILES))('%s', (profile) => {
    const gates = GATE_PROFILES[profile as keyof typeof GATE_PROFILES].gates;
    for (const rule of SOAK_RULES[profile as keyof typeof SOAK_RULES]) {
      expect(gates.find((g) => g.name === rule.name)).toMatchObject({ metric: `resources.judged.${rule.name}.score`, op: '<', threshold: 1 });
    }
  });
});
