/** Intended send times of a scenario's shape (src/bench/schedule.ts, src/bench/scenario.ts). */
import { describe, expect, it } from 'vitest';
import { SCENARIOS } from '../../../scenarios/definitions.ts';
import { arrivalSchedule } from '../../../scenarios/model.ts';
import { rampSchedule } from '../../../src/bench/schedule.ts';
import { mixWarning, scenarioPlan } from '../../../src/bench/scenario.ts';
import { judgeBench } from '../../../src/gates/apply.ts';
import { gateProfile } from '../../../src/gates/definitions.ts';

const times = (points: { atS: number; perS: number }[]): number[] => {
  const s = rampSchedule(points);
  return Array.from({ length: s.total }, (_, i) => s.atMs(i));
};

describe('rampSchedule', () => {
  it('a constant rate gives i / rate, as the plain open loop', () => {
    const s = rampSchedule([{ atS: 0, perS: 100 }, { atS: 2, perS: 100 }]);
    expect(s.total).toBe(200);
    for (const i of [0, 1, 57, 199]) expect(s.atMs(i)).toBeCloseTo(i * 10, 9);
    expect(s.peakPerS).toBe(100);
  });

  it('a ramp from 0 to r over T sends r·T/2 requests, request i at T·sqrt(2i/(r·T))', () => {
    // N(t) = r t² / (2T): 10 → 0..20/s over 10 s, 100 requests.
    const s = rampSchedule([{ atS: 0, perS: 0 }, { atS: 10, perS: 20 }]);
    expect(s.total).toBe(100);
    for (const i of [1, 25, 50, 99]) expect(s.atMs(i) / 1000).toBeCloseTo(Math.sqrt(i), 9);
  });

  it('sends get closer as the rate climbs and further apart as it falls', () => {
    const t = times([{ atS: 0, perS: 10 }, { atS: 10, perS: 100 }, { atS: 20, perS: 10 }]);
    expect(t.length).toBe(1100);
    const gap = (i: number): number => t[i + 1]! - t[i]!;
    expect(gap(0)).toBeGreaterThan(gap(300));
    expect(gap(540)).toBeLessThan(11); // ~10 ms at the 100/s peak (t = 10 s)
    expect(gap(1098)).toBeGreaterThan(gap(800));
    for (let i = 1; i < t.length; i++) expect(t[i]!).toBeGreaterThanOrEqual(t[i - 1]!);
    expect(t[t.length - 1]!).toBeLessThanOrEqual(20_000);
  });

  it('dueBy counts exactly the sends intended by then', () => {
    const s = rampSchedule([{ atS: 0, perS: 3 }, { atS: 5, perS: 40 }, { atS: 6, perS: 40 }, { atS: 9, perS: 1 }]);
    expect(s.dueBy(-1)).toBe(0);
    expect(s.dueBy(0)).toBe(1);
    for (let i = 0; i < s.total; i++) {
      expect(s.dueBy(s.atMs(i))).toBeGreaterThanOrEqual(i + 1);
      if (s.atMs(i) > 0) expect(s.dueBy(s.atMs(i) - 1e-6)).toBeLessThanOrEqual(i);
    }
    expect(s.dueBy(1e9)).toBe(s.total);
  });

  it('a flat stage between ramps keeps a constant spacing', () => {
    const s = rampSchedule([{ atS: 0, perS: 10 }, { atS: 1, perS: 50 }, { atS: 3, perS: 50 }]);
    // 30 requests in the ramp, then 100 at 50/s: 20 ms apart.
    expect(s.atMs(30)).toBeCloseTo(1000, 6);
    expect(s.atMs(60) - s.atMs(59)).toBeCloseTo(20, 6);
  });
});

describe('scenario plans', () => {
  const ci = gateProfile('ci');

  it('arrival-rate scenarios follow arrivalSchedule, scaled', () => {
    const o = { rateScale: 0.5, durationScale: 0.1 };
    const plan = scenarioPlan(SCENARIOS.stress, ci, o);
    expect(plan.kind).toBe('arrival');
    if (plan.kind !== 'arrival') return;
    const points = arrivalSchedule(SCENARIOS.stress, ci, o)!;
    expect(plan.durationS).toBe(points[points.length - 1]!.atS);
    expect(plan.schedule.peakPerS).toBe(Math.max(...points.map((p) => p.perS)));
    const load = scenarioPlan(SCENARIOS.load, ci, { durationScale: 0.05 });
    // load: 1.2 × the ci throughput gate (50/s) for 60 s × 0.05.
    expect(load.kind === 'arrival' && load.schedule.total).toBe(60 * 3);
  });

  it('smoke is per-vu-iterations', () => {
    expect(scenarioPlan(SCENARIOS.smoke, ci)).toEqual({ kind: 'per-vu', vus: 1, iterations: 30, maxDurationS: 60 });
  });

  it('only the scenario\'s gates judge it (judgeBench reads runner.scenario)', () => {
    const run = { latency_corrected: true, latency_ms: { p95: 1 }, throughput_rps: 1, error_rate: 0, recall_at_k: 1 };
    const names = (scenario: string) => judgeBench({ ...run, runner: { tool: 'vdb-readiness' as const, scenario } }, ci).gates.results.map((g) => g.name);
    expect(names('stress')).toEqual(['error_rate', 'recall_at_10']);
    expect(names('load')).toEqual(['search_p95', 'throughput', 'error_rate', 'recall_at_10']);
    expect(judgeBench({ ...run, runner: { tool: 'k6' as const, scenario: 'load', thresholds: [{ metric: 'm', expression: 'p(95)<1', ok: false }] } }, ci).pass).toBe(false);
  });

  it('a mix with more than searches says the other kinds were left to k6', () => {
    expect(mixWarning(SCENARIOS.load)).toBeNull();
    expect(mixWarning(SCENARIOS.mixed)).toMatch(/10 % upsert, 5 % health, 5 % graphql: the built-in driver sent searches only.*npm run k6 -- mixed/);
  });
});
