import { describe, expect, it } from 'vitest';
import { GATE_PROFILES, gateProfile } from '../../../src/gates/definitions.ts';
import { allGatesPass, evaluateGates, readMetric } from '../../../src/gates/evaluate.ts';

describe('gates', () => {
  it('reads dotted metric keys and ignores non-numbers', () => {
    expect(readMetric({ latency_ms: { p95: 4.2 } }, 'latency_ms.p95')).toBe(4.2);
    expect(readMetric({ latency_ms: { p95: 'x' } }, 'latency_ms.p95')).toBeNull();
    expect(readMetric({}, 'latency_ms.p95')).toBeNull();
  });

  it('fails the production p95 gate at 10 ms and passes just under it', () => {
    const gates = GATE_PROFILES.production.gates.filter((g) => g.name === 'search_p95');
    expect(allGatesPass(evaluateGates(gates, { latency_ms: { p95: 10 } }))).toBe(false);
    expect(allGatesPass(evaluateGates(gates, { latency_ms: { p95: 9.99 } }))).toBe(true);
  });

  it('a gate whose metric was not measured is dropped, or failed when kept', () => {
    const gates = GATE_PROFILES.production.gates;
    expect(evaluateGates(gates, {})).toEqual([]);
    const kept = evaluateGates(gates, {}, { keepMissing: true });
    expect(kept).toHaveLength(gates.length);
    expect(kept.every((g) => !g.pass && g.value === null)).toBe(true);
  });

  it('rejects an unknown profile by name', () => {
    expect(() => gateProfile('staging')).toThrow(/unknown gate profile "staging"/);
  });
});
