/**
 * `bench calibrate`: how much load this driver can make and what each request costs it, against
 * a stub server that answers at once (its own process), beside autocannon and wrk in the same run.
 */
import { RunRecorder } from './recorder.ts';
import { runClosedLoop } from './closed-loop.ts';
import { startDriverMonitor } from './driver-check.ts';
import type { DriverSelfCheck } from './driver-check.ts';
import { HTTP_CLIENTS, OpenLoopDriver } from './open-loop.ts';
import type { HttpClientKind } from './open-loop.ts';
import { authHeaders } from './search-contract.ts';
import { startStubServer } from './stub-server/spawn.ts';
import { buildWorkload } from './workload.ts';
import type { QuerySource } from './workload.ts';
import { runWrk, wrkInstalled } from './wrk.ts';
import type { WrkFigures } from './wrk.ts';

export interface CalibrateOptions {
  connections: number;
  durationS: number;
  dim: number;
  /** Also run wrk when installed (default true). */
  wrk: boolean;
  /** Open-loop clients to measure, the first one is `driver` (default: raw, then undici). */
  clients?: HttpClientKind[];
  /** Unmeasured seconds of load before each Node tool, so JIT warm-up is not billed per request (default 1). */
  warmupS?: number;
  /** Rounds in which the tools take turns (default 1); figures pool all rounds. */
  rounds?: number;
}

export interface DriverFigures {
  client?: HttpClientKind;
  requests: number;
  requests_per_s: number;
  cpu_us_per_request: number;
  cpu_pct_of_one_core: number;
  event_loop_lag_ms: DriverSelfCheck['event_loop_lag_ms'];
}

export interface CalibrationReport {
  server: string;
  connections: number;
  duration_s: number;
  body_bytes: number;
  /** The open-loop driver with its default client. */
  driver: DriverFigures;
  /** Every client measured (`driver` first). */
  drivers: DriverFigures[];
  autocannon: DriverFigures;
  wrk: WrkFigures | { missing: string };
  /** Driver CPU per request ÷ wrk's (goal ≤ 1.5). */
  ratio_vs_wrk: number | null;
  warmup_s: number;
  rounds: number;
}

/** Random unit vectors: calibration needs realistic body sizes, not planted truth. */
function syntheticSource(dim: number): QuerySource {
  return {
    queryCount: () => 64,
    query: (_d, j) => {
      const v = new Float32Array(dim);
      let s = 0;
      for (let i = 0; i < dim; i++) s += (v[i] = Math.sin(j * 7919 + i * 104729));
      return { vector: v.map((x) => x / Math.sqrt(Math.abs(s) + 1)), neighbors: Array.from({ length: 10 }, (_, i) => i) };
    },
  };
}

interface Measured {
  requests: number;
  wallMs: number;
  check: DriverSelfCheck;
}

/** One tool's rounds pooled: total CPU over total requests (the event-loop lag of the worst round). */
function pooled(runs: Measured[]): DriverFigures {
  const requests = runs.reduce((a, r) => a + r.requests, 0);
  const wallMs = runs.reduce((a, r) => a + r.wallMs, 0);
  const cpuUs = runs.reduce((a, r) => a + r.check.cpu_us_per_request * r.requests, 0);
  const worst = runs.reduce((a, r) => (r.check.event_loop_lag_ms.p99 > a.event_loop_lag_ms.p99 ? r.check : a), runs[0]!.check);
  return {
    requests,
    requests_per_s: Math.round((requests / (wallMs / 1000)) * 10) / 10,
    cpu_us_per_request: requests > 0 ? Math.round((cpuUs / requests) * 10) / 10 : 0,
    cpu_pct_of_one_core: Math.round((cpuUs / (wallMs * 1000)) * 1000) / 10,
    event_loop_lag_ms: worst.event_loop_lag_ms,
  };
}

