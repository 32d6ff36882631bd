/** Terminal output of any run. Every function returns a string; the caller decides where it goes. */
import type { BenchResults, StreamResults } from '../../src/results/bench.ts';
import type { GatesSection } from '../../src/results/common.ts';
import type { AnyResults } from '../../src/results/kinds.ts';
import type { CheckResult, ReadinessResults } from '../../src/results/readiness.ts';
import { capacityRunLine, capacitySummary } from './capacity.ts';
import { fuzzRunLine, fuzzSummary } from './fuzz.ts';

const fmt = (x: number, digits = 2): string => (Number.isInteger(x) ? String(x) : x.toFixed(digits));
const pct = (r: number): string => `${(r * 100).toFixed(r > 0 && r < 0.001 ? 3 : 2)} %`;

function errorLine(s: StreamResults): string {
  const classes = Object.entries(s.errors_by_class).filter(([, n]) => n > 0).map(([c, n]) => `${c} ${n}`);
  return `${s.errors} (${pct(s.error_rate)})${classes.length ? `: ${classes.join(', ')}` : ''}`;
}

function latencyLine(s: StreamResults): string {
  const l = s.latency_ms;
  return `p50 ${fmt(l.p50)}  p90 ${fmt(l.p90)}  p95 ${fmt(l.p95)}  p99 ${fmt(l.p99)}  p99.9 ${fmt(l.p999)}  max ${fmt(l.max)}`;
}

export function renderGates(section: GatesSection): string {
  const { results: gates, label } = section;
  const lines = [`gates — profile ${label}:`];
  if (gates.length === 0) lines.push('  (no gate metric was measured by this run)');
  for (const g of gates) {
    const value = g.value === null ? 'not measured' : fmt(g.value, 4);
    lines.push(`  ${g.pass ? 'PASS' : 'FAIL'}  ${g.name.padEnd(14)} ${g.metric} = ${value} (needs ${g.op} ${g.threshold} ${g.unit})`);
  }
  lines.push(`verdict: ${gates.every((g) => g.pass) ? 'PASS' : 'FAIL'}${label.includes('NOT') ? ` (${label})` : ''}`);
  return lines.join('\n');
}

function renderTimeline(r: BenchResults): string[] {
  if (r.timeline.length === 0) return [];
  const lines = ['latency over time (by intended send second):', '  second  requests  errors  p50 ms  p99 ms'];
  const rows = r.timeline.length <= 30 ? r.timeline : r.timeline.filter((_, i) => i % Math.ceil(r.timeline.length / 30) === 0);
  for (const t of rows) {
    lines.push(`  ${String(t.second).padStart(6)}  ${String(t.requests).padStart(8)}  ${String(t.errors).padStart(6)}  ${fmt(t.p50_ms).padStart(6)}  ${fmt(t.p99_ms).padStart(6)}`);
  }
  return lines;
}

/** One line per runner: the built-in driver's self-check, or a k6 runner's own figures. */
function renderDriver(d: Record<string, unknown>): string {
  if (d.runner === 'k6') {
    const figures = ['p50_ms', 'p95_ms', 'p99_ms'].filter((k) => typeof d[k] === 'number').map((k) => `${k.replace('_ms', '')} ${fmt(d[k] as number)} ms`);
    return `k6 runner${d.file ? ` ${String(d.file)}` : ''}: requests ${String(d.requests ?? '?')}, errors ${String(d.errors ?? '?')}${figures.length ? `, ${figures.join(' ')}` : ''}`;
  }
  const parts = [`cpu ${String(d.cpu_pct_of_one_core)} % of one core`, `${String(d.cpu_us_per_request)} µs/request`];
  const lag = d.event_loop_lag_ms as { p99: number } | undefined;
  if (lag) parts.push(`event-loop lag p99 ${fmt(lag.p99)} ms`);
  const send = d.send_lag_ms as { p99: number } | undefined;
  if (send) parts.push(`send lag p99 ${fmt(send.p99)} ms`);
  if (d.queued_sends !== undefined) parts.push(`queued sends ${String(d.queued_sends)}`);
  if (d.dropped !== undefined) parts.push(`dropped ${String(d.dropped)}`);
  const workers = Array.isArray(d.workers) ? (d.workers as { worker: number; sent: number; send_lag_ms: { p99: number }; busy_pct: number }[]) : [];
  const perWorker = workers.map((w) => `\n  driver worker ${w.worker}: ${w.sent} sent, send lag p99 ${fmt(w.send_lag_ms.p99)} ms, event loop ${w.busy_pct} % busy`);
  return `driver self-check${workers.length ? ` (${workers.length} worker threads)` : ''}: ${parts.join(', ')}${perWorker.join('')}`;
}

