/**
 * Closed-loop driver: autocannon with N connections, each sending its next request when the
 * previous answer arrives. It finds maximum throughput; its latencies are NOT corrected for
 * coordinated omission (a stalled server is sent fewer requests, so the stall barely shows).
 */
import autocannon from 'autocannon';
import type { AutocannonRequest, AutocannonResult } from 'autocannon';
import { Pool } from 'undici';
import { classifyError } from './error-class.ts';
import type { RunRecorder } from './recorder.ts';
import type { PreparedQuery, Workload } from './workload.ts';

export interface ClosedLoopOptions {
  url: string;
  headers: Record<string, string>;
  connections: number;
  durationS: number;
  warmupS: number;
  timeoutMs: number;
}

export interface ClosedLoopOutcome {
  /** autocannon's own figures (ms, its histogram), kept for comparison. */
  autocannon: { latency_ms: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number }; requests: number; errors: number; timeouts: number; non2xx: number };
  wallMs: number;
}

function runAutocannon(url: string, opts: ClosedLoopOptions, durationS: number, request: AutocannonRequest, onStart: (i: ReturnType<typeof autocannon>) => void): Promise<AutocannonResult> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url,
        connections: opts.connections,
        pipelining: 1,
        duration: durationS,
        timeout: Math.max(1, Math.ceil(opts.timeoutMs / 1000)),
        requests: [request],
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    onStart(instance);
  });
}

export async function runClosedLoop(workload: Workload, recorder: RunRecorder, opts: ClosedLoopOptions): Promise<ClosedLoopOutcome> {
  const origin = new URL(opts.url).origin;
  let n = 0;
  let recording = false;
  // autocannon calls onResponse and then emits 'response' for the same request, synchronously.
  let answered: { q: PreparedQuery; status: number; body: string } | null = null;

  const request: AutocannonRequest = {
    method: 'POST',
    headers: opts.headers,
    setupRequest(req, context) {
      const qi = workload.order[n++ % workload.order.length]!;
      const q = workload.queries[qi]!;
      context.q = qi;
      req.path = q.path;
      req.body = q.body;
      return req;
    },
    onResponse(status, body, context) {
      answered = { q: workload.queries[context.q as number]!, status, body };
    },
  };

  if (opts.warmupS > 0) await runAutocannon(origin, opts, opts.warmupS, request, () => {});

  recorder.originMs = performance.now();
  recording = true;
  const t0 = performance.now();
  const result = await runAutocannon(origin, opts, opts.durationS, request, (instance) => {
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
      if (!recording || !answered) return;
      const now = performance.now();
      recorder.response(answered.q, now - responseTimeMs, now, answered.status, answered.body);
      answered = null;
    });
    instance.on('reqError', (err: Error) => {
      if (!recording) return;
      const now = performance.now();
      const cls = err.message === 'request timed out' ? 'timeout' : classifyError(err);
      recorder.failure(null, now, now, cls);
    });
  });
  recording = false;
  const l = result.latency;
  return {
    autocannon: {
      latency_ms: { p50: l.p50, p90: l.p90, p99: l.p99, p999: l.p99_9, max: l.max, mean: l.mean },
      requests: result.requests.total ?? 0,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
    },
    wallMs: performance.now() - t0,
  };
}

export interface PerVuIterationsOptions {
  url: string;
  headers: Record<string, string>;
  vus: number;
  iterations: number;
  /** The whole run stops here: iterations not yet started are not sent (k6's maxDuration). */
  maxDurationS: number;
  timeoutMs: number;
}

/**
 * k6's per-vu-iterations: `vus` clients, each sending `iterations` requests one after the other
 * (the next once the previous is answered). Closed loop: latency from the actual send, not
 * corrected for coordinated omission. Request n of the run sends the workload's n-th query.
 */
export async function runPerVuIterations(workload: Workload, recorder: RunRecorder, opts: PerVuIterationsOptions): Promise<{ wallMs: number; requests: number; notStarted: number }> {
  const pool = new Pool(new URL(opts.url).origin, { connections: opts.vus, pipelining: 1, keepAliveTimeout: 60_000 });
  const t0 = performance.now();
  const stopAt = t0 + opts.maxDurationS * 1000;
  recorder.originMs = t0;
  let n = 0;
  let sent = 0;
  const vu = async (): Promise<void> => {
    for (let it = 0; it < opts.iterations && performance.now() < stopAt; it++) {
      const q = workload.queries[workload.order[n++ % workload.order.length]!]!;
      sent++;
      const start = performance.now();
      try {
        const res = await pool.request({ path: q.path, method: 'POST', headers: opts.headers, body: q.body, headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs });
        const body = Buffer.from(await res.body.arrayBuffer());
        recorder.response(q, start, performance.now(), res.statusCode, body);
      } catch (err) {
        const cls = classifyError(err);
        recorder.failure(q, start, performance.now(), cls);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.vus }, vu));
  } finally {
    await pool.close().catch(() => {});
  }
  return { wallMs: performance.now() - t0, requests: sent, notStarted: opts.vus * opts.iterations - sent };
}
