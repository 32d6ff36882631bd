/**
 * The pure half of the rollback group's evidence: per-request samples of the constant-rate
 * traffic (readiness/lib/traffic.ts) turned into a results timeline (buckets and marks), the
 * figures the checks assert on (failures, the longest gap between answers, answers per
 * version), and the bound on bad answers an automatic rollback may let through.
 */
import type { DeploymentEvent } from '../deploy/types.ts';
import type { Timeline, TimelineBucket, TimelineEvent } from '../results/readiness.ts';

/** One request of the traffic. Times are ms after the traffic's first intended send time. */
export interface TrafficSample {
  /** Intended send time (open loop: the schedule, not when the driver got round to it). */
  t_ms: number;
  /** When its outcome was known (answer complete, error, or given up). */
  done_ms: number;
  /** `done_ms - t_ms`: latency from the intended send time (no coordinated omission). */
  latency_ms: number;
  /** HTTP status, 0 when there was no answer. */
  status: number;
  /** Answered 200 in time. */
  ok: boolean;
  /** `x-gateway-slot` of the answer, null without one. */
  slot: string | null;
  /** `x-gateway-version` of the answer, null without one. */
  version: string | null;
  /** Index of the keep-alive connection it went on. */
  conn: number;
  /** Why it failed: `HTTP 503`, `ECONNRESET`, `timeout`, `unanswered`, … */
  error?: string;
}

export const DEFAULT_BUCKET_MS = 100;
/** A chart wider than this many buckets says nothing more: longer traffic gets wider buckets. */
export const MAX_BUCKETS = 600;

/** 100 ms, doubled until the traffic fits in `maxBuckets`. */
export function chooseBucketMs(durationMs: number, base = DEFAULT_BUCKET_MS, maxBuckets = MAX_BUCKETS): number {
  let b = base;
  while (durationMs / b > maxBuckets) b *= 2;
  return b;
}

/** Nearest-rank percentile of an ascending list (null when empty). */
export function percentileSorted(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1]!;
}

const round1 = (v: number): number => Math.round(v * 10) / 10;

/** The samples as fixed-width buckets by intended send time, from 0 to `durationMs`. */
export function bucketSamples(samples: TrafficSample[], durationMs: number, bucketMs: number): TimelineBucket[] {
  const n = Math.max(1, Math.ceil(Math.max(durationMs, ...samples.map((s) => s.t_ms + 1), 0) / bucketMs));
  const lat: number[][] = Array.from({ length: n }, () => []);
  const buckets: TimelineBucket[] = Array.from({ length: n }, (_, i) => ({ t_ms: i * bucketMs, count: 0, errors: 0, p50_ms: null, p95_ms: null, max_ms: null, slots: {} }));
  for (const s of samples) {
    const i = Math.min(n - 1, Math.max(0, Math.floor(s.t_ms / bucketMs)));
    const b = buckets[i]!;
    b.count++;
    if (!s.ok) b.errors++;
    if (s.status > 0) {
      lat[i]!.push(s.latency_ms);
      const slot = s.slot ?? '?';
      b.slots[slot] = (b.slots[slot] ?? 0) + 1;
    }
  }
  for (let i = 0; i < n; i++) {
    const sorted = lat[i]!.sort((a, b) => a - b);
    if (sorted.length === 0) continue;
    const b = buckets[i]!;
    b.p50_ms = round1(percentileSorted(sorted, 50)!);
    b.p95_ms = round1(percentileSorted(sorted, 95)!);
    b.max_ms = round1(sorted[sorted.length - 1]!);
  }
  return buckets;
}

/**
 * The longest time between two successful answers (by completion time), within [from, to] when
 * given: the ends of the window count as answers, so a stall at its start or end shows too.
 * Null with fewer than two points to compare.
 */
export function maxAnswerGap(samples: TrafficSample[], window?: { from: number; to: number }): number | null {
  const times = samples.filter((s) => s.ok).map((s) => s.done_ms);
  if (window) {
    const inside = times.filter((t) => t >= window.from && t <= window.to);
    const points = [window.from, ...inside, window.to].sort((a, b) => a - b);
    let gap = 0;
    for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i]! - points[i - 1]!);
    return round1(gap);
  }
  if (times.length < 2) return null;
  times.sort((a, b) => a - b);
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i]! - times[i - 1]!);
  return round1(gap);
}

export interface TimelineOptions {
  /** Epoch ms of t_ms 0. */
  startEpochMs: number;
  durationMs: number;
  ratePerS: number;
  connections: number;
  bucketMs?: number;
}

