import { expect, test } from 'vitest';
import { findGate } from '../src/gates/definitions.ts';
import { percentile } from '../src/readiness/stats.ts';
import { gw } from './lib/http.ts';
import { fixtureQuery, modelConfig } from './lib/models.ts';
import { measure, note } from './lib/record.ts';
import { MODELS, target } from './lib/target.ts';

/** A smoke, not a load test (that is `npm run bench`): enough searches for a stable p95. */
const SEARCHES = 200;
/**
 * Two searches in flight: the smoke measures how fast one search is answered. More clients on a
 * small CI box measure queueing in front of a saturated CPU, which is the load test's job.
 */
const CONCURRENCY = 2;
const WARMUP = 20;
const gate = findGate(target().gates, 'search_p95');
const P95_LIMIT_MS = gate?.threshold ?? 10;

test.each([...MODELS])(`%s: ${SEARCHES} searches all answered, p95 under the ${target().gates.name} gate (${P95_LIMIT_MS} ms)`, async (model) => {
  const cfg = await modelConfig(model);
  const queries = [0, 1, 2, 3, 4, 5, 6, 7].map((j) => fixtureQuery(cfg, j).vector);
  const latencies: number[] = [];
  const failures: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < SEARCHES; i = next++) {
      // Distinct limits defeat the result cache: every search reaches the engine.
      const body = { model, query_vector: queries[i % queries.length], limit: 5 + (i % 20), offset: Math.floor(i / 160) };
      try {
        const r = await gw.post('/api/v1/vectors/search', body, { quiet: true, timeoutMs: 5000 });
        latencies.push(r.ms);
        if (r.status !== 200) failures.push(`#${i}: HTTP ${r.status} ${r.text.slice(0, 80)}`);
        else if (!Array.isArray(r.json().results)) failures.push(`#${i}: no results list`);
      } catch (err) {
        failures.push(`#${i}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  // Unmeasured warm-up (connections, JIT, the engine's first touch of the collection), as any benchmark does.
  for (let i = 0; i < WARMUP; i++) await gw.post('/api/v1/vectors/search', { model, query_vector: queries[i % queries.length], limit: 100 - i }, { quiet: true, timeoutMs: 5000 }).catch(() => undefined);
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const secs = (performance.now() - t0) / 1000;
  const p50 = percentile(latencies, 50);
  const p95 = percentile(latencies, 95);
  const p99 = percentile(latencies, 99);
  measure('latency_ms.p95', p95);
  measure('error_rate', failures.length / SEARCHES);
  note('latency', `${SEARCHES} searches at concurrency ${CONCURRENCY} in ${secs.toFixed(2)} s (${Math.round(SEARCHES / secs)}/s): p50 ${p50} ms, p95 ${p95} ms, p99 ${p99} ms, max ${Math.max(...latencies)} ms`);
  if (failures.length) note('failures', failures.slice(0, 5).join('; '));
  expect(failures, `${failures.length} of ${SEARCHES} searches failed`).toEqual([]);
  expect(p95, `p95 ${p95} ms against the ${target().gates.name} gate`).toBeLessThan(P95_LIMIT_MS);
});
