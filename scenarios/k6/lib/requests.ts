/**
 * The calls an iteration makes, each tagged by endpoint (and model), so thresholds and the summary
 * can tell searches from health calls: search (a planted query of the model's fixture), upsert
 * (a point rewritten with its own vector and payload), model health, GraphQL health.
 */
import http from 'k6/http';
import type { RefinedResponse } from 'k6/http';
import type { DatasetSpec } from '../../../fixtures/src/index.ts';
import type { K6Config } from './config.ts';
import { headers } from './config.ts';
import { GRAPHQL_HEALTH_BODY, searchPayload, upsertPayload } from './payloads.ts';
import type { PlannedSearch } from './payloads.ts';
import type { ModelRef } from './types.ts';

export type Endpoint = 'search' | 'upsert' | 'health' | 'graphql' | 'setup';

const TIMEOUT = '10s';

const params = (cfg: K6Config, tags: Record<string, string>) => ({ headers: headers(cfg), tags, timeout: TIMEOUT });

/** A search with planted query j of the model's fixture (`given`: the same, already built). */
export function search(cfg: K6Config, m: ModelRef, spec: DatasetSpec, j: number, endpoint: Endpoint = 'search', given?: PlannedSearch): { res: RefinedResponse<'text'>; planned: PlannedSearch } {
  const planned = given ?? searchPayload(m, spec, j, cfg.k);
  const res = http.post(`${cfg.gatewayUrl}/api/v1/vectors/search`, planned.body, params(cfg, { endpoint, model: m.name }));
  return { res, planned };
}

export function upsert(cfg: K6Config, m: ModelRef, spec: DatasetSpec, n: number): RefinedResponse<'text'> {
  const planned = upsertPayload(m, spec, n);
  return http.post(`${cfg.gatewayUrl}/api/v1/vectors/upsert`, planned.body, params(cfg, { endpoint: 'upsert', model: m.name }));
}

export function modelHealth(cfg: K6Config, m: ModelRef): RefinedResponse<'text'> {
  return http.get(`${cfg.gatewayUrl}/api/v1/models/${encodeURIComponent(m.name)}/health`, {
    ...params(cfg, { endpoint: 'health', model: m.name, name: '/api/v1/models/{model}/health' }),
  });
}

export function graphqlHealth(cfg: K6Config): RefinedResponse<'text'> {
  return http.post(`${cfg.gatewayUrl}/graphql`, GRAPHQL_HEALTH_BODY, params(cfg, { endpoint: 'graphql' }));
}

/** A plain GET for setup's questions (tagged `endpoint:setup`, so it never counts as a search). */
export function setupGet(cfg: K6Config, path: string): RefinedResponse<'text'> {
  return http.get(`${cfg.gatewayUrl}${path}`, params(cfg, { endpoint: 'setup' }));
}

/** The parsed JSON body, or undefined when there is none or it does not parse. */
export function jsonBody(res: { body: unknown }): unknown {
  if (typeof res.body !== 'string' || res.body === '') return undefined;
  try {
    return JSON.parse(res.body);
  } catch {
    return undefined;
  }
}
