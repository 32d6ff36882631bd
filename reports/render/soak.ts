/**
 * A soak run's part of the report: its resource curves (gateway and engine RSS, open fds,
 * event-loop delay, Redis memory, search p50/p95 per window), each with the fitted trend of the
 * judged part drawn dashed and the end of the warm-up marked, and the table of soak verdicts.
 * Reads only `resources` of bench results (src/results/bench.ts).
 */
import type { BenchResults, ResourcesResults, SoakJudged } from '../../src/results/bench.ts';
import type { ChartSpec, SeriesSpec } from './charts.ts';
import { xmlEscape as h } from './xml.ts';

const MiB = 1024 * 1024;
const COLOURS = ['#1f6feb', '#d4731b', '#1a7f37', '#8250df'];
const r3 = (v: number): number => Math.round(v * 1000) / 1000;
const cell = (v: number | null): string => (v === null ? '—' : Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1));

interface Curve {
  label: string;
  /** Samples on the resources' clock. */
  t: number[];
  v: Array<number | null>;
  /** The judged rule of this curve, whose trend is drawn. */
  judged?: SoakJudged;
}

function scaleOf(unit: ResourcesResults['series'][number]['unit']): number {
  return unit === 'bytes' ? MiB : 1;
}

const ruleOf = (res: ResourcesResults, series: string): SoakJudged | undefined => Object.values(res.judged).find((j) => j.series === series);

function curvesOf(res: ResourcesResults, names: string[], label: (n: string) => string): Curve[] {
  return res.series
    .filter((s) => names.includes(s.name))
    .map((s) => ({ label: label(s.name), t: res.t_s, v: s.values.map((x) => (x === null ? null : r3(x / scaleOf(s.unit)))), judged: ruleOf(res, s.name) }));
}

/** The Theil–Sen line of a judged slope rule, over the judged part, in the chart's unit. */
function trendLine(c: Curve, xs: number[], scale: number): Array<number | null> | null {
  const j = c.judged;
  if (!j || j.kind !== 'slope' || j.slope_per_s === undefined || j.baseline === undefined) return null;
  const judgedT = c.t.filter((t) => t >= j.steady_from_s);
  if (judgedT.length < 3) return null;
  // anchored at the first third's median time and value, as the judge measures
  const anchorT = judgedT[Math.floor(judgedT.length / 6)]!;
  return xs.map((x) => (x >= j.steady_from_s ? r3((j.baseline! + j.slope_per_s! * (x - anchorT)) / scale) : null));
}

function timeChart(id: string, title: string, yLabel: string, curves: Curve[], res: ResourcesResults, scale: number, label: string): ChartSpec | null {
  if (curves.length === 0) return null;
  const xs = [...new Set(curves.flatMap((c) => c.t))].sort((a, b) => a - b);
  const series: SeriesSpec[] = [];
  const data: Array<Array<number | null>> = [xs];
  curves.forEach((c, i) => {
    const at = new Map(c.t.map((t, k) => [t, c.v[k] ?? null]));
    series.push({ label: c.label, color: COLOURS[i % COLOURS.length]!, scale: 'y', width: 1.5 });
    data.push(xs.map((x) => at.get(x) ?? null));
    const trend = trendLine(c, xs, scale);
    if (trend) {
      series.push({ label: `${c.label} trend (Theil–Sen)`, color: COLOURS[i % COLOURS.length]!, scale: 'y', dash: [6, 4], width: 1 });
      data.push(trend);
    }
  });
  const verdicts = curves.flatMap((c) => (c.judged ? [`${c.judged.rule}: ${c.judged.verdict.replace('_', ' ')} — ${c.judged.reason}`] : []));
  const steadyFrom = curves.find((c) => c.judged)?.judged?.steady_from_s ?? null;
  return {
    id,
    title: `${title} · ${label}`,
    group: 'time',
    kind: 'time',
    caption: `Sampled every ${res.interval_s} s over ${Math.round(res.duration_s)} s (${curves.map((c) => c.label).join(', ')}); the dashed line is the fitted trend of the judged part, after the warm-up mark. ${verdicts.join(' ')}`,
    xLabel: 'seconds',
    yLabel,
    series,
    data,
    marks: steadyFrom !== null ? [{ x: steadyFrom, label: 'warm-up ends', major: false }] : [],
    table: {
      head: ['second', ...curves.map((c) => `${c.label} (${yLabel})`)],
      rows: xs.filter((_, i) => i % Math.max(1, Math.ceil(xs.length / 60)) === 0).map((x) => [String(x), ...curves.map((c) => cell(c.v[c.t.indexOf(x)] ?? null))]),
    },
  };
}

