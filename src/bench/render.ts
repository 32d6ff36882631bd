/** Human summary of a bench results object. Returns a string; the caller decides where it goes. */
import type { GateResult } from '../gates/evaluate.ts';
import type { BenchResults, StreamResults } from './results-schema.ts';

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

export function renderGates(gates: GateResult[], label: string): string {
  const lines = [`gates — profile ${label}:`];
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

function renderDriver(d: Record<string, unknown>): string {
  const parts = [`cpu ${String(d.cpu_pct_of_one_core)} % of one core`, `${String(d.cpu_us_per_request)} µs/request`];
  const lag = d.event_loop_lag_ms as { p99: number } | undefined;
  if (lag) parts.push(`event-loop lag p99 ${fmt(lag.p99)} ms`);
  const send = d.send_lag_ms as { p99: number } | undefined;
  if (send) parts.push(`send lag p99 ${fmt(send.p99)} ms`);
  if (d.queued_sends !== undefined) parts.push(`queued sends ${String(d.queued_sends)}`);
  if (d.dropped !== undefined) parts.push(`dropped ${String(d.dropped)}`);
  return `driver self-check: ${parts.join(', ')}`;
}

export function renderResults(r: BenchResults, resultsPath?: string): string {
  const p = r.params;
  const lines = [
    `bench ${r.run_id} — ${r.mode === 'open' ? 'open loop' : 'closed loop'} against ${r.target.url} (${r.target.api})${r.merged_from ? ` — merged from ${r.merged_from.length} runs` : ''}`,
    `  ${r.mode === 'open' ? `rate ${String(p.rate)}/s  ` : ''}connections ${String(p.connections)}  duration ${String(p.durationS)} s  warmup ${String(p.warmupS)} s  k ${r.k}`,
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
  lines.push(renderGates(r.gates, r.gate_profile.label));
  if (resultsPath) lines.push(`results: ${resultsPath}`);
  return lines.join('\n');
}
