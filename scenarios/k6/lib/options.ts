/**
 * A script's k6 `options`: the scenario model's (scenarios/model.ts k6Options: scenario entry and
 * thresholds generated from the gates), plus the submetrics the end-of-test summary must carry.
 * k6 puts a submetric in handleSummary's data only when a threshold names it, so the ones the
 * results file needs (search latency and counts per model, error classes) are declared with
 * thresholds that always hold — `max>=0`, `count>=0`, `rate>=0` — a known k6 idiom. They are told
 * apart from the gates' thresholds by those expressions (summary.ts leaves them out).
 * Pure: no k6 module, no Node API.
 */
import type { Options, Threshold } from 'k6/options';
import { ERROR_CLASSES } from '../../../src/bench/error-class.ts';
import type { ErrorClass } from '../../../src/bench/error-class.ts';
import type { GateProfile } from '../../../src/gates/definitions.ts';
import { k6Options } from '../../model.ts';
import type { ScenarioDef, ShapeOverrides } from '../../model.ts';

/** The always-true threshold of each metric type. */
export const DECLARE = { trend: 'max>=0', counter: 'count>=0', rate: 'rate>=0' } as const;
const DECLARATIONS = new Set<string>(Object.values(DECLARE));
export const isDeclaration = (expression: string): boolean => DECLARATIONS.has(expression.replace(/\s+/g, ''));

/** Error classes a search can end in (`dropped` comes from k6's `dropped_iterations`). */
export const SEARCH_ERROR_CLASSES: ErrorClass[] = ERROR_CLASSES.filter((c) => c !== 'dropped');

/** Custom metrics (checks.ts defines them; their names are shared with summary.ts). */
export const METRIC = {
  recall: 'recall_at_k',
  searchErrors: 'search_errors',
  searchCached: 'search_cached',
} as const;

/** `name{a:x,b:y}` (tags in the given order), or `name` without tags. */
export function metricKey(name: string, tags: Record<string, string> = {}): string {
  const t = Object.entries(tags).map(([k, v]) => `${k}:${v}`);
  return t.length === 0 ? name : `${name}{${t.join(',')}}`;
}

/** The submetrics the results file reads, with their type. */
export function summaryMetrics(models: string[]): { key: string; type: keyof typeof DECLARE }[] {
  const out: { key: string; type: keyof typeof DECLARE }[] = [
    { key: metricKey('http_req_duration', { endpoint: 'search' }), type: 'trend' },
    { key: metricKey('http_reqs', { endpoint: 'search' }), type: 'counter' },
    ...SEARCH_ERROR_CLASSES.map((c) => ({ key: metricKey(METRIC.searchErrors, { class: c }), type: 'counter' as const })),
  ];
  for (const model of models) {
    out.push(
      { key: metricKey('http_req_duration', { endpoint: 'search', model }), type: 'trend' },
      { key: metricKey('http_reqs', { endpoint: 'search', model }), type: 'counter' },
      { key: metricKey(METRIC.recall, { model }), type: 'trend' },
      ...SEARCH_ERROR_CLASSES.map((c) => ({ key: metricKey(METRIC.searchErrors, { model, class: c }), type: 'counter' as const })),
    );
  }
  return out;
}

/** The thresholds of `options` that are not declarations: the gates' own. */
export function gateThresholds(thresholds: Record<string, Threshold[]> | undefined): Record<string, Threshold[]> {
  const out: Record<string, Threshold[]> = {};
  for (const [key, list] of Object.entries(thresholds ?? {})) {
    const kept = list.filter((t) => !isDeclaration(typeof t === 'string' ? t : t.threshold));
    if (kept.length > 0) out[key] = kept;
  }
  return out;
}

/** The options a scenario script exports. */
export function scriptOptions(s: ScenarioDef, profile: GateProfile, overrides: ShapeOverrides, models: string[]): Options {
  const base = k6Options(s, profile, overrides);
  const thresholds: Record<string, Threshold[]> = { ...(base.thresholds as Record<string, Threshold[]>) };
  for (const m of summaryMetrics(models)) if (!(m.key in thresholds)) thresholds[m.key] = [DECLARE[m.type]];
  return { ...base, thresholds, setupTimeout: '120s' };
}
