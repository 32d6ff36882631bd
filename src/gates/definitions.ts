/**
 * Release gates as data. Every runner (bench, readiness, k6 thresholds) evaluates these same
 * definitions; nothing else decides pass/fail of a performance figure. Plain data with type-only
 * imports, so that k6 scripts load it too (scenarios/k6).
 */
import type { GateDef } from './schema.ts';
import { SOAK_RULES } from '../soak/rules.ts';

export type GateProfileName = 'production' | 'ci';

export interface GateProfile {
  name: GateProfileName;
  /** Shown next to every verdict of the profile. */
  label: string;
  gates: GateDef[];
}

const RUNBOOK = 'RUNBOOK 4.5 performance targets';

/** One gate per soak rule (tolerances in src/soak/rules.ts): the score is the change as a share of the tolerance. */
const soakGates = (profile: GateProfileName): GateDef[] =>
  SOAK_RULES[profile].map((r) => ({ name: r.name, metric: `resources.judged.${r.name}.score`, op: '<', threshold: 1, unit: 'of tolerance', source: `soak rule (src/soak/rules.ts): ${r.what}` }));

export const GATE_PROFILES: Record<GateProfileName, GateProfile> = {
  production: {
    name: 'production',
    label: 'production (runbook targets)',
    gates: [
      { name: 'search_p95', metric: 'latency_ms.p95', op: '<', threshold: 10, unit: 'ms', source: RUNBOOK },
      { name: 'throughput', metric: 'throughput_rps', op: '>', threshold: 10_000, unit: 'ops/s', source: RUNBOOK },
      { name: 'error_rate', metric: 'error_rate', op: '<', threshold: 0.001, unit: 'ratio', source: 'suite default (< 0.1 %)' },
      { name: 'recall_at_10', metric: 'recall_at_k', op: '>=', threshold: 0.95, unit: 'ratio', source: 'suite default' },
      { name: 'health_latency', metric: 'health_latency_ms.max', op: '<', threshold: 100, unit: 'ms', source: 'suite default' },
      ...soakGates('production'),
    ],
  },
  ci: {
    name: 'ci',
    label: 'ci (small shared machine: NOT the production targets)',
    gates: [
      { name: 'search_p95', metric: 'latency_ms.p95', op: '<', threshold: 50, unit: 'ms', source: 'ci profile' },
      { name: 'throughput', metric: 'throughput_rps', op: '>', threshold: 50, unit: 'ops/s', source: 'ci profile' },
      { name: 'error_rate', metric: 'error_rate', op: '<', threshold: 0.001, unit: 'ratio', source: 'suite default (< 0.1 %)' },
      { name: 'recall_at_10', metric: 'recall_at_k', op: '>=', threshold: 0.95, unit: 'ratio', source: 'suite default' },
      { name: 'health_latency', metric: 'health_latency_ms.max', op: '<', threshold: 100, unit: 'ms', source: 'suite default' },
      ...soakGates('ci'),
    ],
  },
};

export function gateProfile(name: string): GateProfile {
  const p = (GATE_PROFILES as Record<string, GateProfile | undefined>)[name];
  if (!p) throw new Error(`unknown gate profile "${name}" (known: ${Object.keys(GATE_PROFILES).join(', ')})`);
  return p;
}

export function findGate(profile: GateProfile, name: string): GateDef | undefined {
  return profile.gates.find((g) => g.name === name);
}
