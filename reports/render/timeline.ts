/**
 * The report's "Deployment timeline": per check that carries a timeline (rollback group), an
 * inline SVG of the traffic's latency (p95, p50) and failures over time, which slot answered,
 * and the deployment's moments as vertical marks (switch and rollback drawn strongest), with a
 * caption that says the same in words and a table view for readers that cannot see the chart.
 * Hand-written SVG, no script: the report stays one self-contained file.
 */
import type { CheckResult, Timeline, TimelineBucket, TimelineEvent } from '../../src/results/readiness.ts';
import { xmlEscape as h } from './xml.ts';

const W = 720;
const H = 230;
const M = { left: 52, right: 46, top: 56, bottom: 30 };
const PLOT_W = W - M.left - M.right;
const PLOT_H = H - M.top - M.bottom;
/** The slot band above the plot. */
const BAND_Y = M.top - 12;
const BAND_H = 8;

/** Marks drawn strongest (and labelled). */
export const MAJOR_EVENTS = new Set(['switch', 'rollback']);
/** Further marks labelled on the chart (solid, not as strong); the rest are dashed, named in their tooltip and the table. */
export const LABELLED_EVENTS = new Set(['failed', 'stop', 'kill', 'gone', 'registered']);
const SLOT_COLOURS: Record<string, string> = { blue: '#1f6feb', green: '#1a7f37' };
const OTHER_SLOT_COLOURS = ['#8250df', '#bf8700', '#57606a'];

export function slotColour(slot: string, all: string[]): string {
  if (SLOT_COLOURS[slot]) return SLOT_COLOURS[slot];
  const others = all.filter((s) => !SLOT_COLOURS[s]).sort();
  return OTHER_SLOT_COLOURS[others.indexOf(slot) % OTHER_SLOT_COLOURS.length] ?? '#57606a';
}

/** 1, 2, 5 × 10^n at or above `v` (an axis top). */
export function niceCeil(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmtS = (ms: number): string => `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s`;
const n1 = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(1));

function majoritySlot(b: TimelineBucket): string | null {
  let best: string | null = null;
  for (const [slot, count] of Object.entries(b.slots)) if (best === null || count > (b.slots[best] ?? 0)) best = slot;
  return best;
}

/** What the chart shows, in one paragraph (the caption, and the SVG's description). */
export function describeTimeline(t: Timeline): string {
  const p95s = t.buckets.map((b) => b.p95_ms).filter((v): v is number => v !== null);
  const peak = p95s.length ? Math.max(...p95s) : null;
  const peakAt = peak === null ? null : t.buckets.find((b) => b.p95_ms === peak)?.t_ms ?? null;
  const slots = [...new Set(t.buckets.flatMap((b) => Object.keys(b.slots)))];
  const majors = t.events
    .filter((e) => MAJOR_EVENTS.has(e.kind) || LABELLED_EVENTS.has(e.kind))
    .filter((e, i, all) => !all.slice(0, i).some((o) => o.kind === e.kind && Math.abs(o.t_ms - e.t_ms) < 500));
  return [
    `Search traffic at ${n1(t.rate_per_s)}/s on ${t.connections} keep-alive connections for ${fmtS(t.duration_ms)}: ${t.requests} requests, ${t.failed} failed`,
    t.max_gap_ms !== null ? `, longest gap between answers ${n1(t.max_gap_ms)} ms` : '',
    peak !== null ? `; p95 latency per ${t.bucket_ms} ms peaked at ${n1(peak)} ms at ${fmtS(peakAt ?? 0)}` : '',
    slots.length ? `; answered by slot ${slots.join(' and ')}` : '',
    majors.length ? `; ${majors.map((e) => `${e.kind} at ${fmtS(e.t_ms)}`).join(', ')}` : '',
    '.',
  ].join('');
}

