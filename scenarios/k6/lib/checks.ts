/**
 * Checks on every answer and the metrics the thresholds and the summary read: `recall_at_k` (a
 * Trend, tagged by model: |returned ∩ planted top-k| / k), `search_errors` (a Counter tagged by
 * model and error class) and `search_cached` (answers the gateway served from its cache). The
 * verdicts themselves are pure (answers.ts).
 */
import { check } from 'k6';
import type { RefinedResponse } from 'k6/http';
import { Counter, Trend } from 'k6/metrics';
import { judgeSearch } from './answers.ts';
import type { SearchVerdict } from './answers.ts';
import { METRIC } from './options.ts';
import type { PlannedSearch } from './payloads.ts';
import { jsonBody } from './requests.ts';
import type { ModelRef } from './types.ts';

export const recallAtK = new Trend(METRIC.recall);
export const searchErrors = new Counter(METRIC.searchErrors);
export const searchCached = new Counter(METRIC.searchCached);

export function checkSearch(res: RefinedResponse<'text'>, planned: PlannedSearch, m: ModelRef, k: number): SearchVerdict {
  const v = judgeSearch({ status: res.status, errorCode: res.error_code, body: jsonBody(res) }, planned.neighbors, k, m.distance);
  const tags = { endpoint: 'search', model: m.name };
  check(v, {
    'search: status 200': (x) => x.status200,
    'search: results present': (x) => x.present,
    'search: ids are integers': (x) => x.integerIds,
    'search: ordered by score': (x) => x.ordered,
  }, tags);
  if (v.errorClass !== null) searchErrors.add(1, { model: m.name, class: v.errorClass });
  if (v.recall !== null) recallAtK.add(v.recall, { model: m.name });
  if (v.cached) searchCached.add(1, { model: m.name });
  return v;
}

export function checkStatus(what: 'upsert' | 'health' | 'graphql', res: RefinedResponse<'text'>, model?: string): boolean {
  const tags: Record<string, string> = { endpoint: what };
  if (model) tags.model = model;
  if (what === 'graphql') {
    return check(res, {
      'graphql: status 200': (r) => r.status === 200,
      'graphql: health status': (r) => typeof (jsonBody(r) as { data?: { health?: { status?: unknown } } } | undefined)?.data?.health?.status === 'string',
    }, tags);
  }
  return check(res, { [`${what}: status 200`]: (r) => r.status === 200 }, tags);
}
