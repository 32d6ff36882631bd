import { describe, expect, it } from 'vitest';
import { histogramQuantile, liveDelta, liveSnapshot, parsePrometheus } from '../../../src/deploy/metrics.ts';

const BOUNDS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** A /metrics text like the gateway's: one route's histogram (cumulative bucket counts) and throughput by status. */
function exposition(routes: Array<{ route: string; status: string; counts: number[] }>): string {
  const lines = ['# HELP gateway_http_request_latency_seconds HTTP request latency', '# TYPE gateway_http_request_latency_seconds histogram'];
  for (const r of routes) {
    const lab = `method="POST",route="${r.route}",status="${r.status}",slot="green"`;
    let cum = 0;
    BOUNDS.forEach((b, i) => {
      cum += r.counts[i] ?? 0;
      lines.push(`gateway_http_request_latency_seconds_bucket{le="${b}",${lab}} ${cum}`);
    });
    cum += r.counts[BOUNDS.length] ?? 0;
    lines.push(`gateway_http_request_latency_seconds_bucket{le="+Inf",${lab}} ${cum}`);
    lines.push(`gateway_http_request_latency_seconds_count{${lab}} ${cum}`);
    lines.push(`gateway_http_throughput_requests_total{${lab}} ${cum}`);
  }
  return `${lines.join('\n')}\n`;
}

describe('p95 from histogram buckets', () => {
  it('interpolates within the bucket the rank falls in, like histogram_quantile', () => {
    // 100 requests: 90 in (0.005, 0.01], 10 in (0.01, 0.025]
    const b: Array<[number, number]> = [[0.005, 0], [0.01, 90], [0.025, 100], [Infinity, 100]];
    expect(histogramQuantile(0.95, b)).toBeCloseTo(0.01 + 0.015 * 0.5, 9);
    expect(histogramQuantile(0.5, b)).toBeCloseTo(0.005 + 0.005 * (50 / 90), 9);
  });

  it('answers the largest finite bound when the rank is in +Inf, and null when nothing was counted', () => {
    expect(histogramQuantile(0.95, [[1, 1], [5, 2], [Infinity, 100]])).toBe(5);
    expect(histogramQuantile(0.95, [[1, 0], [Infinity, 0]])).toBeNull();
    expect(histogramQuantile(0.95, [])).toBeNull();
  });
});

describe('live traffic from two /metrics scrapes', () => {
  it('takes the deltas: requests and 5xx errors by status, p95 from the bucket deltas only', () => {
    // before: 1000 slow requests (all in 0.5..1 s); after: +200 fast ones (2..5 ms), 10 of them 503
    const slow = Array(BOUNDS.length + 1).fill(0);
    slow[10] = 1000;
    const before = liveSnapshot(exposition([{ route: '/api/v1/vectors/search', status: '200', counts: slow }]));
    const fast = [...slow];
    fast[3] = 190;
    const err = Array(BOUNDS.length + 1).fill(0);
    err[3] = 10;
    const after = liveSnapshot(
      exposition([
        { route: '/api/v1/vectors/search', status: '200', counts: fast },
        { route: '/api/v1/vectors/search', status: '503', counts: err },
        // the deployer's own scrapes are not live traffic
        { route: '/metrics', status: '200', counts: [500] },
      ]),
    );
    const d = liveDelta(before, after);
    expect(d.requests).toBe(200);
    expect(d.errors).toBe(10);
    // all 200 new requests fall in (2 ms, 5 ms]: the old slow ones do not drag the p95 up
    expect(d.p95_ms).toBeGreaterThan(2);
    expect(d.p95_ms).toBeLessThanOrEqual(5);
  });

  it('counts from zero after a counter reset (the slot restarted) and says null for an idle interval', () => {
    const ten = Array(BOUNDS.length + 1).fill(0);
    ten[2] = 10;
    const big = Array(BOUNDS.length + 1).fill(0);
    big[2] = 1000;
    const d = liveDelta(liveSnapshot(exposition([{ route: '/r', status: '200', counts: big }])), liveSnapshot(exposition([{ route: '/r', status: '200', counts: ten }])));
    expect(d.requests).toBe(10);
    const same = liveSnapshot(exposition([{ route: '/r', status: '200', counts: ten }]));
    expect(liveDelta(same, same)).toEqual({ requests: 0, errors: 0, p95_ms: null });
  });

  it('parses labels with escapes, +Inf and ignores comments', () => {
    const s = parsePrometheus('# c\nx_total{a="q\\"uote",le="+Inf"} 3\ny 1.5e3\nbad line here\n');
    expect(s).toEqual([
      { name: 'x_total', labels: { a: 'q"uote', le: '+Inf' }, value: 3 },
      { name: 'y', labels: {}, value: 1500 },
    ]);
  });
});
