/**
 * `setup()` as a readiness gate: the gateway is up, the key is accepted, the models are listed and
 * each collection holds the suite's fixtures (its planted neighbour comes back). Otherwise the run
 * stops before any load with one line naming the fix (`exec.test.abort`, k6 exit 108). The
 * decisions are pure (readiness.ts); this file asks the questions.
 */
import exec from 'k6/execution';
import type { K6Config } from './config.ts';
import { maskUrl } from './config.ts';
import { fixtureSpecOf, plantedK, searchPayload } from './payloads.ts';
import { checkHealth, checkK, checkModels, checkSeeded, checkUrl } from './readiness.ts';
import type { Answer, Step } from './readiness.ts';
import { jsonBody, search, setupGet } from './requests.ts';
import type { SetupData } from './types.ts';

function answer(res: { status: number; error: string; body: unknown }): Answer {
  return { status: res.status, ...(res.error ? { error: res.error } : {}), body: jsonBody(res) };
}

function need<T>(step: Step<T>): T {
  if (step.ok) return step.value;
  const message = `vdb-readiness: ${step.message}`;
  exec.test.abort(message);
  throw new Error(message); // not reached: abort stops the test
}

export function readinessSetup(cfg: K6Config): SetupData {
  const url = need(checkUrl(cfg.gatewayUrl));
  const shown = maskUrl(url);
  need(checkHealth(shown, answer(setupGet(cfg, '/health'))));
  const models = need(checkModels(shown, answer(setupGet(cfg, '/api/v1/models')), cfg.models, cfg.apiKey !== undefined));
  for (const m of models) {
    const spec = fixtureSpecOf(m);
    need(checkK(cfg.k, plantedK(spec)));
    const top = searchPayload(m, spec, 0, cfg.k).neighbors[0]!;
    need(checkSeeded(m, answer(search(cfg, m, spec, 0, 'setup').res), top));
  }
  console.log(`vdb-readiness: ${models.length} model(s) ready at ${shown}: ${models.map((m) => m.name).join(', ')}`);
  return { models: models.map(({ name, collection, dimension, distance }) => ({ name, collection, dimension, distance })) };
}
