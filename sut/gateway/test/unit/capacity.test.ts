/** bench:gateway's capacity arithmetic, scaling figure and throughput targets (figures/lib/capacity.ts, scaling.ts, targets.ts). */
import { describe, expect, it } from 'vitest';
import { capacityPlan, erlangC, queueWaitQuantileMs, renderCapacity, RUNBOOK_SHAPE } from '../../figures/lib/capacity.ts';
import { machineCap, renderScaling, visitOrder } from '../../figures/lib/scaling.ts';
import { throughputTargets } from '../../figures/lib/targets.ts';

describe('queueing (M/M/c)', () => {
  it('Erlang C matches the closed forms for one and two servers', () => {
    expect(erlangC(1, 0.5, 1)).toBeCloseTo(0.5, 12);
    expect(erlangC(2, 1, 1)).toBeCloseTo(1 / 3, 12);
    expect(erlangC(2, 2, 1)).toBe(1);
  });

  it('the wait quantile: ln(C / (1 − p)) / (cμ − λ), 0 when few wait, ∞ when the servers cannot keep up', () => {
    expect(queueWaitQuantileMs(1, 0.5, 1, 0.95)).toBeCloseTo(2 * Math.log(10) * 1000, 6);
    expect(queueWaitQuantileMs(16, 1000, 1000, 0.95)).toBe(0);
    expect(queueWaitQuantileMs(4, 400, 100, 0.95)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('capacity for the runbook shape', () => {
  const uncached = { gateway: 0.35, nginx: 0.062, redis: 0.056, qdrant: 0.74 };
  const cached = { gateway: 0.165, nginx: 0.06, redis: 0.05, qdrant: 0 };

  it('per core from CPU per search; the engine limits at 0.74 ms a search, and 10,000/s fits', () => {
    const input = { engine: { kind: 'qdrant' as const, version: '1.15.0' }, uncached, directEngineMs: 0.74, cached, unloadedP95Ms: 2 };
    const plan = capacityPlan(input);
    expect(plan.perCore.engine).toBeCloseTo(1000 / 0.74, 9);
    expect(plan.perCore.gatewayUncached).toBeCloseTo(1000 / 0.35, 9);
    expect(plan.perCore.tierUncached).toBeCloseTo(1000 / 0.468, 9);
    expect(plan.engineMaxPerS).toBeCloseTo((16 * 0.7 * 1000) / 0.74, 6);
    expect(plan.gatewayMaxPerS).toBeCloseTo((32 * 0.7 * 1000) / 0.35, 6);
    expect(plan.limit).toBe('engine');
    expect(plan.needed).toEqual({ engineCores: Math.ceil((10_000 * 0.74) / 1000 / 0.7), gatewayWorkers: Math.ceil((10_000 * 0.35) / 1000 / 0.7), nginxRedisCores: 2 });
    // 46 % busy on 16 cores: fewer than 5 % of searches wait, p95 is the unloaded one
    expect(plan.p95AtTargetMs).toBe(2);
    expect(plan.withinReach).toBe(true);
    const text = renderCapacity(input, plan).join('\n');
    expect(text).toContain('within reach, limited first by the engine');
    expect(text).not.toContain('qdrant-local');
  });

  it('an engine at 2 ms a search is short on cores, and says how many it needs; qdrant-local is labelled', () => {
    const input = { engine: { kind: 'qdrant-local' as const, version: '0.1.0' }, uncached: { ...uncached, qdrant: 2 }, directEngineMs: 2, cached, unloadedP95Ms: 3 };
    const plan = capacityPlan(input);
    expect(plan.withinReach).toBe(false);
    expect(plan.needed.engineCores).toBe(29);
    const text = renderCapacity(input, plan).join('\n');
    expect(text).toMatch(/NOT within reach: short on the engine \(needs 29 cores, has 16\)/);
    expect(text).toMatch(/qdrant-local's, not a real Qdrant's/);
  });

  it('a busier engine adds its queue to p95', () => {
    const plan = capacityPlan({ engine: { kind: 'qdrant' as const, version: '' }, uncached, directEngineMs: 1.05, cached, unloadedP95Ms: 2 });
    const wait = queueWaitQuantileMs(16, 10_000, 1000 / 1.05, 0.95);
    expect(wait).toBeGreaterThan(0);
    expect(plan.p95AtTargetMs).toBeCloseTo(2 + wait, 9);
  });

  it('a slow unloaded path fails on latency even with cores to spare', () => {
    const plan = capacityPlan({ engine: { kind: 'qdrant' as const, version: '' }, uncached, directEngineMs: 0.74, cached, unloadedP95Ms: 12 });
    expect(plan.withinReach).toBe(false);
    expect(RUNBOOK_SHAPE.p95TargetMs).toBe(10);
  });
});

describe('gateway workers scaling figure', () => {
  it('visits there and back, judges 2 against 1 worker, and states the machine\'s cap', () => {
    expect(visitOrder([1, 2])).toEqual([1, 2, 1]);
    expect(visitOrder([1, 2, 4])).toEqual([1, 2, 4, 2, 1]);
    const lines = renderScaling(
      [
        { workers: 1, visits: [5000, 5200], searchesPerS: 5100, gatewayCpuMs: 0.165, otherCpuMs: 0.11 },
        { workers: 2, visits: [5600], searchesPerS: 5600, gatewayCpuMs: 0.18, otherCpuMs: 0.11 },
      ],
      16,
      2,
    ).join('\n');
    expect(lines).toContain('×1.10 (target ≥ ×1.25: NOT met)');
    // 5,100/s × 0.275 ms = 1.40 cores busy at 1 worker: 2 cores carry at most ×2/1.40
    expect(lines).toContain('keeps 1.40 of 2 cores busy');
    expect(lines).toContain(`at most ×${(2 / ((5100 * 0.275) / 1000)).toFixed(2)} with 2 workers`);
    expect(machineCap({ workers: 1, visits: [2000], searchesPerS: 2000, gatewayCpuMs: 0.5, otherCpuMs: 0.1 }, 2)).toBeCloseTo(2 / 1.2, 6);
    // a cheap search on a fast machine: never more than n × 1 worker
    expect(machineCap({ workers: 1, visits: [1000], searchesPerS: 1000, gatewayCpuMs: 0.2, otherCpuMs: 0.1 }, 2)).toBe(2);
  });
});

describe('throughput targets', () => {
  it('judges 70 % always, and 85 % only at 8 clients with the engine on its own cores', () => {
    expect(throughputTargets(0.9, 'split', 8)).toBe('target >= 70 %: met; scale target >= 85 % at 8 clients under split placement: met');
    expect(throughputTargets(0.8, 'split', 8)).toBe('target >= 70 %: met; scale target >= 85 % at 8 clients under split placement: NOT met');
    expect(throughputTargets(0.6, 'split', 8)).toContain('target >= 70 %: NOT met;');
    expect(throughputTargets(0.9, 'shared', 8)).toContain('placement: judged only with split placement and 8 clients');
    expect(throughputTargets(0.9, 'split', 4)).toContain('placement: judged only with split placement and 8 clients');
  });
});
