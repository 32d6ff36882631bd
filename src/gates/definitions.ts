/**
 * Release gates as data. Every runner (bench, readiness, k6 thresholds) evaluates these same
 * definitions; nothing else decides pass/fail of a performance figure.
 */
import { z } from 'zod';

export const GATE_OPS = ['<', '<=', '>', '>='] as const;
export type GateOp = (typeof GATE_OPS)[number];

/** A gate's fields, defined once: the profiles below, results files and k6 thresholds all use them. */
export const gateDefSchema = z.object({
  name: z.string().describe('stable gate name, used in results, JUnit and the report'),
  metric: z.string().describe('the metric key the gate reads from a run (e.g. `latency_ms.p95`)'),
  op: z.enum(GATE_OPS).describe('comparison the measured value must satisfy'),
  threshold: z.number().describe('the value it is compared with'),
  unit: z.string().describe('unit of value and threshold'),
  source: z.string().describe('where the number comes from'),
});
export type GateDef = z.infer<typeof gateDefSchema>;

/** A gate as evaluated by a run: its definition, the measured value (null: not measured, so not passed), pass. */
export const gateResultSchema = gateDefSchema.omit({ source: true }).extend({
  value: z.number().nullable().describe('what the run measured; null when it did not (then the gate is not passed)'),
  pass: z.boolean().describe('whether value satisfies op threshold'),
});
export type GateResult = z.infer<typeof gateResultSchema>;

export type GateProfileName = 'production' | 'ci';

export interface GateProfile {
  name: GateProfileName;
  /** Shown next to every verdict of the profile. */
  label: string;
  gates: GateDef[];
}

const RUNBOOK = 'RUNBOOK 4.5 performance targets';

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