/** The chart: latency lines, failure bars, slot band, event marks. `id` makes its element ids unique in the page. */
export function renderTimelineSvg(t: Timeline, id: string, title: string): string {
  const t0 = Math.min(0, ...t.events.map((e) => e.t_ms));
  const t1 = Math.max(t.duration_ms, t.bucket_ms, ...t.events.map((e) => e.t_ms));
  const span = Math.max(1, t1 - t0);
  const x = (ms: number): number => M.left + ((ms - t0) / span) * PLOT_W;
  const latTop = niceCeil(Math.max(1, ...t.buckets.map((b) => b.p95_ms ?? 0)));
  const errTop = niceCeil(Math.max(2, ...t.buckets.map((b) => b.errors)));
  const yLat = (v: number): number => M.top + PLOT_H - (Math.min(v, latTop) / latTop) * PLOT_H;
  const yErr = (v: number): number => M.top + PLOT_H - (Math.min(v, errTop) / errTop) * PLOT_H;
  const bw = Math.max(1, (t.bucket_ms / span) * PLOT_W);
  const slots = [...new Set(t.buckets.flatMap((b) => Object.keys(b.slots)))].sort();

  const line = (pick: (b: TimelineBucket) => number | null): string => {
    // a bucket without answers breaks the line (a gap is a gap, not a slope)
    const parts: string[] = [];
    let pen = false;
    for (const b of t.buckets) {
      const v = pick(b);
      if (v === null) {
        pen = false;
        continue;
      }
      parts.push(`${pen ? 'L' : 'M'}${(x(b.t_ms) + bw / 2).toFixed(1)} ${yLat(v).toFixed(1)}`);
      pen = true;
    }
    return parts.join(' ');
  };

  const grid = [0, 0.5, 1].map((f) => {
    const y = M.top + PLOT_H - f * PLOT_H;
    return `<line class="grid" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${y}" y2="${y}"/><text class="axis" x="${M.left - 6}" y="${y + 4}" text-anchor="end">${n1(latTop * f)}</text><text class="axis err" x="${M.left + PLOT_W + 6}" y="${y + 4}">${n1(errTop * f)}</text>`;
  });
  const ticks: string[] = [];
  const step = niceCeil(span / 8);
  for (let ms = Math.ceil(t0 / step) * step; ms <= t1; ms += step) {
    ticks.push(`<line class="tick" x1="${x(ms).toFixed(1)}" x2="${x(ms).toFixed(1)}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H + 4}"/><text class="axis" x="${x(ms).toFixed(1)}" y="${M.top + PLOT_H + 16}" text-anchor="middle">${h(fmtS(ms))}</text>`);
  }
  const errBars = t.buckets
    .filter((b) => b.errors > 0)
    .map((b) => `<rect class="errbar" x="${x(b.t_ms).toFixed(1)}" y="${yErr(b.errors).toFixed(1)}" width="${bw.toFixed(1)}" height="${(M.top + PLOT_H - yErr(b.errors)).toFixed(1)}"><title>${h(`${fmtS(b.t_ms)}: ${b.errors} of ${b.count} failed`)}</title></rect>`);
  const band = t.buckets
    .map((b) => {
      const s = majoritySlot(b);
      return s ? `<rect x="${x(b.t_ms).toFixed(1)}" y="${BAND_Y}" width="${(bw + 0.3).toFixed(1)}" height="${BAND_H}" fill="${slotColour(s, slots)}"/>` : '';
    })
    .join('');
  // major marks are labelled in up to three rows, each label where it does not overlap another;
  // a label that finds no room (and every minor mark) is in the mark's tooltip and the table
  const placed: Array<{ row: number; x0: number; x1: number; kind: string; t_ms: number }> = [];
  const labelFor = (e: TimelineEvent, xe: number): string => {
    // the same kind twice in a row (rollback decided, then switched back): one label
    if (placed.some((p) => p.kind === e.kind && Math.abs(p.t_ms - e.t_ms) < 500)) return '';
    const text = `${e.kind} ${fmtS(e.t_ms)}`;
    const w = text.length * 6.4;
    let anchor = 'middle';
    let x0 = xe - w / 2;
    if (x0 < 2) {
      anchor = 'start';
      x0 = xe;
    } else if (x0 + w > W - 2) {
      anchor = 'end';
      x0 = xe - w;
    }
    const row = [0, 1, 2].find((r) => !placed.some((p) => p.row === r && x0 < p.x1 + 6 && x0 + w > p.x0 - 6));
    if (row === undefined) return '';
    placed.push({ row, x0, x1: x0 + w, kind: e.kind, t_ms: e.t_ms });
    return `<text class="mark-label" x="${xe.toFixed(1)}" y="${11 + row * 11}" text-anchor="${anchor}">${h(text)}</text>`;
  };
  const marks = t.events.map((e) => {
    const major = MAJOR_EVENTS.has(e.kind);
    const labelled = major || LABELLED_EVENTS.has(e.kind);
    const xe = x(e.t_ms);
    const label = labelled ? labelFor(e, xe) : '';
    return `<g class="mark ${major ? 'major' : labelled ? 'labelled' : 'minor'} kind-${h(e.kind.replace(/[^a-z0-9-]/gi, '-'))}"><line x1="${xe.toFixed(1)}" x2="${xe.toFixed(1)}" y1="${labelled ? BAND_Y - 4 : BAND_Y}" y2="${M.top + PLOT_H}"/><title>${h(`${fmtS(e.t_ms)} ${e.label}`)}</title>${label}</g>`;
  });
  const legend = [
    `<line class="p95" x1="${M.left}" x2="${M.left + 16}" y1="${H - 6}" y2="${H - 6}"/><text class="axis" x="${M.left + 20}" y="${H - 2}">p95 ms</text>`,
    `<line class="p50" x1="${M.left + 80}" x2="${M.left + 96}" y1="${H - 6}" y2="${H - 6}"/><text class="axis" x="${M.left + 100}" y="${H - 2}">p50 ms</text>`,
    `<rect class="errbar" x="${M.left + 160}" y="${H - 11}" width="10" height="8"/><text class="axis" x="${M.left + 174}" y="${H - 2}">failed per ${t.bucket_ms} ms (right axis)</text>`,
    ...slots.map((s, i) => `<rect x="${M.left + 340 + i * 80}" y="${H - 11}" width="10" height="8" fill="${slotColour(s, slots)}"/><text class="axis" x="${M.left + 354 + i * 80}" y="${H - 2}">slot ${h(s)}</text>`),
  ];
  return `<svg class="timeline" role="img" aria-labelledby="${id}-title ${id}-desc" viewBox="0 0 ${W} ${H + 14}" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
<title id="${id}-title">${h(title)}</title>
<desc id="${id}-desc">${h(describeTimeline(t))}</desc>
${grid.join('')}
<line class="frame" x1="${M.left}" x2="${M.left + PLOT_W}" y1="${M.top + PLOT_H}" y2="${M.top + PLOT_H}"/>
${ticks.join('')}
<g class="band" aria-hidden="true">${band}</g>
${errBars.join('')}
<path class="p50" d="${line((b) => b.p50_ms)}"/>
<path class="p95" d="${line((b) => b.p95_ms)}"/>
${marks.join('\n')}
<g transform="translate(0 14)">${legend.join('')}</g>
</svg>`;
}

