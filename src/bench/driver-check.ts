/**
 * The driver checks itself: its CPU, event-loop lag and how late it started sends, so a run can
 * say when the driver, not the server, was the bottleneck.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { percentilesMs } from './histogram.ts';
import type { DriverTiming } from './open-loop.ts';

export interface DriverSelfCheck {
  cpu_pct_of_one_core: number;
  cpu_us_per_request: number;
  event_loop_lag_ms: { p50: number; p99: number; max: number };
  /** Open mode: how late sends started while a connection was free (the driver's own lateness). */
  send_lag_ms?: { p50: number; p99: number; max: number };
  /** Open mode: sends that waited for a free connection (server back-pressure), and their wait. */
  queued_sends?: number;
  queue_wait_ms?: { p50: number; p99: number; max: number };
  max_in_flight?: number;
  scheduled?: number;
  dropped?: number;
  spin_ms: number;
  warnings: string[];
}

const LAG_WARN_MS = 20;
export const LOOP_SAMPLE_MS = 10;
export const SEND_LAG_WARN_MS = 2;
const CPU_WARN = 0.9;

export interface DriverMonitor {
  /** `requests`: every request the driver made while monitored (warmup included). */
  stop(requests: number, timing: DriverTiming | null, spinMs: number): DriverSelfCheck;
}

/** An event-loop delay sample (ns) as lag in ms: the monitor reports the interval between its samples, so the sampling period is taken off. */
export const loopLagMs = (ns: number): number => Math.max(0, Math.round(ns / 1e3) / 1e3 - LOOP_SAMPLE_MS);

export function startDriverMonitor(): DriverMonitor {
  const loop = monitorEventLoopDelay({ resolution: LOOP_SAMPLE_MS });
  loop.enable();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  return {
    stop(requests, timing, spinMs) {
      loop.disable();
      const cpu = process.cpuUsage(cpu0);
      const cpuUs = cpu.user + cpu.system;
      const wallUs = (performance.now() - t0) * 1000;
      const check: DriverSelfCheck = {
        cpu_pct_of_one_core: Math.round((cpuUs / wallUs) * 1000) / 10,
        cpu_us_per_request: requests > 0 ? Math.round((cpuUs / requests) * 10) / 10 : 0,
        event_loop_lag_ms: { p50: loopLagMs(loop.percentile(50)), p99: loopLagMs(loop.percentile(99)), max: loopLagMs(loop.max) },
        spin_ms: spinMs,
        warnings: [],
      };
      if (timing) {
        const lag = percentilesMs(timing.sendLag);
        const wait = percentilesMs(timing.queueWait);
        check.send_lag_ms = { p50: lag.p50, p99: lag.p99, max: lag.max };
        check.queued_sends = timing.queueWait.totalCount;
        check.queue_wait_ms = { p50: wait.p50, p99: wait.p99, max: wait.max };
        check.max_in_flight = timing.maxInFlight;
        check.scheduled = timing.scheduled;
        check.dropped = timing.dropped;
        if (lag.p99 > SEND_LAG_WARN_MS) {
          check.warnings.push(`driver-bound: 1 % of sends started > ${lag.p99} ms late with a connection free (the driver, not the server, was slow); lower --rate or run the driver on a less busy machine`);
        }
      }
      if (check.event_loop_lag_ms.p99 > LAG_WARN_MS) {
        check.warnings.push(`driver-bound: event-loop lag p99 ${check.event_loop_lag_ms.p99} ms (> ${LAG_WARN_MS} ms): latencies include the driver's own delays`);
      }
      // With spinning, a busy core is expected and says nothing; the send lag above is the signal.
      if (check.cpu_pct_of_one_core >= CPU_WARN * 100 && (spinMs === 0 || !timing)) {
        check.warnings.push(`driver-bound: driver CPU ${check.cpu_pct_of_one_core} % of one core: it may have limited the request rate`);
      }
      return check;
    },
  };
}
