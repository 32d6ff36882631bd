import { describe, expect, it } from 'vitest';
import { checkHealth, checkK, checkModels, checkSeeded, checkUrl, readinessGate } from '../../../scenarios/k6/lib/readiness.ts';
import type { Answer } from '../../../scenarios/k6/lib/readiness.ts';
import type { ModelRef } from '../../../scenarios/k6/lib/types.ts';

const URL = 'http://127.0.0.1:8080';
const mixtral: ModelRef = { name: 'mixtral', collection: 'mixtral_vectors', dimension: 384, distance: 'Cosine' };
const modelsBody = { models: [mixtral, { ...mixtral, name: 'hermes', collection: 'hermes_vectors', backup_priority: 'high', endpoint: null }] };
const ok = (body: unknown = {}): Answer => ({ status: 200, body });
const message = (s: { ok: boolean; message?: string }): string => (s.ok ? 'ok' : s.message!);

describe('setup as a readiness gate: one line naming the fix', () => {
  it('no URL or a bad one', () => {
    expect(message(checkUrl(''))).toMatch(/^VDB_GATEWAY_URL is not set: .*npm run stack -- up/);
    expect(message(checkUrl('127.0.0.1:8080'))).toMatch(/is not an http\(s\) URL/);
    expect(checkUrl(URL).ok).toBe(true);
  });

  it('unreachable → check VDB_GATEWAY_URL or start the stack', () => {
    const m = message(checkHealth(URL, { status: 0, error: 'dial tcp 127.0.0.1:8080: connect: connection refused' }));
    expect(m).toMatch(/unreachable \(dial tcp.*refused\): check VDB_GATEWAY_URL, or start the local stack with `npm run stack -- up`/);
    expect(message(checkHealth(URL, { status: 503 }))).toMatch(/answered GET \/health with 503/);
    expect(checkHealth(URL, ok()).ok).toBe(true);
  });

  it('401/403 → set VDB_API_KEY', () => {
    expect(message(checkModels(URL, { status: 401 }, undefined, false))).toMatch(/needs an API key .*: set VDB_API_KEY$/);
    expect(message(checkModels(URL, { status: 403 }, undefined, true))).toMatch(/refused the API key .*: set VDB_API_KEY to a key the gateway accepts/);
  });

  it('no models, a wrong shape, or VDB_MODELS naming unknown ones', () => {
    expect(message(checkModels(URL, ok({ models: [] }), undefined, true))).toMatch(/lists no models: .*npm run readiness -- --keep.*npm run fixtures -- load/);
    expect(message(checkModels(URL, ok({ hello: 1 }), undefined, true))).toMatch(/did not answer \{models/);
    expect(message(checkModels(URL, ok(modelsBody), ['mixtral', 'phi9'], true))).toMatch(/VDB_MODELS names phi9, which the gateway does not list \(it has mixtral, hermes\)/);
    const picked = checkModels(URL, ok(modelsBody), ['hermes'], true);
    expect(picked.ok && picked.value.map((m) => m.name)).toEqual(['hermes']);
    const all = checkModels(URL, ok(modelsBody), undefined, true);
    expect(all.ok && all.value).toEqual([mixtral, { ...mixtral, name: 'hermes', collection: 'hermes_vectors' }]);
  });

  it('not seeded → the collection is not seeded with the suite\'s fixtures, and how to seed it', () => {
    const hits = (ids: number[]) => ok({ results: ids.map((id, i) => ({ id, score: 1 - i / 10 })) });
    expect(checkSeeded(mixtral, hits([17, 5, 9]), 17).ok).toBe(true);
    expect(message(checkSeeded(mixtral, hits([1, 2, 3]), 17))).toMatch(/collection mixtral_vectors of model mixtral is not seeded with the suite's fixtures .*npm run readiness -- --keep/);
    expect(message(checkSeeded(mixtral, { status: 404 }, 17))).toMatch(/does not exist: run `npm run readiness -- --keep`/);
    expect(message(checkSeeded(mixtral, { status: 401 }, 17))).toMatch(/set VDB_API_KEY/);
    expect(message(checkK(20, 10))).toMatch(/VDB_K=20 is beyond the planted truth .*k ≤ 10/);
  });

  it('the whole gate stops at the first failing step', () => {
    const seeded = (m: ModelRef) => ({ answer: ok({ results: [{ id: m.name === 'mixtral' ? 1 : 2, score: 1 }] }), plantedTop: 1 });
    const base = { url: URL, keySet: true, health: ok(), models: ok(modelsBody), probes: seeded };
    expect(message(readinessGate({ ...base, url: '' }))).toMatch(/VDB_GATEWAY_URL is not set/);
    expect(message(readinessGate({ ...base, health: { status: 0 } }))).toMatch(/unreachable/);
    expect(message(readinessGate(base))).toMatch(/hermes_vectors of model hermes is not seeded/);
    const one = readinessGate({ ...base, wanted: ['mixtral'] });
    expect(one.ok && one.value.map((m) => m.name)).toEqual(['mixtral']);
  });
});
