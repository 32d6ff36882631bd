/**
 * Live traffic of a slot from its Prometheus `/metrics`: requests by status
 * (`gateway_http_throughput_requests_total`) and the latency histogram
 * (`gateway_http_request_latency_seconds`), summed over routes, and what changed between two
 * scrapes: requests, errors (status >= 500) and a p95 estimate from the bucket deltas. Pure.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const THROUGHPUT = 'gateway_http_throughput_requests_total';
const LATENCY_BUCKET = 'gateway_http_request_latency_seconds_bucket';
/** The deployer's own scrapes are not live traffic. */
const NOT_LIVE_ROUTES = new Set(['/metrics']);

/** Samples of a Prometheus text exposition (comments and unparseable lines skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    if (m[2]) {
      for (const l of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_x, c: string) => (c === 'n' ? '\n' : c));
    }
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (!Number.isNaN(value)) out.push({ name: m[1] as string, labels, value });
  }
  return out;
}

/** What one scrape says about HTTP traffic, summed over routes (except the scrapes themselves). */
export interface LiveSnapshot {
  /** Requests served, by status code. */
  byStatus: Record<string, number>;
  /** Cumulative latency buckets: upper bound in seconds (Infinity last) → count. */
  buckets: Array<[number, number]>;
}

export function liveSnapshot(text: string): LiveSnapshot {
  const byStatus: Record<string, number> = {};
  const buckets = new Map<number, number>();
  for (const s of parsePrometheus(text)) {
    if (NOT_LIVE_ROUTES.has(s.labels.route ?? '')) continue;
    if (s.name === THROUGHPUT) {
      const st = s.labels.status ?? '0';
      byStatus[st] = (byStatus[st] ?? 0) + s.value;
    } else if (s.name === LATENCY_BUCKET && s.labels.le !== undefined) {
      const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
      if (!Number.isNaN(le)) buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    }
  }
  return { byStatus, buckets: [...buckets.entries()].sort((a, b) => a[0] - b[0]) };
}

/**
 * The q-quantile (0..1) of a histogram given as cumulative buckets (upper bound → count, sorted,
 * +Inf last), the way Prometheus' histogram_quantile estimates it: linear within the bucket the
 * rank falls in; in the +Inf bucket, the largest finite bound. Null when it counted nothing.
 */
export function histogramQuantile(q: number, buckets: Array<[number, number]>): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1]![1];
  if (!(total > 0)) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const [le, count] of buckets) {
    if (count >= rank && count > prevCount) {
      if (le === Infinity) return prevLe;
      return prevLe + ((le - prevLe) * (rank - prevCount)) / (count - prevCount);
    }
    if (le !== Infinity) prevLe = le;
    prevCount = count;
  }
  return prevLe;
}

export interface TrafficFigures {
  requests: number;
  errors: number;
  p95_ms: number | null;
}

/** A counter's change; a reset (the process restarted) counts from zero. */
const delta = (after: number, before: number): number => (after >= before ? after - before : after);

/** Requests, errors (status >= 500) and the p95 of what the slot served between two scrapes. */
export function liveDelta(before: LiveSnapshot, after: LiveSnapshot): TrafficFigures {
  let requests = 0;
  let errors = 0;
  for (const [status, n] of Object.entries(after.byStatus)) {
    const d = delta(n, before.byStatus[status] ?? 0);
    requests += d;
    if (Number(status) >= 500) errors += d;
  }
  const beforeBuckets = new Map(before.buckets);
  const diff: Array<[number, number]> = after.buckets.map(([le, n]) => [le, delta(n, beforeBuckets.get(le) ?? 0)]);
  // a reset in some series can leave the deltas non-monotonic: keep them cumulative
  for (let i = 1; i < diff.length; i++) diff[i]![1] = Math.max(diff[i]![1], diff[i - 1]![1]);
  const p95 = histogramQuantile(0.95, diff);
  return { requests, errors, p95_ms: p95 === null ? null : p95 * 1000 };
}