/** Buckets merged into at most `maxRows` rows (the table view of a long timeline). */
export function tableRows(t: Timeline, maxRows = 60): Array<TimelineBucket & { to_ms: number }> {
  const per = Math.max(1, Math.ceil(t.buckets.length / maxRows));
  const rows: Array<TimelineBucket & { to_ms: number }> = [];
  for (let i = 0; i < t.buckets.length; i += per) {
    const group = t.buckets.slice(i, i + per);
    const slots: Record<string, number> = {};
    for (const b of group) for (const [k, v] of Object.entries(b.slots)) slots[k] = (slots[k] ?? 0) + v;
    const vals = (pick: (b: TimelineBucket) => number | null): number[] => group.map(pick).filter((v): v is number => v !== null);
    const max = (vs: number[]): number | null => (vs.length ? Math.max(...vs) : null);
    rows.push({
      t_ms: group[0]!.t_ms,
      to_ms: group[group.length - 1]!.t_ms + t.bucket_ms,
      count: group.reduce((a, b) => a + b.count, 0),
      errors: group.reduce((a, b) => a + b.errors, 0),
      // merged rows show the worst bucket's figures: a table must not smooth a spike away
      p50_ms: max(vals((b) => b.p50_ms)),
      p95_ms: max(vals((b) => b.p95_ms)),
      max_ms: max(vals((b) => b.max_ms)),
      slots,
    });
  }
  return rows;
}

const cell = (v: number | null): string => (v === null ? '—' : n1(v));

