/** The bench's figures as text (returned, not printed). */
import type { EngineBenchResults } from './run.ts';

const f = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function renderEngineBench(r: EngineBenchResults): string {
  const lines: string[] = [];
  lines.push(`engine bench: ${r.engine} ${r.version} at ${r.url} — ${f(r.size)} × ${r.dim} cosine, batch ${r.batch}`);
  lines.push('');
  lines.push('upsert (wait=true)   clients   points      s      points/s   req p50 ms   req p99 ms');
  for (const u of r.upsert) {
    lines.push(`                     ${String(u.concurrency).padStart(7)}  ${f(u.points).padStart(7)}  ${f(u.seconds, 1).padStart(6)}  ${f(u.pointsPerSecond).padStart(11)}  ${f(u.requestLatencyMs.p50, 1).padStart(11)}  ${f(u.requestLatencyMs.p99, 1).padStart(11)}`);
  }
  lines.push(`index build: ${f(r.indexSeconds, 1)} s until green, indexed_vectors_count ${f(r.indexedVectors)} of ${f(r.pointsCount)}`);
  lines.push('');
  lines.push('search (query, k=10) clients  queries  errors      QPS    p50 ms    p99 ms   top-1 planted');
  for (const s of r.search) {
    lines.push(`                     ${String(s.concurrency).padStart(7)}  ${f(s.queries).padStart(7)}  ${f(s.errors).padStart(6)}  ${f(s.qps).padStart(7)}  ${f(s.latencyMs.p50, 2).padStart(8)}  ${f(s.latencyMs.p99, 2).padStart(8)}   ${(100 * s.top1).toFixed(1)}%`);
  }
  if (r.python) {
    const best = Math.max(...r.upsert.map((u) => u.pointsPerSecond));
    lines.push('');
    lines.push(`Python qdrant-client upload_collection (batch ${r.batch}, parallel 1): ${f(r.python.points)} points in ${f(r.python.seconds, 1)} s = ${f(r.python.pointsPerSecond)} points/s`);
    lines.push(`ratio, best Node upsert / Python upload: ${(best / r.python.pointsPerSecond).toFixed(2)}×`);
  } else if (r.pythonSkipped) {
    lines.push('');
    lines.push(`Python comparison skipped: ${r.pythonSkipped}`);
  }
  return lines.join('\n');
}
