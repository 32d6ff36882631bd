/**
 * Merges results of runner processes or hosts that drove one load together (like k6 execution
 * segments): histograms are decoded and added, counts summed, percentiles recomputed from the
 * merged histogram (never averaged), throughputs summed, gates evaluated again.
 */
import type { Histogram } from 'hdr-histogram-js';
import { gateProfile } from '../gates/definitions.ts';
import { UserError } from '../util/errors.ts';
import { judgeBench } from '../gates/apply.ts';
import { streamResults } from './aggregate.ts';
import { emptyErrorCounts } from './error-class.ts';
import type { ErrorClass, ErrorCounts } from './error-class.ts';
import { decodeHistogram, encodeHistogram, newLatencyHistogram, percentilesMs } from './histogram.ts';
import { newRunId } from '../results/run-dir.ts';
import type { BenchResults, StreamResults } from '../results/bench.ts';

interface Acc {
  requests: number;
  ok: number;
  errors_by_class: ErrorCounts;
  recallSum: number;
  recallCount: number;
  hist: Histogram;
}

const newAcc = (): Acc => ({ requests: 0, ok: 0, errors_by_class: emptyErrorCounts(), recallSum: 0, recallCount: 0, hist: newLatencyHistogram() });

function add(acc: Acc, s: StreamResults): void {
  acc.requests += s.requests;
  acc.ok += s.ok;
  for (const [c, n] of Object.entries(s.errors_by_class)) acc.errors_by_class[c as ErrorClass] += n;
  if (s.recall_at_k !== null) {
    acc.recallSum += s.recall_at_k * s.recall_samples;
    acc.recallCount += s.recall_samples;
  }
  if (!s.histogram) throw new UserError('a run without a latency histogram cannot be merged exactly (k6 end-of-test summaries carry percentiles only): import the runners\' k6 JSON output with `npm run bench -- import-k6`');
  acc.hist.add(decodeHistogram(s.histogram.data));
}

/**
 * Who drove a merged run: the runs' tool and scenario when they all agree. k6's threshold verdicts
 * are per run and do not hold for the sum, so they are left out (the gates are judged again).
 */
function mergedRunner(runs: BenchResults[]): BenchResults['runner'] {
  const [first, ...rest] = runs.map((r) => r.runner);
  if (!first || rest.some((x) => x?.tool !== first.tool || x?.scenario !== first.scenario)) return undefined;
  return { tool: first.tool, ...(first.version ? { version: first.version } : {}), ...(first.scenario ? { scenario: first.scenario } : {}), ...(first.source ? { source: first.source } : {}) };
}

export function mergeResults(runs: BenchResults[], profileName?: string): BenchResults {
  if (runs.length < 2) throw new UserError('merge needs at least two results files');
  const first = runs[0]!;
  for (const r of runs) {
    if (r.mode !== first.mode) throw new UserError(`cannot merge an ${first.mode}-loop run with a ${r.mode}-loop run (${r.run_id}): their latencies mean different things`);
    if (r.k !== first.k) throw new UserError(`cannot merge runs with different k (${first.k} and ${r.k} in ${r.run_id})`);
  }
  const total = newAcc();
  const perCollection = new Map<string, { acc: Acc; dataset: string; weight: number }>();
  const perEndpoint = new Map<string, { acc: Acc; endpoint: string; scenario?: string }>();
  const seconds: { requests: number; errors: number; hist: Histogram }[] = [];
  for (const r of runs) {
    add(total, r);
    for (const c of r.per_collection) {
      let pc = perCollection.get(c.collection);
      if (!pc) perCollection.set(c.collection, (pc = { acc: newAcc(), dataset: c.dataset, weight: 0 }));
      add(pc.acc, c);
      pc.weight += c.weight;
    }
    for (const e of r.per_endpoint ?? []) {
      const key = `${e.endpoint}\u0000${e.scenario ?? ''}`;
      let pe = perEndpoint.get(key);
      if (!pe) perEndpoint.set(key, (pe = { acc: newAcc(), endpoint: e.endpoint, ...(e.scenario !== undefined ? { scenario: e.scenario } : {}) }));
      add(pe.acc, e);
    }
    for (const t of r.timeline) {
      while (seconds.length <= t.second) seconds.push({ requests: 0, errors: 0, hist: newLatencyHistogram() });
      const s = seconds[t.second]!;
      s.requests += t.requests;
      s.errors += t.errors;
      s.hist.add(decodeHistogram(t.histogram));
    }
  }
  const starts = runs.map((r) => r.started_at).sort();
  const ends = runs.map((r) => r.finished_at).sort();
  const merged = {
    ...first,
    run_id: newRunId('bench-merged'),
    started_at: starts[0]!,
    finished_at: ends[ends.length - 1]!,
    duration_s: Math.max(...runs.map((r) => r.duration_s)),
    throughput_rps: Math.round(runs.reduce((s, r) => s + r.throughput_rps, 0) * 10) / 10,
    cached_answers: runs.reduce((s, r) => s + (r.cached_answers ?? 0), 0),
    ...streamResults(total),
    timeline: seconds.map((s, second) => {
      const p = percentilesMs(s.hist);
      return { second, requests: s.requests, errors: s.errors, p50_ms: p.p50, p99_ms: p.p99, histogram: encodeHistogram(s.hist) };
    }),
    per_collection: [...perCollection].map(([collection, pc]) => ({ collection, dataset: pc.dataset, weight: pc.weight, ...streamResults(pc.acc) })),
    ...(perEndpoint.size > 0 ? { per_endpoint: [...perEndpoint.values()].map(({ acc, ...key }) => ({ ...key, ...streamResults(acc) })) } : {}),
    driver: runs.flatMap((r) => r.driver),
    runner: mergedRunner(runs),
    warnings: [...new Set(runs.flatMap((r) => r.warnings))],
    merged_from: runs.flatMap((r) => r.merged_from ?? [r.run_id]),
  };
  return judgeBench(merged, gateProfile(profileName ?? first.gates.profile));
}