/** The curves of one soak run (none for a run without `resources`). */
export function soakCharts(r: BenchResults, label: string, idPrefix: string): ChartSpec[] {
  const res = r.resources;
  if (!res) return [];
  const who = (n: string): string => (n.startsWith('gateway_') ? 'gateway' : n.startsWith('engine_') ? 'engine' : 'Redis');
  const charts = [
    timeChart(`${idPrefix}-rss`, 'Resident memory', 'MiB', curvesOf(res, ['gateway_rss_bytes', 'engine_rss_bytes'], who), res, MiB, label),
    timeChart(`${idPrefix}-fds`, 'Open file descriptors', 'fds', curvesOf(res, ['gateway_open_fds', 'engine_open_fds'], who), res, 1, label),
    timeChart(`${idPrefix}-loop`, 'Gateway event-loop delay (p99)', 'ms', curvesOf(res, ['gateway_event_loop_p99_ms'], () => 'gateway'), res, 1, label),
    timeChart(`${idPrefix}-redis`, 'Redis used memory', 'MiB', curvesOf(res, ['redis_used_memory_bytes'], who), res, MiB, label),
  ];
  if (res.latency) {
    const l = res.latency;
    charts.push(timeChart(`${idPrefix}-latency`, `Search latency per ${l.window_s} s window`, 'ms', [
      { label: 'p50', t: l.t_s, v: l.p50_ms },
      { label: 'p95', t: l.t_s, v: l.p95_ms, judged: ruleOf(res, 'latency_p95_ms') },
    ], res, 1, label));
  }
  return charts.filter((c): c is ChartSpec => c !== null);
}

const badge = (v: SoakJudged['verdict']): string => `<span class="badge ${v === 'pass' ? 'passed' : v === 'fail' ? 'failed' : 'skipped'}">${v.replace('_', ' ')}</span>`;

/** The soak verdicts of a run, and what was not sampled (empty for a run without `resources`). */
export function soakSection(r: BenchResults): string {
  const res = r.resources;
  if (!res) return '';
  return `<h3>Soak: resources over ${Math.round(res.duration_s)} s <span class="muted small">${res.sampler.samples} samples every ${res.interval_s} s · sampler ${res.sampler.cpu_ms} ms CPU</span></h3>
<table><thead><tr><th>rule</th><th>verdict</th><th class="num">score</th><th>why</th></tr></thead><tbody>
${Object.values(res.judged).map((j) => `<tr class="${j.verdict === 'fail' ? 'bad' : ''}"><td>${h(j.rule)}</td><td>${badge(j.verdict)}</td><td class="num">${j.score === null ? '—' : h(cell(j.score))}</td><td class="small">${h(j.reason)}</td></tr>`).join('\n')}
</tbody></table>
<p class="muted small">Sources: ${res.series.map((s) => `${h(s.name)} from ${h(s.source)}`).join('; ') || 'none'}.${res.not_sampled.length ? ` Not sampled: ${res.not_sampled.map((n) => `${h(n.name)} (${h(n.reason)})`).join('; ')}.` : ''} Rules and tolerances: src/soak/rules.ts.</p>`;
}
