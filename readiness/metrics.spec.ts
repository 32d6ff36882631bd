import { expect, test } from 'vitest';
import { parsePrometheus, sumSamples } from '../src/readiness/prometheus.ts';
import type { MetricFamily } from '../src/readiness/prometheus.ts';
import { expectStatus } from './lib/expectations.ts';
import { gw } from './lib/http.ts';
import { note } from './lib/record.ts';

async function scrape(): Promise<Map<string, MetricFamily>> {
  const r = await gw.get('/metrics');
  expectStatus(r, 200, '/metrics');
  expect(r.headers['content-type'] ?? '', 'content type is Prometheus text').toMatch(/text\/plain|openmetrics/);
  return parsePrometheus(r.text);
}

function byPattern(families: Map<string, MetricFamily>, re: RegExp, type?: string): MetricFamily[] {
  return [...families.values()].filter((f) => re.test(f.name) && (!type || f.type === type));
}

test('/metrics parses as Prometheus text', async () => {
  const families = await scrape();
  note('families', `${families.size} metric families`);
  expect(families.size, 'metric families').toBeGreaterThan(0);
});

test('the runbook grep finds latency, throughput and error_rate series', async () => {
  const families = await scrape();
  for (const word of ['latency', 'throughput', 'error_rate']) {
    expect(byPattern(families, new RegExp(word)).length, `a series matching "${word}"`).toBeGreaterThan(0);
  }
});

test('a request latency histogram, a request counter and an error counter exist', async () => {
  const families = await scrape();
  const hist = byPattern(families, /request.*latency|latency.*request|request_duration/, 'histogram');
  note('histogram', hist.map((f) => f.name).join(', '));
  expect(hist.length, 'request latency histogram').toBeGreaterThan(0);
  const samples = hist[0]!.samples.map((s) => s.name);
  expect(samples.some((n) => n.endsWith('_bucket')), 'histogram has buckets').toBe(true);
  expect(samples.some((n) => n.endsWith('_count')), 'histogram has a count').toBe(true);
  expect(byPattern(families, /(requests?|throughput).*_total$|requests?_total|throughput/, 'counter').length, 'request counter').toBeGreaterThan(0);
  expect(byPattern(families, /error/, 'counter').length, 'error counter').toBeGreaterThan(0);
});

test('request and error counters move after traffic', async () => {
  const before = await scrape();
  const hist = byPattern(before, /request.*latency|latency.*request|request_duration/, 'histogram')[0];
  const errors = byPattern(before, /error/, 'counter')[0];
  expect(hist, 'latency histogram').toBeDefined();
  expect(errors, 'error counter').toBeDefined();
  const countName = `${hist!.name}_count`;
  const errName = errors!.samples[0]?.name ?? `${errors!.name}`;
  const c0 = sumSamples(before, countName);
  const e0 = sumSamples(before, errName);
  for (let i = 0; i < 5; i++) await gw.post('/api/v1/vectors/search', { collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 3 }, { quiet: true });
  for (let i = 0; i < 3; i++) await gw.post('/api/v1/vectors/search', { collection: 'test', query_vector: [], limit: 3 }, { quiet: true });
  const after = await scrape();
  const c1 = sumSamples(after, countName);
  const e1 = sumSamples(after, errName);
  note('movement', `${countName}: ${c0} → ${c1}; ${errName}: ${e0} → ${e1}`);
  expect(c1 - c0, 'requests counted by the latency histogram').toBeGreaterThanOrEqual(8);
  expect(e1 - e0, 'errors counted').toBeGreaterThanOrEqual(3);
});
