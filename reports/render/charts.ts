/**
 * The report's charts: specs built here from results (data arrays, series, marks, a caption and a
 * table view each), drawn in the page by uPlot (inlined: no network). Kinds of chart:
 * - latency percentile distribution from each run's HDR histogram, log x like HdrHistogram's
 *   percentile plot (x = 1 / (1 − percentile)), the latency gate drawn;
 * - over time: p50 / p99 (or p95) latency, throughput and errors per second of a bench run, the
 *   traffic of each rollback check, a deployment's analysis intervals, deployment events marked;
 * - per collection / model: search p95 and recall@k;
 * - open vs closed loop, when both ran.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decodeFromCompressedBase64 } from 'hdr-histogram-js';
import type { BenchResults } from '../../src/results/bench.ts';
import type { Timeline } from '../../src/results/readiness.ts';
import type { Combined } from '../../src/report/combine.ts';
import { runLabel } from '../../src/report/combine.ts';
import type { DeploymentRecord, RunInput } from '../../src/report/inputs.ts';
import { soakCharts } from './soak.ts';
import { xmlEscape as h } from './xml.ts';

export interface SeriesSpec {
  label: string;
  color: string;
  scale: 'y' | 'y2';
  dash?: number[];
  bars?: boolean;
  width?: number;
}
export interface MarkSpec {
  x: number;
  label: string;
  major: boolean;
}
export interface ChartSpec {
  id: string;
  title: string;
  caption: string;
  kind: 'percentile' | 'time' | 'bars';
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  /** bars: the category names at x = 0, 1, … */
  categories?: string[];
  series: SeriesSpec[];
  /** [x, ...one array per series]. */
  data: Array<Array<number | null>>;
  marks: MarkSpec[];
  /** time charts: the x range, wide enough for every mark. */
  xRange?: [number, number];
  table: { head: string[]; rows: string[][] };
  /** The run or check the chart belongs to (its section). */
  group: 'distribution' | 'time' | 'deployment' | 'models' | 'loops';
}

const COLOURS = ['#1f6feb', '#d4731b', '#1a7f37', '#8250df', '#bf3989', '#57606a'];
const GATE_COLOUR = '#b3261e';
const MAJOR_EVENTS = new Set(['switch', 'rollback']);
const n1 = (v: number | null): string => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1));
const r3 = (v: number): number => Math.round(v * 1000) / 1000;

/** The percentiles of the table views. */
const TABLE_PERCENTILES = [50, 90, 95, 99, 99.9, 99.99, 100];
/** Points per decade of 1 / (1 − p) on the distribution's x axis. */
const PER_DECADE = 20;

interface Distribution {
  label: string;
  count: number;
  at: (p: number) => number;
}

function distribution(label: string, data: string): Distribution | null {
  try {
    const hist = decodeFromCompressedBase64(data, 64);
    if (hist.totalCount === 0) return null;
    return { label, count: hist.totalCount, at: (p: number) => r3(hist.getValueAtPercentile(p) / 1000) };
  } catch {
    return null;
  }
}

/** x = 1 / (1 − p): 1 is the median's side (0 %), 10 is 90 %, 100 is 99 %, … up to what the counts resolve. */
export const percentileOfX = (x: number): number => 100 * (1 - 1 / x);
export const percentileLabel = (x: number): string => {
  const p = percentileOfX(x);
  return `${p >= 99 ? p.toFixed(Math.max(0, Math.round(Math.log10(x)) - 2)).replace(/\.0+$/, '') : Math.round(p)}%`;
};

