import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const ERROR_RATE_WINDOW_S = 60;
export const ERROR_RATE_METRIC = 'gateway_http_error_rate';
export const ERROR_RATE_HELP = `Share of responses with status >= 400 over the last ${ERROR_RATE_WINDOW_S} s`;

/**
 * The gateway's Prometheus metrics, in their own registry. Names contain `latency`,
 * `throughput` and `error_rate` so that the runbook's grep finds them.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly requestLatency: Histogram<'method' | 'route' | 'status'>;
  readonly throughput: Counter<'method' | 'route' | 'status'>;
  readonly errors: Counter<'method' | 'route' | 'status'>;
  readonly inFlight: Gauge;
  readonly cacheHits: Counter<'collection'>;
  readonly cacheMisses: Counter<'collection'>;
  readonly speculativeQueries: Counter<'collection' | 'outcome'>;
  readonly qdrantUp: Gauge;
  readonly redisUp: Gauge;
  readonly qdrantLatency: Histogram<'op' | 'outcome'>;
  /** Label-bound children of the request metrics, by "method status route" (bounded: routes are the registered ones). */
  private readonly series = new Map<string, { latency: { observe(v: number): void }; throughput: { inc(): void }; errors: { inc(): void } | null }>();
  /** Per-second buckets of [requests, errors] for the rolling error rate. */
  private readonly window = new Map<number, [number, number]>();

  constructor(opts: { defaultMetrics: boolean; labels?: Record<string, string> }) {
    if (opts.labels) this.registry.setDefaultLabels(opts.labels);
    if (opts.defaultMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'gateway_' });
    const registers = [this.registry];
    this.requestLatency = new Histogram({
      name: 'gateway_http_request_latency_seconds',
      help: 'HTTP request latency in seconds, by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.throughput = new Counter({ name: 'gateway_http_throughput_requests_total', help: 'HTTP requests served (throughput), by method, route and status', labelNames: ['method', 'route', 'status'], registers });
    this.errors = new Counter({ name: 'gateway_http_errors_total', help: 'HTTP responses with status >= 400', labelNames: ['method', 'route', 'status'], registers });
    this.inFlight = new Gauge({ name: 'gateway_in_flight_requests', help: 'Requests being served now', registers });
    this.cacheHits = new Counter({ name: 'gateway_cache_hits_total', help: 'Search cache hits', labelNames: ['collection'], registers });
    this.cacheMisses = new Counter({ name: 'gateway_cache_misses_total', help: 'Search cache misses (including bypasses while Redis is down)', labelNames: ['collection'], registers });
    this.speculativeQueries = new Counter({
      name: 'gateway_cache_speculative_queries_total',
      help: 'Qdrant queries sent together with their cache lookup: used (a miss) or wasted (a hit, or over the rate limit)',
      labelNames: ['collection', 'outcome'],
      registers,
    });
    // across a slot's workers (observability/cluster-metrics.ts) an up-gauge is the worst one
    this.qdrantUp = new Gauge({ name: 'gateway_qdrant_up', help: '1 when the last Qdrant check succeeded', registers, aggregator: 'min' });
    this.redisUp = new Gauge({ name: 'gateway_redis_up', help: '1 when Redis is connected', registers, aggregator: 'min' });
    this.qdrantLatency = new Histogram({
      name: 'gateway_qdrant_request_latency_seconds',
      help: 'Latency of calls from the gateway to Qdrant',
      labelNames: ['op', 'outcome'],
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    const windowCounts = () => this.windowCounts();
    new Gauge({
      name: ERROR_RATE_METRIC,
      help: ERROR_RATE_HELP,
      registers,
      // a rate is not summed across workers: cluster-metrics.ts computes it from windowCounts()
      aggregator: 'omit',
      collect() {
        const [requests, errs] = windowCounts();
        this.set(requests === 0 ? 0 : errs / requests);
      },
    });
  }

  /** The text /metrics serves: this registry, or (a cluster worker) the slot's, aggregated by the primary. */
  exposition: () => Promise<string> = () => this.registry.metrics();

  /** [requests, errors] answered over the error-rate window. */
  windowCounts(): [number, number] {
    const now = Math.floor(Date.now() / 1000);
    let requests = 0;
    let errs = 0;
    for (const [second, [r, e]] of this.window) {
      if (second <= now - ERROR_RATE_WINDOW_S) this.window.delete(second);
      else {
        requests += r;
        errs += e;
      }
    }
    return [requests, errs];
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    // the label-bound children, looked up once per (method, route, status): prom-client
    // would otherwise hash the labels on every call
    const id = `${method} ${status} ${route}`;
    let series = this.series.get(id);
    if (!series) {
      const labels = { method, route, status: String(status) };
      series = { latency: this.requestLatency.labels(labels), throughput: this.throughput.labels(labels), errors: status >= 400 ? this.errors.labels(labels) : null };
      this.series.set(id, series);
    }
    series.latency.observe(seconds);
    series.throughput.inc();
    const isError = status >= 400;
    series.errors?.inc();
    const second = Math.floor(Date.now() / 1000);
    const bucket = this.window.get(second);
    if (bucket) {
      bucket[0] += 1;
      if (isError) bucket[1] += 1;
    } else {
      this.window.set(second, [1, isError ? 1 : 0]);
      this.window.delete(second - 2 * ERROR_RATE_WINDOW_S);
    }
  }
}
