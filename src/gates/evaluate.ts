import type { GateDef, GateOp, GateResult } from './schema.ts';

/** Reads a dotted key (`latency_ms.p95`) from a nested metrics object. */
export function readMetric(metrics: unknown, key: string): number | null {
  let cur: unknown = metrics;
  for (const part of key.split('.')) {
    if (cur === null || typeof cur !== 'object') return null;
    cur = (cur as Record<string, unknown>)[part];
  }
  return typeof cur === 'number' && Number.isFinite(cur) ? cur : null;
}

export function compare(value: number, op: GateOp, threshold: number): boolean {
  switch (op) {
    case '<':
      return value < threshold;
    case '<=':
      return value <= threshold;
    case '>':
      return value > threshold;
    case '>=':
      return value >= threshold;
  }
}

/** Evaluates gates against measured metrics. Only gates whose metric the run measured are kept unless `keepMissing`. */
export function evaluateGates(gates: GateDef[], metrics: unknown, opts: { keepMissing?: boolean } = {}): GateResult[] {
  const out: GateResult[] = [];
  for (const g of gates) {
    const value = readMetric(metrics, g.metric);
    if (value === null && !opts.keepMissing) continue;
    out.push({
      name: g.name,
      metric: g.metric,
      op: g.op,
      threshold: g.threshold,
      unit: g.unit,
      value,
      pass: value !== null && compare(value, g.op, g.threshold),
    });
  }
  return out;
}

export const allGatesPass = (results: GateResult[]): boolean => results.every((r) => r.pass);
