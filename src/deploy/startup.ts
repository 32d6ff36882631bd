/**
 * Waits for a new slot the way health-checks.yaml `startup` says: probe its `/health` (direct
 * TCP) every interval_ms, each probe at most timeout_ms, give up after failure_threshold failed
 * probes; a slot that also listens on its unix socket is ready. A process that exits fails at
 * once, with its last log lines.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '@vdb-readiness/local-process';
import { socketReady } from '../launcher/services/gateway.ts';
import type { StartupSettings } from '../launcher/gateway-config.ts';
import { readableLogLine } from '../launcher/log-lines.ts';
import type { SlotInfo } from '../launcher/types.ts';
import { errorMessage } from '../util/errors.ts';

export type StartupOutcome = { ok: true; ms: number; probes: number } | { ok: false; ms: number; reason: string; logLines: string[] };

async function probeHealth(url: string, timeoutMs: number): Promise<string | null> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return res.status === 200 ? null : `/health answered ${res.status}`;
  } catch (err) {
    return errorMessage((err as { cause?: unknown }).cause ?? err);
  }
}

/** The last `lines` lines the slot logged after `offset` (its own start), readable. */
export function slotLogTail(path: string, offset: number, lines = 12): string[] {
  try {
    const size = statSync(path).size;
    const from = Math.max(offset, size - 256 * 1024);
    const buf = Buffer.alloc(size - from);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buf, 0, buf.length, from);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').trimEnd().split('\n').filter(Boolean).slice(-lines).map(readableLogLine);
  } catch {
    return [];
  }
}

export interface WaitHealthyOptions {
  /** Size of the slot's log file before it started. */
  logOffset?: number;
  alive?: (pid: number) => boolean;
  /** Its last log lines, where they are not in a file at `slot.log` (a container's). */
  logTail?: () => Promise<string[]>;
}

export async function waitHealthy(slot: SlotInfo, s: StartupSettings, opts: WaitHealthyOptions = {}): Promise<StartupOutcome> {
  const alive = opts.alive ?? isAlive;
  const tail = (): Promise<string[]> => (opts.logTail ? opts.logTail().catch(() => []) : Promise.resolve(slotLogTail(slot.log, opts.logOffset ?? 0)));
  const t0 = performance.now();
  const ms = (): number => performance.now() - t0;
  let failures = 0;
  let last = 'no probe yet';
  for (;;) {
    if (!alive(slot.pid)) {
      return { ok: false, ms: ms(), reason: `${slot.name} exited during start-up (log: ${slot.log})`, logLines: await tail() };
    }
    const err = await probeHealth(slot.url, s.timeout_ms);
    if (err === null && socketReady(slot.socket)) return { ok: true, ms: ms(), probes: failures + 1 };
    last = err ?? `not listening on ${slot.socket} (does the gateway honour GATEWAY_SOCKET?)`;
    failures++;
    if (failures >= s.failure_threshold) {
      return {
        ok: false,
        ms: ms(),
        reason: `${slot.name} not healthy after ${failures} probes (${(ms() / 1000).toFixed(1)} s; last: ${last}; log: ${slot.log})`,
        logLines: await tail(),
      };
    }
    await sleep(s.interval_ms);
  }
}
