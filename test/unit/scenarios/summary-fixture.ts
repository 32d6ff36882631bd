/**
 * handleSummary data of the documented shape (grafana k6 docs, "Custom summary": `metrics[name] =
 * {type, contains, values, thresholds?}`, submetrics named `metric{tag:value}`, `state`,
 * `options`, `root_group`, `setup_data`), as k6 would give it for the `load` scenario under the
 * ci profile against two models: figures chosen so every derived number is easy to check.
 */
import type { SummaryData, SummaryMetric } from '../../../scenarios/k6/lib/summary.ts';

const trend = (p: { avg: number; min: number; med: number; max: number; p90: number; p95: number; p99: number; p999: number; count: number }, thresholds?: Record<string, boolean>): SummaryMetric => ({
  type: 'trend',
  contains: 'time',
  values: { avg: p.avg, min: p.min, med: p.med, max: p.max, 'p(50)': p.med, 'p(90)': p.p90, 'p(95)': p.p95, 'p(99)': p.p99, 'p(99.9)': p.p999, count: p.count },
  ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])) } : {}),
});
const counter = (count: number, durationS: number, thresholds?: Record<string, boolean>): SummaryMetric => ({
  type: 'counter',
  contains: 'default',
  values: { count, rate: count / durationS },
  ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])) } : {}),
});
const rate = (passes: number, fails: number, thresholds?: Record<string, boolean>): SummaryMetric => ({
  type: 'rate',
  contains: 'default',
  values: { rate: passes / (passes + fails), passes, fails },
  ...(thresholds ? { thresholds: Object.fromEntries(Object.entries(thresholds).map(([k, ok]) => [k, { ok }])) } : {}),
});

export interface FixtureKnobs {
  /** Search p95 in ms (the ci gate is < 50). */
  p95?: number;
  dropped?: number;
}

/** 60 s of `load` at 60/s: 3,600 searches, 1,800 per model; 4 errors (3 × 5xx, 1 timeout) on hermes. */
export function loadSummary(knobs: FixtureKnobs = {}): SummaryData {
  const p95 = knobs.p95 ?? 12.5;
  const dropped = knobs.dropped ?? 0;
  const d = 60.5;
  const latencyOk = p95 < 50;
  const lat = (n: number) => ({ avg: 6.2, min: 1.1, med: 5.4, max: p95 * 3, p90: p95 * 0.8, p95, p99: p95 * 1.6, p999: p95 * 2.5, count: n });
  const metrics: Record<string, SummaryMetric> = {
    http_reqs: counter(3612, d),
    'http_reqs{endpoint:search}': counter(3600, d, { 'rate>50': true }),
    'http_reqs{endpoint:search,model:mixtral}': counter(1800, d, { 'count>=0': true }),
    'http_reqs{endpoint:search,model:hermes}': counter(1800, d, { 'count>=0': true }),
    http_req_duration: trend({ avg: 6.3, min: 1.0, med: 5.5, max: p95 * 3, p90: p95 * 0.8, p95, p99: p95 * 1.6, p999: p95 * 2.5, count: 3612 }),
    'http_req_duration{expected_response:true}': trend(lat(3608)),
    'http_req_duration{endpoint:search}': trend(lat(3600), { 'p(95)<50': latencyOk }),
    'http_req_duration{endpoint:search,model:mixtral}': trend(lat(1800), { 'max>=0': true }),
    'http_req_duration{endpoint:search,model:hermes}': trend(lat(1800), { 'max>=0': true }),
    http_req_failed: rate(4, 3608, { 'rate<0.001': false }),
    recall_at_k: trend({ avg: 0.99, min: 0.8, med: 1, max: 1, p90: 1, p95: 1, p99: 1, p999: 1, count: 3596 }, { 'avg>=0.95': true }),
    'recall_at_k{model:mixtral}': trend({ avg: 1, min: 1, med: 1, max: 1, p90: 1, p95: 1, p99: 1, p999: 1, count: 1800 }, { 'max>=0': true }),
    'recall_at_k{model:hermes}': trend({ avg: 0.98, min: 0.8, med: 1, max: 1, p90: 1, p95: 1, p99: 1, p999: 1, count: 1796 }, { 'max>=0': true }),
    search_errors: counter(4, d),
    'search_errors{class:5xx}': counter(3, d, { 'count>=0': true }),
    'search_errors{class:timeout}': counter(1, d, { 'count>=0': true }),
    'search_errors{class:4xx}': counter(0, d, { 'count>=0': true }),
    'search_errors{model:hermes,class:5xx}': counter(3, d, { 'count>=0': true }),
    'search_errors{model:hermes,class:timeout}': counter(1, d, { 'count>=0': true }),
    search_cached: counter(36, d),
    checks: rate(14380, 16),
    iterations: counter(3600, d),
    vus: { type: 'gauge', contains: 'default', values: { value: 0, min: 0, max: 7 } },
    vus_max: { type: 'gauge', contains: 'default', values: { value: 24, min: 6, max: 24 } },
    data_sent: counter(15_000_000, d),
    data_received: counter(3_000_000, d),
  };
  if (dropped > 0) metrics.dropped_iterations = counter(dropped, d);
  return {
    root_group: {
      name: '',
      path: '',
      groups: [],
      checks: [
        { name: 'search: status 200', path: '::search: status 200', passes: 3596, fails: 4 },
        { name: 'search: results present', path: '::search: results present', passes: 3596, fails: 4 },
      ],
    },
    options: { summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(50)', 'p(90)', 'p(95)', 'p(99)', 'p(99.9)', 'count'], summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: false, isStdErrTTY: false, testRunDurationMs: d * 1000 },
    metrics,
    setup_data: {
      models: [
        { name: 'mixtral', collection: 'mixtral_vectors', dimension: 384, distance: 'Cosine' },
        { name: 'hermes', collection: 'hermes_vectors', dimension: 384, distance: 'Cosine' },
      ],
    },
  };
}