function distributionChart(id: string, title: string, dists: Distribution[], gate: { threshold: number; label: string } | null, group: ChartSpec['group']): ChartSpec {
  const maxX = Math.min(1e6, Math.max(...dists.map((d) => d.count)));
  const xs: number[] = [];
  for (let i = 0; 10 ** (i / PER_DECADE) <= maxX; i++) xs.push(10 ** (i / PER_DECADE));
  if (xs[xs.length - 1]! < maxX) xs.push(maxX);
  // the percentiles people quote sit exactly on the grid (x = 20 is p95)
  for (const p of TABLE_PERCENTILES.slice(0, -1)) if (1 / (1 - p / 100) <= maxX) xs.push(r3(1 / (1 - p / 100)));
  xs.sort((a, b) => a - b);
  const series: SeriesSpec[] = dists.map((d, i) => ({ label: d.label, color: COLOURS[i % COLOURS.length]!, scale: 'y', width: 2, ...(d.label.startsWith('baseline ') ? { dash: [3, 3] } : {}) }));
  const data: Array<Array<number | null>> = [xs, ...dists.map((d) => xs.map((x) => (x <= d.count ? d.at(percentileOfX(x)) : null)))];
  if (gate) {
    series.push({ label: gate.label, color: GATE_COLOUR, scale: 'y', dash: [6, 4], width: 1.5 });
    data.push(xs.map(() => gate.threshold));
  }
  const rows = TABLE_PERCENTILES.map((p) => [p === 100 ? 'max' : `p${p}`, ...dists.map((d) => n1(d.at(p)))]);
  const worst = dists.map((d) => `${d.label}: p95 ${n1(d.at(95))} ms, p99 ${n1(d.at(99))} ms, max ${n1(d.at(100))} ms`).join('; ');
  return {
    id,
    title,
    group,
    kind: 'percentile',
    caption: `Latency at each percentile from the full HDR histogram (${dists.reduce((a, d) => a + d.count, 0)} requests); the x axis stretches the tail (90 %, 99 %, 99.9 %, …)${gate ? `, the dashed red line is the gate (${gate.label})` : ''}. ${worst}.`,
    xLabel: 'percentile',
    yLabel: 'latency ms',
    series,
    data,
    marks: [{ x: 20, label: 'p95', major: false }],
    table: { head: ['percentile', ...dists.map((d) => `${d.label} (ms)`)], rows },
  };
}

function benchTimeChart(id: string, r: BenchResults, label: string, deployments: DeploymentRecord[]): ChartSpec | null {
  if (r.timeline.length === 0) return null;
  const xs = r.timeline.map((t) => t.second);
  const t0 = Date.parse(r.finished_at) - r.duration_s * 1000;
  const marks = deployments.flatMap((d) =>
    d.events
      .map((e) => ({ x: (Date.parse(e.at) - t0) / 1000, label: `${e.kind} (${d.version})`, major: MAJOR_EVENTS.has(e.kind) }))
      .filter((m) => m.x >= 0 && m.x <= r.duration_s + 1),
  );
  const errs = r.timeline.reduce((a, t) => a + t.errors, 0);
  const p99max = Math.max(...r.timeline.map((t) => t.p99_ms));
  return {
    id,
    title: `${label}: latency and throughput over time`,
    group: 'time',
    kind: 'time',
    caption: `Per second of intended send (${r.latency_corrected ? 'open loop: latency from each request\u2019s intended send time' : 'closed loop: latency not corrected'}): p50 and p99 latency (left axis), answers and errors per second (right axis). Worst second p99 ${n1(p99max)} ms; ${errs} error(s)${marks.length ? `; marked: ${marks.map((m) => `${m.label} at ${n1(m.x)} s`).join(', ')}` : ''}.`,
    xLabel: 'second',
    yLabel: 'latency ms',
    y2Label: 'per second',
    series: [
      { label: 'p50 ms', color: COLOURS[0]!, scale: 'y', width: 1.5 },
      { label: 'p99 ms', color: COLOURS[1]!, scale: 'y', width: 2 },
      { label: 'answers/s', color: COLOURS[2]!, scale: 'y2', dash: [4, 3], width: 1.5 },
      { label: 'errors/s', color: GATE_COLOUR, scale: 'y2', bars: true },
    ],
    data: [xs, r.timeline.map((t) => t.p50_ms), r.timeline.map((t) => t.p99_ms), r.timeline.map((t) => t.requests - t.errors), r.timeline.map((t) => t.errors)],
    marks,
    table: { head: ['second', 'requests', 'errors', 'p50 ms', 'p99 ms'], rows: r.timeline.map((t) => [String(t.second), String(t.requests), String(t.errors), n1(t.p50_ms), n1(t.p99_ms)]) },
  };
}

