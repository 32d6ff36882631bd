/**
 * A gate's fields as zod schemas, defined once: the profiles (definitions.ts), results files and
 * k6 thresholds all use these types. Kept apart from the profiles so that those stay plain data
 * that k6 can load (no zod there).
 */
import { z } from 'zod';

export const GATE_OPS = ['<', '<=', '>', '>='] as const;
export type GateOp = (typeof GATE_OPS)[number];

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
