/**
 * `--workers <n>`: one open-loop run driven by n worker threads, each an OpenLoopDriver with its
 * share of the arrival schedule (request i goes to worker i mod n, at its intended time) and
 * connections / n connections. The workers start from one instant; their records are added
 * exactly (histograms merged, never percentiles averaged), and each worker's own send lag is kept.
 */
import { Worker } from 'node:worker_threads';
import { decodeHistogram, newLatencyHistogram, percentilesMs } from './histogram.ts';
import type { DriverTiming, OpenLoopOptions } from './open-loop.ts';
import type { RecorderSnapshot, RunRecorder } from './recorder.ts';
import type { Workload } from './workload.ts';

/** What a worker thread sends back (driver-worker.ts). */
export interface WorkerReport {
  snapshot: RecorderSnapshot;
  sendLag: string;
  queueWait: string;
  counts: Omit<DriverTiming, 'sendLag' | 'queueWait'>;
  eventLoopLagP99Ms: number;
  /** The run's first measured intended send, ms since the epoch (the same for every worker). */
  measureStartEpochMs: number;
  /** Share of its wall time the worker's event loop was busy (event-loop utilisation). */
  busy: number;
}

export interface WorkerStart {
  workload: Workload;
  opts: Omit<OpenLoopOptions, 'schedule'>;
}

/** Per worker, in the run's driver self-check: its own lateness, so a late worker is visible. */
export interface WorkerFigures {
  worker: number;
  connections: number;
  sent: number;
  send_lag_ms: { p50: number; p99: number; max: number };
  queued_sends: number;
  event_loop_lag_p99_ms: number;
  busy_pct: number;
}

export const MAX_DRIVER_WORKERS = 64;
const START_MARGIN_MS = 20;

const boot = new URL('./driver-worker-boot.mjs', import.meta.url);
const entry = new URL(import.meta.url.endsWith('.ts') ? './driver-worker.ts' : './driver-worker.js', import.meta.url);

export function connectionsOf(worker: number, workers: number, connections: number): number {
  return Math.floor(connections / workers) + (worker < connections % workers ? 1 : 0);
}

export interface DriverPool {
  /** Runs the schedule from one instant on every worker; adds their records into `recorder`. */
  run(recorder: RunRecorder): Promise<{ timing: DriverTiming; perWorker: WorkerFigures[] }>;
  close(): Promise<void>;
}

/**
 * Starts the worker threads and waits until each has built its driver, so what the threads cost
 * to start (the loader, the workload copy) is not billed to the run.
 */
export async function startDriverPool(workload: Workload, opts: OpenLoopOptions, workers: number): Promise<DriverPool> {
  if (opts.schedule || opts.saturate) throw new Error('driver workers share a constant-rate schedule only');
  if (opts.connections < workers) throw new Error(`--workers ${workers} needs at least as many connections (got ${opts.connections})`);
  const reported = new Set<number>();
  const threads = Array.from({ length: workers }, (_, index) => {
    const start: WorkerStart = { workload, opts: { ...opts, connections: connectionsOf(index, workers, opts.connections), share: { index, of: workers } } };
    return new Worker(boot, { workerData: { entry: entry.href, start } });
  });
  const failed = new Promise<never>((_, reject) => {
    for (const [i, t] of threads.entries()) {
      t.once('error', (err) => reject(new Error(`driver worker ${i} failed: ${err.message}`)));
      t.once('exit', (code) => {
        if (!reported.has(i)) reject(new Error(`driver worker ${i} exited (${code}) before reporting`));
      });
    }
  });
  failed.catch(() => {});
  const message = <T>(t: Worker): Promise<T> => new Promise<T>((resolve) => t.once('message', resolve));
  const close = async (): Promise<void> => {
    for (let i = 0; i < workers; i++) reported.add(i);
    await Promise.all(threads.map((t) => t.terminate()));
  };
  try {
    await Promise.race([Promise.all(threads.map((t) => message<'ready'>(t))), failed]);
  } catch (err) {
    await close();
    throw err;
  }
  return {
    close,
    async run(recorder) {
      try {
        const reports = threads.map((t, i) =>
          message<WorkerReport>(t).then((r) => {
            reported.add(i);
            return r;
          }),
        );
        const startAtEpochMs = performance.timeOrigin + performance.now() + START_MARGIN_MS;
        for (const t of threads) t.postMessage({ startAtEpochMs });
        return merge(await Promise.race([Promise.all(reports), failed]), recorder, opts, workers);
      } finally {
        await close();
      }
    },
  };
}

function merge(reports: WorkerReport[], recorder: RunRecorder, opts: OpenLoopOptions, workers: number): { timing: DriverTiming; perWorker: WorkerFigures[] } {
  const timing: DriverTiming = { sendLag: newLatencyHistogram(), queueWait: newLatencyHistogram(), scheduled: 0, sent: 0, dispatched: 0, dropped: 0, maxInFlight: 0, wallMs: 0 };
  const perWorker: WorkerFigures[] = [];
  // every worker counts its seconds from the same measurement start: the primary's, on its own clock
  recorder.originMs = reports[0]!.measureStartEpochMs - performance.timeOrigin;
  reports.forEach((r, worker) => {
    recorder.absorb(r.snapshot);
    const lag = decodeHistogram(r.sendLag);
    const wait = decodeHistogram(r.queueWait);
    timing.sendLag.add(lag);
    timing.queueWait.add(wait);
    timing.scheduled += r.counts.scheduled;
    timing.sent += r.counts.sent;
    timing.dispatched += r.counts.dispatched;
    timing.dropped += r.counts.dropped;
    // an upper bound on the run's in-flight peak: the workers' peaks need not coincide
    timing.maxInFlight += r.counts.maxInFlight;
    timing.wallMs = Math.max(timing.wallMs, r.counts.wallMs);
    const p = percentilesMs(lag);
    perWorker.push({
      worker,
      connections: connectionsOf(worker, workers, opts.connections),
      sent: r.counts.sent,
      send_lag_ms: { p50: p.p50, p99: p.p99, max: p.max },
      queued_sends: wait.totalCount,
      event_loop_lag_p99_ms: r.eventLoopLagP99Ms,
      busy_pct: Math.round(r.busy * 1000) / 10,
    });
  });
  return { timing, perWorker };
}