function checkTimeChart(id: string, title: string, t: Timeline): ChartSpec {
  const b = t.buckets;
  const peak = Math.max(0, ...b.map((x) => x.p95_ms ?? 0));
  const marks = t.events.map((e) => ({ x: e.t_ms / 1000, label: e.kind, major: MAJOR_EVENTS.has(e.kind) }));
  return {
    id,
    title,
    group: 'deployment',
    kind: 'time',
    caption: `Search traffic at ${n1(t.rate_per_s)}/s through the front door while the check ran: ${t.requests} requests, ${t.failed} failed${t.max_gap_ms !== null ? `, longest gap between answers ${n1(t.max_gap_ms)} ms` : ''}; p95 per ${t.bucket_ms} ms peaked at ${n1(peak)} ms. Vertical lines: the deployment's moments (${[...new Set(t.events.map((e) => e.kind))].join(', ') || 'none'}; switch and rollback in red).`,
    xLabel: 's',
    yLabel: 'latency ms',
    y2Label: `failed per ${t.bucket_ms} ms`,
    series: [
      { label: 'p50 ms', color: COLOURS[0]!, scale: 'y', width: 1.5 },
      { label: 'p95 ms', color: COLOURS[1]!, scale: 'y', width: 2 },
      { label: 'failed', color: GATE_COLOUR, scale: 'y2', bars: true },
    ],
    data: [b.map((x) => x.t_ms / 1000), b.map((x) => x.p50_ms), b.map((x) => x.p95_ms), b.map((x) => x.errors)],
    marks,
    table: {
      head: ['from s', 'requests', 'failed', 'p50 ms', 'p95 ms', 'max ms', 'answered by'],
      rows: [
        ...b.map((x) => [n1(x.t_ms / 1000), String(x.count), String(x.errors), n1(x.p50_ms), n1(x.p95_ms), n1(x.max_ms), Object.entries(x.slots).map(([k, v]) => `${k} ${v}`).join(', ')]),
        ...t.events.map((e) => [n1(e.t_ms / 1000), '', '', '', '', '', `${e.kind}: ${e.label}`]),
      ],
    },
  };
}

function deploymentChart(id: string, d: DeploymentRecord): ChartSpec | null {
  if (d.analysis.length === 0) return null;
  const t0 = Date.parse(d.started_at);
  const xs = d.analysis.map((a) => (Date.parse(a.started_at) - t0) / 1000);
  return {
    id,
    title: `deployment ${d.id}: ${d.action} ${d.version} — post-switch analysis`,
    group: 'deployment',
    kind: 'time',
    caption: `Each analysis interval after the switch: p95 of the deployer's probe traffic and of live traffic on the new slot (left axis), their errors (right axis); the deployment's events marked. Outcome: ${d.outcome}${d.reason ? ` (${d.reason})` : ''}.`,
    xLabel: 's after start',
    yLabel: 'p95 ms',
    y2Label: 'errors',
    series: [
      { label: 'probe p95 ms', color: COLOURS[0]!, scale: 'y', width: 2 },
      { label: 'live p95 ms', color: COLOURS[1]!, scale: 'y', width: 2 },
      { label: 'errors', color: GATE_COLOUR, scale: 'y2', bars: true },
    ],
    data: [xs, d.analysis.map((a) => a.probe.p95_ms), d.analysis.map((a) => a.live.p95_ms), d.analysis.map((a) => a.probe.errors + a.live.errors)],
    marks: d.events.map((e) => ({ x: (Date.parse(e.at) - t0) / 1000, label: e.kind, major: MAJOR_EVENTS.has(e.kind) })),
    table: {
      head: ['interval', 'at s', 'probe req', 'probe err', 'probe p95', 'live req', 'live err', 'live p95', 'pass'],
      rows: d.analysis.map((a, i) => [String(a.index), n1(xs[i]!), String(a.probe.requests), String(a.probe.errors), n1(a.probe.p95_ms), String(a.live.requests), String(a.live.errors), n1(a.live.p95_ms), a.pass ? 'yes' : `no: ${a.reason ?? ''}`]),
    },
  };
}

/** Grouped bars: category c, series s of n sits at x = c + (s − (n − 1) / 2) · w, so one x array serves all. */
function barsChart(id: string, title: string, caption: string, categories: string[], series: Array<SeriesSpec & { values: Array<number | null> }>, yLabel: string, y2Label: string | undefined, group: ChartSpec['group']): ChartSpec {
  const n = series.length;
  const w = 0.8 / n;
  const xs: number[] = [];
  const cols: Array<Array<number | null>> = series.map(() => []);
  categories.forEach((_, c) => {
    series.forEach((s, i) => {
      xs.push(r3(c + (i - (n - 1) / 2) * w));
      series.forEach((_o, j) => cols[j]!.push(j === i ? (s.values[c] ?? null) : null));
    });
  });
  return {
    id,
    title,
    caption,
    group,
    kind: 'bars',
    categories,
    xLabel: group === 'loops' ? 'percentile' : 'collection',
    yLabel,
    ...(y2Label ? { y2Label } : {}),
    series: series.map(({ values: _v, ...s }) => ({ ...s, bars: true })),
    data: [xs, ...cols],
    marks: [],
    table: { head: ['', ...series.map((s) => s.label)], rows: categories.map((c, ci) => [c, ...series.map((s) => n1(s.values[ci] ?? null))]) },
  };
}