/** What load was asked for: a scenario, or the driver's rate and connections (only what the run recorded). */
function shapeLine(r: BenchResults, p: Record<string, unknown>): string {
  const parts: string[] = [];
  const scenario = r.runner?.scenario ?? (typeof p.scenario === 'string' ? p.scenario : undefined);
  if (r.runner?.tool === 'k6') parts.push(`k6${r.runner.version ? ` ${r.runner.version}` : ''}${r.runner.source ? ` (${r.runner.source})` : ''}`);
  if (scenario) parts.push(`scenario ${scenario}`);
  if (r.mode === 'open' && typeof p.rate === 'number') parts.push(`rate ${p.rate}/s`);
  if (typeof p.connections === 'number') parts.push(`connections ${p.connections}`);
  if (typeof p.durationS === 'number') parts.push(`duration ${p.durationS} s`);
  if (typeof p.warmupS === 'number') parts.push(`warmup ${p.warmupS} s`);
  parts.push(`k ${r.k}`);
  return parts.join('  ');
}

function renderBench(r: BenchResults, resultsPath?: string): string {
  const p = r.params;
  const lines = [
    `bench ${r.run_id} — ${r.mode === 'open' ? 'open loop' : 'closed loop'} against ${r.target.url} (${r.target.api})${r.merged_from ? ` — merged from ${r.merged_from.length} runs` : ''}`,
    `  ${shapeLine(r, p)}`,
    `  ${r.latency_note}`,
    `requests    ${r.requests}  ok ${r.ok}  errors ${errorLine(r)}`,
    `throughput  ${fmt(r.throughput_rps, 1)} req/s`,
    `latency ms  ${latencyLine(r)}`,
    `recall@${r.k}   ${r.recall_at_k === null ? 'not measured (no good answers)' : fmt(r.recall_at_k, 4)}`,
  ];
  if (r.per_collection.length > 1) {
    lines.push('per collection:');
    for (const c of r.per_collection) {
      lines.push(`  ${c.collection} (${c.dataset}, weight ${c.weight}): requests ${c.requests}, errors ${errorLine(c)}, recall ${c.recall_at_k === null ? '—' : fmt(c.recall_at_k, 4)}`);
      lines.push(`    ${latencyLine(c)}`);
    }
  }
  lines.push(...renderTimeline(r));
  for (const d of r.driver) lines.push(renderDriver(d));
  for (const w of r.warnings) lines.push(`WARNING: ${w}`);
  lines.push(renderGates(r.gates));
  if (resultsPath) lines.push(`results: ${resultsPath}`);
  return lines.join('\n');
}

/** One line per finished readiness check, as the run goes. */
export function renderCheckLine(c: CheckResult): string {
  const mark = c.status === 'passed' ? '✓' : c.status === 'failed' ? (c.required ? '✗' : '!') : '-';
  const tail = c.status === 'skipped' ? `  (skipped: ${c.skip_reason})` : c.status === 'failed' ? `\n      ${(c.errors?.[0] ?? '').split('\n')[0]}` : `  ${c.duration_ms} ms`;
  return `  ${mark} ${c.group.padEnd(11)} ${c.title}${tail}`;
}

/** The end of a readiness run: verdict, counts, why, and where its files are. */
function renderReadiness(r: ReadinessResults, resultsPath?: string): string {
  const s = r.summary;
  const gates = r.gates.results;
  const lines = [
    `${r.verdict}  ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped of ${s.total} checks · gates ${gates.filter((g) => g.pass).length}/${gates.length}${r.wall_time_ms !== undefined ? ` · checks took ${(r.wall_time_ms / 1000).toFixed(1)} s` : ''}`,
    ...r.verdict_reasons.map((reason) => `  - ${reason}`),
  ];
  if (resultsPath) {
    lines.push(`  results: ${resultsPath}`);
    lines.push(`  report:  ${resultsPath.replace(/results\.json$/, 'report.html')}`);
  }
  return lines.join('\n');
}

/** The summary of any run: what `npm run readiness`, `npm run bench` and `merge` print at the end. */
export function renderSummary(r: AnyResults, resultsPath?: string): string {
  if (r.kind === 'fuzz') return fuzzSummary(r, resultsPath);
  if (r.kind === 'capacity') return capacitySummary(r, resultsPath);
  return r.kind === 'readiness' ? renderReadiness(r, resultsPath) : renderBench(r, resultsPath);
}

/** The head line `npm run gate` prints above the gates: which run, and what its own verdict was. */
export function renderRunLine(r: AnyResults, file: string): string {
  if (r.kind === 'fuzz') return fuzzRunLine(r, file);
  if (r.kind === 'capacity') return capacityRunLine(r, file);
  if (r.kind === 'bench') return `${file}: ${r.mode}-loop bench run ${r.run_id}${r.latency_corrected ? '' : ' (latency not corrected for coordinated omission)'}`;
  return `${file}: readiness run ${r.run_id} (${r.state}), its verdict ${r.verdict} (${r.summary.passed} passed, ${r.summary.required_failed} required failed)`;
}
