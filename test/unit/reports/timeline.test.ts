import { describe, expect, it } from 'vitest';
import { renderReadinessHtml } from '../../../reports/render/html.ts';
import { describeTimeline, niceCeil, renderTimelineSvg, renderTimelineTable, tableRows, timelineSection } from '../../../reports/render/timeline.ts';
import type { CheckResult, ReadinessResults, Timeline, TimelineBucket } from '../../../src/results/readiness.ts';

function timeline(over: Partial<Timeline> = {}): Timeline {
  const buckets: TimelineBucket[] = Array.from({ length: 50 }, (_, i) => ({
    t_ms: i * 100,
    count: 15,
    errors: i === 30 ? 4 : 0,
    p50_ms: 2,
    p95_ms: i === 30 ? 480 : 5,
    max_ms: i === 30 ? 900 : 8,
    slots: i < 25 ? { blue: 15 } : ({ green: 15 } as Record<string, number>),
  }));
  return {
    started_at: '2026-01-01T00:00:00.000Z',
    bucket_ms: 100,
    duration_ms: 5000,
    rate_per_s: 150,
    connections: 12,
    requests: 750,
    failed: 4,
    max_gap_ms: 120,
    buckets,
    events: [
      { t_ms: 1000, kind: 'deploy-start', label: 'deploy rb-x-good' },
      { t_ms: 2500, kind: 'switch', label: 'switch: front door → green <fast>' },
      { t_ms: 3100, kind: 'analysis', label: 'interval 0' },
      { t_ms: 3200, kind: 'rollback', label: 'rolling back: error rate 50 %' },
    ],
    ...over,
  };
}

const check = (over: Partial<CheckResult> = {}): CheckResult => ({ id: 'rollback/a-deploy', group: 'rollback', title: 'a deploy & a rollback', status: 'failed', required: true, duration_ms: 9000, evidence: [], errors: ['x'], timeline: timeline(), ...over });

describe('deployment timeline chart', () => {
  it('draws labelled marks for the switch and the rollback, minor marks for the rest', () => {
    const svg = renderTimelineSvg(timeline(), 'tl-1', 'a deploy');
    expect(svg).toMatch(/^<svg class="timeline" role="img" aria-labelledby="tl-1-title tl-1-desc"/);
    expect(svg).toContain('<title id="tl-1-title">a deploy</title>');
    const majors = svg.match(/<g class="mark major kind-(switch|rollback)">/g) ?? [];
    expect(majors).toHaveLength(2);
    expect(svg).toContain('>switch 2.5 s</text>');
    expect(svg).toContain('>rollback 3.2 s</text>');
    expect(svg.match(/<g class="mark minor /g)).toHaveLength(2);
    // labels are escaped
    expect(svg).toContain('front door → green &lt;fast&gt;');
    expect(svg).not.toContain('<fast>');
    // one failure bar, and the p95 line
    expect(svg.match(/<rect class="errbar"[^>]*><title>/g)).toHaveLength(1);
    expect(svg).toMatch(/<path class="p95" d="M[\d.]+ [\d.]+ L/);
  });

  it('puts a mark where its time is on the axis', () => {
    const svg = renderTimelineSvg(timeline({ events: [{ t_ms: 2500, kind: 'switch', label: 's' }] }), 'x', 't');
    // 52 px left margin + half of the 622 px plot
    expect(svg).toContain('<line x1="363.0" x2="363.0"');
  });

  it('says in words what the chart shows', () => {
    const d = describeTimeline(timeline());
    expect(d).toContain('750 requests, 4 failed');
    expect(d).toContain('p95 latency per 100 ms peaked at 480 ms at 3 s');
    expect(d).toContain('answered by slot blue and green');
    expect(d).toContain('switch at 2.5 s, rollback at 3.2 s');
  });

  it('offers a table view that never smooths a spike away', () => {
    const rows = tableRows(timeline(), 10);
    expect(rows).toHaveLength(10);
    expect(rows[6]).toMatchObject({ t_ms: 3000, to_ms: 3500, count: 75, errors: 4, p95_ms: 480, max_ms: 900, slots: { green: 75 } });
    const table = renderTimelineTable(timeline());
    expect(table).toContain('<caption>Deployment moments</caption>');
    expect(table).toContain('<tr class="major"><td class="num">2.5 s</td><td>switch</td>');
    expect(niceCeil(480)).toBe(500);
    expect(niceCeil(0)).toBe(1);
  });
});

describe('report section', () => {
  const results = (checks: CheckResult[]): ReadinessResults => ({
    schema: 'vdb-readiness/readiness@2', kind: 'readiness', run_id: 'r1', state: 'complete', started_at: '2026-01-01T00:00:00Z',
    gates: { profile: 'ci', label: 'ci', results: [] }, verdict: 'NO-GO', verdict_reasons: ['x'],
    run: { command: 'c', suite_version: '0', node: '20', host: 'h', options: { target: 'local', only: ['rollback'], comprehensive: false, allow_disruptive: false, profile: 'ci' } },
    target: { kind: 'local', gateway_url: 'http://x', fingerprint: { collections: {}, notes: [] } },
    summary: { total: checks.length, passed: 0, failed: checks.length, skipped: 0, required_failed: checks.length },
    checks, checklist: [],
  });

  it('has a Deployment timeline figure per check with a timeline, linked both ways', () => {
    const html = renderReadinessHtml(results([check(), check({ id: 'rollback/b', title: 'b', timeline: undefined })]));
    expect(html).toContain('<h2>Deployment timeline</h2>');
    expect(html.match(/<figure id="tl-/g)).toHaveLength(1);
    expect(html).toContain('<figcaption><a href="#c-rollback-a-deploy">a deploy &amp; a rollback</a>');
    expect(html).toContain('<a href="#tl-rollback-a-deploy">Deployment timeline of this check</a>');
    expect(html).toContain('<summary>Table view</summary>');
  });

  it('is left out when no check has a timeline', () => {
    expect(timelineSection([check({ timeline: undefined })], () => 'a')).toBe('');
    expect(renderReadinessHtml(results([check({ timeline: undefined })]))).not.toContain('Deployment timeline');
  });
});