function perCollectionChart(benches: Array<{ label: string; r: BenchResults }>, readinessP95: Map<string, number>): ChartSpec | null {
  const cats = [...new Set([...benches.flatMap((b) => b.r.per_collection.map((c) => c.collection)), ...readinessP95.keys()])].sort();
  if (cats.length === 0) return null;
  const series: Array<SeriesSpec & { values: Array<number | null> }> = [];
  benches.forEach((b, i) => {
    const by = new Map(b.r.per_collection.map((c) => [c.collection, c]));
    series.push({ label: `${b.label} p95 ms`, color: COLOURS[i % COLOURS.length]!, scale: 'y', values: cats.map((c) => by.get(c)?.latency_ms.p95 ?? null) });
    series.push({ label: `${b.label} recall@${b.r.k}`, color: '#9fb4c7', scale: 'y2', values: cats.map((c) => by.get(c)?.recall_at_k ?? null) });
  });
  if (readinessP95.size) series.push({ label: 'readiness smoke p95 ms', color: COLOURS[4]!, scale: 'y', values: cats.map((c) => readinessP95.get(c) ?? null) });
  const low = benches.flatMap((b) => b.r.per_collection.filter((c) => c.recall_at_k !== null && c.recall_at_k < 0.95).map((c) => `${c.collection} (${b.label}) recall ${n1(c.recall_at_k)}`));
  return barsChart(
    'chart-models',
    'Search p95 and recall per collection / model',
    `For each collection (model) searched: p95 latency (left axis, ms) and recall@k against the planted truth (right axis, 0–1; grey bars)${readinessP95.size ? ', and the readiness performance smoke p95 per model' : ''}. ${low.length ? `Below 0.95 recall: ${low.join(', ')}.` : 'Every measured recall is at least 0.95.'}`,
    cats,
    series,
    'p95 ms',
    benches.length ? 'recall' : undefined,
    'models',
  );
}

function loopsChart(open: { label: string; r: BenchResults }, closed: { label: string; r: BenchResults }): ChartSpec {
  const ps = ['p50', 'p90', 'p95', 'p99', 'p999'] as const;
  const o = open.r.latency_ms;
  const c = closed.r.latency_ms;
  return barsChart(
    'chart-loops',
    'Open loop vs closed loop',
    `The same search at a constant arrival rate (open loop, ${n1(open.r.throughput_rps)} answers/s, latency from intended send) and flat out (closed loop, ${n1(closed.r.throughput_rps)} answers/s, latency not corrected). Closed-loop latency is measured from each actual send, so it hides the queueing a stall causes (coordinated omission), and it runs at whatever rate the server sustains: compare shapes, not gates. p99 ${n1(o.p99)} ms open vs ${n1(c.p99)} ms closed.`,
    ps.map((p) => (p === 'p999' ? 'p99.9' : p)),
    [
      { label: `${open.label} (ms)`, color: COLOURS[0]!, scale: 'y', values: ps.map((p) => o[p]) },
      { label: `${closed.label} (ms)`, color: COLOURS[1]!, scale: 'y', values: ps.map((p) => c[p]) },
    ],
    'latency ms',
    undefined,
    'loops',
  );
}

