/**
 * The driver measured against servers whose latency is known: the stub server in its own process,
 * with a latency model and stalls, records what it did; the driver's figures are compared with it.
 * Used by the accuracy figure script and the integration test.
 */
import { runClosedLoop } from './closed-loop.ts';
import type { LatencyMs } from './histogram.ts';
import { percentilesMs } from './histogram.ts';
import { startDriverPool } from './driver-pool.ts';
import { OpenLoopDriver } from './open-loop.ts';
import type { DriverTiming, HttpClientKind } from './open-loop.ts';
import { RunRecorder } from './recorder.ts';
import { authHeaders } from './search-contract.ts';
import type { DelayModel, StallModel } from './stub-server/latency-model.ts';
import { startStubServer } from './stub-server/spawn.ts';
import type { StubTruth } from './stub-server/spawn.ts';
import { buildWorkload } from './workload.ts';
import { defaultSpinMs } from './options.ts';
import { machineCpu, stealPct } from '@vdb-readiness/proc-stat';

export interface AccuracyRun {
  mode: 'open' | 'closed';
  delay: DelayModel;
  stall?: StallModel;
  /** Open mode only. */
  rate?: number;
  connections: number;
  durationS: number;
  spinMs?: number;
  napUs?: number;
  client?: HttpClientKind;
  /** Open mode: driver threads sharing the schedule (`--workers`, driver-pool.ts). */
  workers?: number;
}

export interface AccuracyResult {
  client: LatencyMs;
  requests: number;
  errors: number;
  /** What the server did to the same requests (service time, arrival to last byte). */
  truth: StubTruth;
  timing: DriverTiming | null;
  /** CPU (user + system, µs) of this process while the driver ran. */
  driverCpuUs: number;
  driverWallMs: number;
  /**
   * Share of the machine's CPU time the hypervisor took away during the run (Linux `steal`, %;
   * null where /proc/stat is not readable). Stolen time delays the client's wake-ups more than
   * the server's timers, so a high figure explains a bias that is not the driver's.
   */
  stealPct: number | null;
}

const source = { queryCount: () => 16, query: (_d: string, j: number) => ({ vector: Array.from({ length: 32 }, (_, i) => Math.sin(i + j)), neighbors: [0] }) };

export async function measureAgainstStub(run: AccuracyRun): Promise<AccuracyResult> {
  const workload = buildWorkload([{ collection: 'accuracy', dataset: 'synthetic', weight: 1 }], source, { api: 'gateway', k: 1, queries: 16 });
  await using server = await startStubServer({ delay: run.delay, ...(run.stall ? { stall: run.stall } : {}) });
  const rec = new RunRecorder(workload);
  const headers = authHeaders('gateway', undefined);
  let timing: DriverTiming | null = null;
  const openOpts = {
    url: server.url, headers, rate: run.rate ?? 100, connections: run.connections, durationS: run.durationS, warmupS: 0, timeoutMs: 10_000, spinMs: run.spinMs ?? defaultSpinMs(run.workers ?? 1),
    ...(run.napUs !== undefined ? { napUs: run.napUs } : {}), ...(run.client ? { client: run.client } : {}),
  };
  // threads are started and connections opened before the clock: neither is the driver's cost per request
  const pool = run.mode === 'open' && (run.workers ?? 1) > 1 ? await startDriverPool(workload, openOpts, run.workers!) : null;
  const driver = run.mode === 'open' && !pool ? new OpenLoopDriver(workload, rec, openOpts) : null;
  await driver?.connect();
  const cpu0 = process.cpuUsage();
  const machine0 = machineCpu();
  const t0 = performance.now();
  if (pool) {
    timing = (await pool.run(rec)).timing;
  } else if (run.mode === 'open') {
    timing = await driver!.run();
  } else {
    await runClosedLoop(workload, rec, { url: server.url, headers, connections: run.connections, durationS: run.durationS, warmupS: 0, timeoutMs: 10_000 });
  }
  const cpu = process.cpuUsage(cpu0);
  const driverWallMs = performance.now() - t0;
  const steal = stealPct(machine0, machineCpu());
  const errors = Object.values(rec.total.errors).reduce((a, b) => a + b, 0);
  return { client: percentilesMs(rec.total.hist), requests: rec.total.requests, errors, truth: await server.truth(), timing, driverCpuUs: cpu.user + cpu.system, driverWallMs, stealPct: steal };
}

export const relativeError = (measured: number, truth: number): number => (truth === 0 ? Infinity : Math.abs(measured - truth) / truth);