export function buildTimeline(samples: TrafficSample[], events: TimelineEvent[], opts: TimelineOptions): Timeline {
  const bucketMs = opts.bucketMs ?? chooseBucketMs(opts.durationMs);
  return {
    started_at: new Date(opts.startEpochMs).toISOString(),
    bucket_ms: bucketMs,
    duration_ms: Math.round(opts.durationMs),
    rate_per_s: opts.ratePerS,
    connections: opts.connections,
    requests: samples.length,
    failed: samples.filter((s) => !s.ok).length,
    max_gap_ms: maxAnswerGap(samples),
    buckets: bucketSamples(samples, opts.durationMs, bucketMs),
    events: [...events].sort((a, b) => a.t_ms - b.t_ms).map((e) => ({ ...e, t_ms: Math.round(e.t_ms) })),
  };
}

/** The deployer's events on the traffic's clock (`at` is ISO; `startEpochMs` is t_ms 0). */
export function deployerMarks(events: DeploymentEvent[], startEpochMs: number, prefix = ''): TimelineEvent[] {
  return events
    .filter((e) => !Number.isNaN(Date.parse(e.at)))
    .map((e) => ({ t_ms: Date.parse(e.at) - startEpochMs, kind: e.kind, label: `${prefix}${e.kind}${e.detail ? `: ${e.detail}` : ''}` }));
}

/** The first event of a kind, in ms on the traffic clock, or undefined. */
export function firstMark(events: TimelineEvent[], ...kinds: string[]): number | undefined {
  const hits = events.filter((e) => kinds.includes(e.kind)).map((e) => e.t_ms);
  return hits.length ? Math.min(...hits) : undefined;
}

export interface FailureSummary {
  count: number;
  /** Failures by cause (`HTTP 503`, `ECONNRESET`, `timeout`, …). */
  byCause: Record<string, number>;
  /** The first few, one line each, for the failure message. */
  first: string[];
}

export function summarizeFailures(samples: TrafficSample[], limit = 5): FailureSummary {
  const failed = samples.filter((s) => !s.ok).sort((a, b) => a.t_ms - b.t_ms);
  const byCause: Record<string, number> = {};
  for (const s of failed) byCause[s.error ?? 'failed'] = (byCause[s.error ?? 'failed'] ?? 0) + 1;
  const first = failed.slice(0, limit).map((s) => `t=${Math.round(s.t_ms)} ms ${s.error ?? 'failed'}${s.slot ? ` (slot ${s.slot}${s.version ? ` ${s.version}` : ''})` : ''} on connection ${s.conn}`);
  return { count: failed.length, byCause, first };
}

export const describeCauses = (f: FailureSummary): string =>
  Object.entries(f.byCause).map(([k, v]) => `${v}× ${k}`).join(', ') || 'none';

/** Answers (any status) counted by `x-gateway-version` (`?` without the header). */
export function answersByVersion(samples: TrafficSample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.status === 0) continue;
    const v = s.version ?? '?';
    out[v] = (out[v] ?? 0) + 1;
  }
  return out;
}

export interface BadAnswerBoundInput {
  /** The suite's own traffic rate. */
  rate_per_s: number;
  /** The deployer's probe traffic during analysis. */
  probe_rate_per_s: number;
  interval_s: number;
  failure_limit: number;
  /** Allowance for noticing the verdict and switching back (at the full rate). */
  slack_s: number;
}

/**
 * The most bad answers an automatic rollback may let through: the new version serves at most
 * `failure_limit + 1` failing intervals before the verdict, at the whole rate reaching it
 * (probes and live traffic), plus the time to switch back.
 */
export function badAnswerBound(b: BadAnswerBoundInput): number {
  const rate = b.rate_per_s + b.probe_rate_per_s;
  return Math.ceil(rate * b.interval_s * (b.failure_limit + 1) + rate * b.slack_s);
}

/** How many connections had nothing in flight and had been quiet at least `quietMs` at `t`. */
export function idleConnectionsAt(samples: TrafficSample[], connections: number, t: number, quietMs: number): number {
  let idle = 0;
  for (let c = 0; c < connections; c++) {
    const mine = samples.filter((s) => s.conn === c);
    const busy = mine.some((s) => s.t_ms <= t && s.done_ms > t - quietMs);
    const used = mine.some((s) => s.t_ms <= t);
    if (used && !busy) idle++;
  }
  return idle;
}

/**
 * The analysis interval a deployer really used, from its record (the median step between the
 * intervals' start times), or undefined with fewer than two intervals. A deploy hook may not
 * honour the shortened analysis the spec asked for: the bounds follow what ran.
 */
export function usedIntervalS(analysis: Array<{ started_at: string }>): number | undefined {
  const starts = analysis.map((a) => Date.parse(a.started_at)).filter((t) => !Number.isNaN(t)).sort((a, b) => a - b);
  if (starts.length < 2) return undefined;
  const steps = starts.slice(1).map((t, i) => t - starts[i]!).sort((a, b) => a - b);
  const mid = steps.length / 2;
  const median = steps.length % 2 ? steps[Math.floor(mid)]! : (steps[mid - 1]! + steps[mid]!) / 2;
  return Math.round(median) / 1000;
}