/** `tl-<check id>` (unique in the page): the anchor a check's evidence links to. */
export function timelineId(checkId: string, taken: Set<string> = new Set()): string {
  const base = `tl-${checkId.replace(/[^a-z0-9-]+/gi, '-')}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

function withXRange(s: ChartSpec): ChartSpec {
  if (s.kind !== 'time') return s;
  const xs = [...(s.data[0] ?? []), ...s.marks.map((m) => m.x)].filter((v): v is number => v !== null);
  if (xs.length === 0) return s;
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  const pad = (hi - lo) * 0.02;
  return { ...s, xRange: [r3(lo - pad), r3(hi + pad)] };
}

/** Every chart of the report, in page order. */
export function buildCharts(c: Combined): ChartSpec[] {
  return buildAll(c).map(withXRange);
}

function buildAll(c: Combined): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const benches = c.runs.flatMap((i) => (i.kind === 'bench' ? [{ label: runLabel(i), r: i.results }] : []));
  const baseBenches = (c.baseline ?? []).flatMap((i: RunInput) => (i.kind === 'bench' ? [{ label: `baseline ${runLabel(i)}`, r: i.results }] : []));
  const deployments = c.runs.flatMap((i) => (i.kind === 'deployment' ? [i.record] : []));
  const dists = [...benches, ...baseBenches].flatMap((b) => (b.r.histogram ? [distribution(b.label, b.r.histogram.data)] : [])).filter((d): d is Distribution => d !== null);
  if (dists.length) {
    const gate = c.gates.find((g) => g.metric === 'latency_ms.p95' && g.run.startsWith('bench')) ?? c.gates.find((g) => g.metric === 'latency_ms.p95');
    charts.push(distributionChart('chart-distribution', 'Latency percentile distribution', dists, gate ? { threshold: gate.threshold, label: `${gate.name} ${gate.op} ${gate.threshold} ${gate.unit}` } : null, 'distribution'));
  }
  benches.forEach((b, i) => {
    const chart = benchTimeChart(`chart-time-${i}`, b.r, b.label, deployments);
    if (chart) charts.push(chart);
    charts.push(...soakCharts(b.r, b.label, `chart-soak-${i}`));
  });
  const ids = new Set<string>();
  for (const i of c.runs) {
    if (i.kind !== 'readiness') continue;
    for (const check of i.results.checks) {
      if (!check.timeline) continue;
      const id = timelineId(check.id, ids);
      ids.add(id);
      charts.push(checkTimeChart(id, check.title, check.timeline));
    }
  }
  deployments.forEach((d, i) => {
    const chart = deploymentChart(`chart-deploy-${i}`, d);
    if (chart) charts.push(chart);
  });
  const smoke = new Map<string, number>();
  for (const i of c.runs) {
    if (i.kind !== 'readiness') continue;
    for (const ch of i.results.checks) {
      const p95 = ch.measurements?.['latency_ms.p95'];
      if (ch.group === 'performance' && p95 !== undefined && ch.title.includes(': ')) smoke.set(ch.title.split(': ')[0]!, p95);
    }
  }
  const models = perCollectionChart(benches, smoke);
  if (models) charts.push(models);
  const open = benches.find((b) => b.r.mode === 'open');
  const closed = benches.find((b) => b.r.mode === 'closed');
  if (open && closed) charts.push(loopsChart(open, closed));
  return charts;
}

/** A chart's figure: the drawing area, its caption and its table view. */
export function chartFigure(s: ChartSpec): string {
  return `<figure id="${h(s.id)}" class="chart">
<figcaption><b>${h(s.title)}</b><br><span class="cap">${h(s.caption)}</span></figcaption>
<div class="plot" data-chart="${h(s.id)}" data-series="${s.series.length}" role="img" aria-label="${h(`${s.title}. ${s.caption}`)}"></div>
<details class="tableview"><summary>Table view</summary><table><thead><tr>${s.table.head.map((x) => `<th scope="col">${h(x)}</th>`).join('')}</tr></thead><tbody>
${s.table.rows.map((r) => `<tr>${r.map((x, i) => (i === 0 ? `<th scope="row">${h(x)}</th>` : `<td class="num">${h(x)}</td>`)).join('')}</tr>`).join('\n')}
</tbody></table></details>
</figure>`;
}

const require = createRequire(import.meta.url);
let uplot: { js: string; css: string } | undefined;
/** uPlot's minified build and stylesheet, read once from node_modules. */
export function uplotAssets(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  };
  return uplot;
}

/** `</script>` cannot appear inside the data block. */
const jsonForScript = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');

/**
 * The script block: uPlot, the specs, and the code that draws each spec into its `data-chart`
 * element at the element's width (again when printing, so a chart fits A4).
 */
export function chartScripts(specs: ChartSpec[]): string {
  if (specs.length === 0) return '';
  return `<script>${uplotAssets().js}</script>
<script type="application/json" id="chart-specs">${jsonForScript(specs)}</script>
<script>${BOOT}</script>`;
}

const BOOT = `(function(){
var specs=JSON.parse(document.getElementById('chart-specs').textContent);var plots=[];
function pctLabel(x){var p=100*(1-1/x);if(p<99)return Math.round(p)+'%';var d=Math.max(0,Math.round(Math.log10(x))-2);return p.toFixed(d).replace(/\\.0+$/,'')+'%';}
function marksPlugin(marks){return{hooks:{draw:[function(u){var ctx=u.ctx;ctx.save();marks.forEach(function(m,i){var x=u.valToPos(m.x,'x',true);if(x<u.bbox.left-1||x>u.bbox.left+u.bbox.width+1)return;ctx.strokeStyle=m.major?'#b3261e':'#667085';ctx.lineWidth=(m.major?2:1)*devicePixelRatio;ctx.setLineDash(m.major?[]:[4*devicePixelRatio,3*devicePixelRatio]);ctx.beginPath();ctx.moveTo(x,u.bbox.top);ctx.lineTo(x,u.bbox.top+u.bbox.height);ctx.stroke();ctx.setLineDash([]);ctx.fillStyle=m.major?'#b3261e':'#344054';ctx.font=(m.major?'600 ':'')+(11*devicePixelRatio)+'px system-ui,sans-serif';ctx.textAlign='left';ctx.fillText(m.label,x+3*devicePixelRatio,u.bbox.top+(12+(i%3)*12)*devicePixelRatio);});ctx.restore();}]}};}
function opts(s,width){
 var bars=uPlot.paths&&uPlot.paths.bars?uPlot.paths.bars({size:[0.92,80]}):null;
 var series=[{label:s.xLabel||'x',value:s.kind==='percentile'?function(u,v){return v==null?'':pctLabel(v);}:s.kind==='bars'?function(u,v){return v==null?'':(s.categories[Math.round(v)]||'');}:undefined}];
 s.series.forEach(function(x){series.push({label:x.label,stroke:x.color,width:x.bars?0:(x.width||1.5),dash:x.dash,scale:x.scale,spanGaps:s.kind!=='bars',fill:x.bars?x.color+'cc':undefined,paths:x.bars&&bars?bars:undefined,points:{show:false}});});
 var scales={x:s.kind==='percentile'?{time:false,distr:3,log:10}:s.kind==='bars'?{time:false,range:[-0.5,s.categories.length-0.5]}:s.xRange?{time:false,range:s.xRange}:{time:false},y:{range:function(u,min,max){return[0,max>0?max*1.08:1];}}};
 if(s.y2Label)scales.y2={range:function(u,min,max){return[0,max>0?max*1.15:1];}};
 var axes=[{label:s.xLabel,values:s.kind==='percentile'?function(u,vals){return vals.map(function(v){var l=Math.log10(v);return v>0&&Math.abs(l-Math.round(l))<1e-6?pctLabel(v):'';});}:s.kind==='bars'?function(u,vals){return vals.map(function(v){return s.categories[v]||'';});}:undefined,splits:s.kind==='bars'?function(){return s.categories.map(function(_,i){return i;});}:undefined,grid:{stroke:'#eef0f3'}},{label:s.yLabel,scale:'y',grid:{stroke:'#eef0f3'}}];
 if(s.y2Label)axes.push({label:s.y2Label,scale:'y2',side:1,grid:{show:false}});
 return{width:width,height:260,series:series,scales:scales,axes:axes,legend:{live:true},cursor:{drag:{x:false,y:false}},plugins:[marksPlugin(s.marks||[])]};
}
function draw(){plots.forEach(function(p){p.destroy();});plots=[];specs.forEach(function(s){var el=document.querySelector('[data-chart="'+s.id+'"]');if(!el)return;var w=Math.max(320,Math.min(1100,el.clientWidth||700));plots.push(new uPlot(opts(s,w),s.data,el));});window.__charts=plots.length;}
draw();
var last=document.documentElement.clientWidth;window.addEventListener('resize',function(){var w=document.documentElement.clientWidth;if(Math.abs(w-last)>40){last=w;draw();}});
if(window.matchMedia){var mq=window.matchMedia('print');var f=function(){draw();};if(mq.addEventListener)mq.addEventListener('change',f);}
window.addEventListener('beforeprint',draw);window.__redrawCharts=draw;
})();`;