export function renderTimelineTable(t: Timeline): string {
  const rows = tableRows(t);
  const merged = rows.length < t.buckets.length;
  return `<table class="timeline-table"><caption>Traffic${merged ? ' (buckets merged; latency columns show the worst bucket of each row)' : ''}</caption><thead><tr><th scope="col">from</th><th scope="col">to</th><th scope="col">requests</th><th scope="col">failed</th><th scope="col">p50 ms</th><th scope="col">p95 ms</th><th scope="col">max ms</th><th scope="col">answered by</th></tr></thead><tbody>
${rows.map((r) => `<tr${r.errors ? ' class="bad"' : ''}><td class="num">${h(fmtS(r.t_ms))}</td><td class="num">${h(fmtS(r.to_ms))}</td><td class="num">${r.count}</td><td class="num">${r.errors}</td><td class="num">${cell(r.p50_ms)}</td><td class="num">${cell(r.p95_ms)}</td><td class="num">${cell(r.max_ms)}</td><td>${h(Object.entries(r.slots).map(([k, v]) => `${k} ${v}`).join(', '))}</td></tr>`).join('\n')}
</tbody></table>
<table class="timeline-table"><caption>Deployment moments</caption><thead><tr><th scope="col">at</th><th scope="col">kind</th><th scope="col">what</th></tr></thead><tbody>
${t.events.length ? t.events.map((e: TimelineEvent) => `<tr${MAJOR_EVENTS.has(e.kind) ? ' class="major"' : ''}><td class="num">${h(fmtS(e.t_ms))}</td><td>${h(e.kind)}</td><td>${h(e.label)}</td></tr>`).join('\n') : '<tr><td colspan="3" class="muted">none recorded</td></tr>'}
</tbody></table>`;
}

export const timelineAnchor = (c: CheckResult): string => `tl-${c.id.replace(/[^a-z0-9-]+/gi, '-')}`;

/** The section: one figure per check with a timeline, or nothing when no check has one. */
export function timelineSection(checks: CheckResult[], checkAnchor: (c: CheckResult) => string): string {
  const withTimeline = checks.filter((c): c is CheckResult & { timeline: Timeline } => c.timeline !== undefined);
  if (withTimeline.length === 0) return '';
  return `<section class="timelines"><h2>Deployment timeline</h2>
<p class="muted">Search traffic through the front door while each deployment check ran: p95 and p50 latency (left axis, from each request's intended send time), failed requests (red bars, right axis), the answering slot (band above the chart), and the deployment's moments as vertical marks (switch and rollback in bold).</p>
${withTimeline.map((c) => {
    const id = timelineAnchor(c);
    return `<figure id="${id}" class="timeline ${c.status}">
${renderTimelineSvg(c.timeline, id, c.title)}
<figcaption><a href="#${checkAnchor(c)}">${h(c.title)}</a> <span class="badge ${c.status}">${h(c.status)}</span><br>${h(describeTimeline(c.timeline))}</figcaption>
<details><summary>Table view</summary>${renderTimelineTable(c.timeline)}</details>
</figure>`;
  }).join('\n')}
</section>`;
}

export const TIMELINE_CSS = `
figure.timeline{margin:14px 0 20px;padding:0;border-top:1px solid var(--line)}figure.timeline svg{width:100%;max-width:${W}px;height:auto;display:block;margin-top:10px}
figure.timeline figcaption{font-size:13px;margin-top:4px}svg.timeline text{font:11px system-ui,sans-serif;fill:#344054}svg.timeline .axis{fill:#667085}svg.timeline .axis.err{fill:#b3261e}
svg.timeline .grid{stroke:#eef0f3}svg.timeline .frame,svg.timeline .tick{stroke:#98a2b3}svg.timeline path{fill:none;stroke-linejoin:round}
svg.timeline path.p95,svg.timeline line.p95{stroke:#1c1e21;stroke-width:1.6}svg.timeline path.p50,svg.timeline line.p50{stroke:#98a2b3;stroke-width:1.2}
svg.timeline .errbar{fill:#d92d20;opacity:.8}svg.timeline .mark line{stroke:#667085;stroke-dasharray:3 3}svg.timeline .mark.major line{stroke:#b42318;stroke-width:1.6;stroke-dasharray:none}
svg.timeline .mark.labelled line{stroke:#344054;stroke-width:1.2;stroke-dasharray:none}svg.timeline .mark-label{font-weight:600;fill:#344054}svg.timeline .mark.major .mark-label{fill:#b42318}table.timeline-table caption{text-align:left;font-weight:600;padding:6px 0}table.timeline-table tr.bad td{background:#fff5f5}table.timeline-table tr.major td{font-weight:600}
`;
