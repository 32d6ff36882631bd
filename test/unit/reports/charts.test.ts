import { describe, expect, it } from 'vitest';
import { buildCharts, percentileLabel, percentileOfX } from '../../../reports/render/charts.ts';
import { renderRunHtml } from '../../../reports/render/index.ts';
import { renderReportHtml } from '../../../reports/render/report.ts';
import { combine } from '../../../src/report/combine.ts';
import { asInput } from '../../../src/report/inputs.ts';
import { bench, deployment, healthyChecks, latencies, readiness } from './build.ts';

const open = bench({ ms: latencies(4000, 3), runId: 'open' });
const closed = bench({ ms: latencies(4000, 9), mode: 'closed', runId: 'closed' });
const ready = readiness(healthyChecks());
const release = combine([asInput(ready, 'r'), asInput(open, 'o'), asInput(closed, 'c'), { kind: 'deployment', record: deployment(), path: 'd', sha256: '' }]);

describe('charts', () => {
  const charts = buildCharts(release);
  it('draws one of each kind for a release with readiness, open and closed bench runs and a deployment', () => {
    expect(charts.map((c) => c.id)).toEqual(['chart-distribution', 'chart-time-0', 'chart-time-1', 'tl-rollback-a-validated-deploy-goes-live-with-no-request-lost', 'chart-deploy-0', 'chart-models', 'chart-loops']);
    for (const c of charts) {
      expect(c.data.length).toBe(c.series.length + 1);
      for (const col of c.data) expect(col.length).toBe(c.data[0]!.length);
      expect(c.caption.length).toBeGreaterThan(40);
      expect(c.table.rows.length).toBeGreaterThan(0);
    }
  });

  it('the distribution is the HDR histogram on 1/(1−p), with the p95 gate as a constant series', () => {
    const d = charts[0]!;
    expect(d.series.map((s) => s.label)).toEqual(['bench open loop 800/s', 'bench closed loop', 'search_p95 < 50 ms']);
    const xs = d.data[0] as number[];
    const at20 = xs.indexOf(20);
    expect(percentileOfX(20)).toBeCloseTo(95, 9);
    expect(d.data[1]![at20]).toBeCloseTo(open.latency_ms.p95, 1);
    expect(new Set(d.data[3])).toEqual(new Set([50]));
    expect(['1', '10', '100', '1000'].map((x) => percentileLabel(Number(x)))).toEqual(['0%', '90%', '99%', '99.9%']);
  });

  it('marks switch and rollback as major deployment events on the rollback check\'s traffic', () => {
    const t = charts.find((c) => c.id.startsWith('tl-'))!;
    expect(t.group).toBe('deployment');
    expect(t.marks.filter((m) => m.major).map((m) => m.label)).toEqual(['switch', 'rollback']);
    expect(t.table.rows.some((r) => r.at(-1)?.startsWith('rollback:'))).toBe(true);
    // the spike stays in the table view
    expect(t.table.rows.some((r) => r[4] === '120')).toBe(true);
  });
});

describe('the page', () => {
  it('is self-contained: a CSP forbidding fetches, uPlot inline once, no external URL', () => {
    const html = renderReportHtml(release, { generated_at: '2026-12-02T11:00:00.000Z', signers: ['Ada Lovelace, release engineer'] });
    expect(html).toContain("default-src 'none'");
    expect(html.match(/uPlot/g)!.length).toBeGreaterThan(5);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    expect(html.match(/<figure id="[^"]+" class="chart"/g)!.length).toBe(7);
    expect(html).toContain('Ada Lovelace, release engineer');
    expect(release.verdict).toBe('GO');
    expect(html).toContain('class="verdict go"');
  });

  it('a run\'s own report: a production readiness run missing the rate-limit key says INCOMPLETE and shows the command', () => {
    const checks = healthyChecks().map((c) => (c.group === 'security' ? { ...c, status: 'skipped' as const, skip_reason: 'no "limited" API key' } : c));
    const html = renderRunHtml(readiness(checks, 'production'));
    expect(html).toContain('class="verdict incomplete"');
    expect(html).toContain('VDB_API_KEYS=limited=&lt;key with a low limit&gt; npm run readiness');
    expect(html).not.toContain('load testing completed');
  });

  it('a bench run\'s own report has its charts and its sha256', () => {
    const html = renderRunHtml(open);
    expect(html).toContain('class="verdict go"');
    expect(html).toMatch(/<code class="hash">[0-9a-f]{64}<\/code>/);
    expect(html).toContain('data-chart="chart-distribution"');
  });
});