export async function calibrate(opts: CalibrateOptions, log: (line: string) => void = () => {}): Promise<CalibrationReport> {
  const workload = buildWorkload([{ collection: 'calibrate', dataset: 'synthetic', weight: 1 }], syntheticSource(opts.dim), { api: 'gateway', k: 10, queries: 64 });
  const headers = authHeaders('gateway', 'calibration-key');
  const server = await startStubServer({ delay: { kind: 'none' } });
  try {
    log(`stub server ${server.url} (pid ${server.pid}); ${opts.connections} connections, ${opts.rounds ?? 1} × ${opts.durationS} s per tool`);

    const warmupS = opts.warmupS ?? 1;
    const rounds = opts.rounds ?? 1;
    const clients = opts.clients ?? HTTP_CLIENTS;
    const useWrk = opts.wrk && wrkInstalled();
    const saturated = (client: HttpClientKind, rec: RunRecorder, durationS: number): OpenLoopDriver =>
      new OpenLoopDriver(workload, rec, { url: server.url, client, headers, rate: 1, connections: opts.connections, durationS, warmupS: 0, timeoutMs: 10_000, spinMs: 0, saturate: true });
    const closed = (rec: RunRecorder, durationS: number): ReturnType<typeof runClosedLoop> =>
      runClosedLoop(workload, rec, { url: server.url, headers, connections: opts.connections, durationS, warmupS: 0, timeoutMs: 10_000 });
    if (warmupS > 0) {
      for (const client of clients) await saturated(client, new RunRecorder(workload), warmupS).run();
      await closed(new RunRecorder(workload), warmupS);
    }
    // Tools take turns, round after round, so a change in the machine's background load hits them alike.
    const driverRuns = clients.map(() => [] as Measured[]);
    const acRuns: Measured[] = [];
    const wrkRuns: WrkFigures[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const [i, client] of clients.entries()) {
        const rec = new RunRecorder(workload);
        const monitor = startDriverMonitor();
        const t0 = performance.now();
        const timing = await saturated(client, rec, opts.durationS).run();
        driverRuns[i]!.push({ requests: rec.total.requests, wallMs: performance.now() - t0, check: monitor.stop(rec.total.requests, timing, 0) });
      }
      const acRec = new RunRecorder(workload);
      const monitor = startDriverMonitor();
      const ac = await closed(acRec, opts.durationS);
      acRuns.push({ requests: acRec.total.requests, wallMs: ac.wallMs, check: monitor.stop(acRec.total.requests, null, 0) });
      if (useWrk) {
        const q = workload.queries[0]!;
        wrkRuns.push(await runWrk({ url: server.url, path: q.path, body: q.body, headers, connections: opts.connections, durationS: opts.durationS }));
      }
      log(`round ${round + 1}/${rounds} done`);
    }
    const drivers = clients.map((client, i) => ({ client, ...pooled(driverRuns[i]!) }));
    const driver = drivers[0]!;
    const autocannon = pooled(acRuns);
    for (const d of drivers) log(`driver (open-loop engine, ${d.client} client, saturated): ${d.requests_per_s} req/s, ${d.cpu_us_per_request} µs CPU/request`);
    log(`autocannon (closed mode): ${autocannon.requests_per_s} req/s, ${autocannon.cpu_us_per_request} µs CPU/request`);
    let wrk: CalibrationReport['wrk'] = { missing: opts.wrk ? 'wrk is not installed (apt-get install -y wrk)' : 'skipped (--no-wrk)' };
    if (wrkRuns.length > 0) {
      const requests = wrkRuns.reduce((a, w) => a + w.requests, 0);
      const cpuUs = wrkRuns.reduce((a, w) => a + w.cpu_us, 0);
      const rps = wrkRuns.reduce((a, w) => a + w.requests_per_s, 0) / wrkRuns.length;
      wrk = { requests, requests_per_s: Math.round(rps * 10) / 10, cpu_us: cpuUs, cpu_us_per_request: requests > 0 ? Math.round((cpuUs / requests) * 10) / 10 : 0 };
      log(`wrk -t1: ${wrk.requests_per_s} req/s, ${wrk.cpu_us_per_request} µs CPU/request`);
    }
    const ratio = 'cpu_us_per_request' in wrk && wrk.cpu_us_per_request > 0 ? Math.round((driver.cpu_us_per_request / wrk.cpu_us_per_request) * 100) / 100 : null;
    return {
      server: 'stub: node:http in a child process on 127.0.0.1, answers at once',
      connections: opts.connections,
      duration_s: opts.durationS,
      body_bytes: workload.queries[0]!.body.length,
      driver,
      drivers,
      autocannon,
      wrk,
      ratio_vs_wrk: ratio,
      warmup_s: warmupS,
      rounds,
    };
  } finally {
    await server.stop();
  }
}

export function renderCalibration(r: CalibrationReport): string {
  const row = (name: string, f: { requests_per_s: number; cpu_us_per_request: number }): string =>
    `  ${name.padEnd(28)} ${String(f.requests_per_s).padStart(10)} req/s  ${String(f.cpu_us_per_request).padStart(7)} µs CPU/request`;
  const wrkUs = 'missing' in r.wrk ? 0 : r.wrk.cpu_us_per_request;
  const ratio = (f: { cpu_us_per_request: number }): string => (wrkUs > 0 ? `  ${(f.cpu_us_per_request / wrkUs).toFixed(2)}× wrk` : '');
  const lines = [
    `calibration — ${r.server}; ${r.connections} connections, ${r.rounds} round(s) of ${r.duration_s} s per tool, taking turns (after ${r.warmup_s} s unmeasured warm-up per Node tool), body ${r.body_bytes} B`,
    ...r.drivers.map((d, i) => row(`driver, ${d.client ?? 'undici'} client${i === 0 ? ' (default)' : ''}`, d) + ratio(d)),
    row('autocannon (closed mode)', r.autocannon) + ratio(r.autocannon),
    'missing' in r.wrk ? `  wrk: ${r.wrk.missing}` : row('wrk -t1', r.wrk),
    `  driver event-loop lag: p50 ${r.driver.event_loop_lag_ms.p50} ms, p99 ${r.driver.event_loop_lag_ms.p99} ms, max ${r.driver.event_loop_lag_ms.max} ms; driver CPU ${r.driver.cpu_pct_of_one_core} % of one core`,
  ];
  if (r.ratio_vs_wrk !== null) {
    lines.push(`  driver CPU per request = ${r.ratio_vs_wrk}× wrk's (goal ≤ 1.5×): ${r.ratio_vs_wrk <= 1.5 ? 'met' : 'NOT met'}`);
  }
  lines.push('  (the driver saturates one core at about 1e6 / (µs per request) requests/s: above that rate, run several drivers and merge)');
  return lines.join('\n');
}
