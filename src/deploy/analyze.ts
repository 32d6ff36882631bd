/**
 * The post-switch analysis window: every interval_s, probe traffic through the front door (open
 * loop at probe_rate_per_s) and the new slot's live traffic (deltas of its /metrics), judged;
 * it stops early once more intervals failed than failure_limit allows.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelInfo } from '../readiness/gateway-client.ts';
import { errorMessage } from '../util/errors.ts';
import { analysisVerdict, intervalLine, judgeInterval } from './analysis.ts';
import { liveDelta, liveSnapshot, type LiveSnapshot } from './metrics.ts';
import type { Probe, ProbeRequest } from './probe.ts';
import type { AnalysisInterval, AnalysisSettings } from './types.ts';

/** A search on the smallest model with a fresh random unit vector each time (never a cache hit), else GraphQL health. */
export function probeRequest(models: ModelInfo[], key: string): ProbeRequest {
  const headers = { 'x-api-key': key };
  const m = [...models].sort((a, b) => a.dimension - b.dimension)[0];
  if (!m) return { method: 'POST', path: '/graphql', headers, body: () => JSON.stringify({ query: 'query{health{status}}' }) };
  return {
    method: 'POST',
    path: '/api/v1/vectors/search',
    headers,
    body: () => {
      const v = Array.from({ length: m.dimension }, () => Math.random() - 0.5);
      const n = Math.hypot(...v) || 1;
      return JSON.stringify({ model: m.name, query_vector: v.map((x) => Number((x / n).toFixed(6))), limit: 5 });
    },
  };
}

export async function scrape(slotUrl: string): Promise<LiveSnapshot> {
  const res = await fetch(`${slotUrl}/metrics`, { signal: AbortSignal.timeout(3000) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  return liveSnapshot(text);
}

export interface AnalysisRun {
  intervals: AnalysisInterval[];
  rollback: boolean;
  reason: string | null;
}

/**
 * Runs the window. `probe` must already be started (at the switch); `before` is the new slot's
 * scrape from just before the switch. Each interval goes to `onInterval` as it ends.
 */
export async function runAnalysis(opts: {
  slotUrl: string;
  probe: Probe;
  before: LiveSnapshot | null;
  settings: AnalysisSettings;
  onInterval: (i: AnalysisInterval, line: string) => void;
}): Promise<AnalysisRun> {
  const s = opts.settings;
  const intervals: AnalysisInterval[] = [];
  let before = opts.before;
  const t0 = performance.now();
  const wall0 = Date.now();
  for (let index = 1; index <= s.count; index++) {
    const startedAt = new Date(wall0 + (index - 1) * s.interval_s * 1000).toISOString();
    const end = t0 + index * s.interval_s * 1000;
    await sleep(Math.max(0, end - performance.now()));
    const probe = index === s.count ? await opts.probe.stop() : opts.probe.take();
    let live = { requests: 0, errors: 0, p95_ms: null as number | null };
    let liveError: string | null = null;
    try {
      const after = await scrape(opts.slotUrl);
      if (before) live = liveDelta(before, after);
      before = after;
    } catch (err) {
      liveError = `new slot /metrics unreachable: ${errorMessage(err)}`;
    }
    const verdict = judgeInterval(probe, live, s);
    const reasons = [verdict.reason, liveError, probe.samples.length ? `probe failures: ${probe.samples.join(', ')}` : null].filter(Boolean);
    const interval: AnalysisInterval = {
      index,
      started_at: startedAt,
      probe: { requests: probe.requests, errors: probe.errors, p95_ms: probe.p95_ms },
      live,
      pass: verdict.pass && liveError === null,
      reason: verdict.pass && liveError === null ? null : reasons.join('; '),
    };
    intervals.push(interval);
    opts.onInterval(interval, intervalLine(interval, s));
    const v = analysisVerdict(intervals, s);
    if (v.rollback) {
      if (index < s.count) await opts.probe.stop();
      return { intervals, rollback: true, reason: v.reason };
    }
  }
  return { intervals, rollback: false, reason: null };
}
