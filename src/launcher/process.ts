import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../util/errors.ts';
import { procStat } from '@vdb-readiness/proc-stat';

export interface SpawnServiceOptions {
  /** Human name used in errors ("qdrant-local", "redis"). */
  name: string;
  command: string;
  args: string[];
  logPath: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts a long-lived service in its own process group (so `down` can stop it and its
 * children from another process), stdout and stderr appended to `logPath`. The child outlives
 * the caller: it is detached and unref'd.
 */
export function spawnService(opts: SpawnServiceOptions): number {
  const fd = openSync(opts.logPath, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) {
      throw new UserError(`${opts.name} could not be started (${opts.command}): is it installed?`);
    }
    child.on('error', () => undefined); // reported through waitForReady's liveness check
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by us) still answers kill(0): check its state.
  const stat = procStat(pid);
  return stat === null || stat[0] !== 'Z';
}

export function tailLog(path: string, lines = 15): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8').trimEnd();
  return text ? text.split('\n').slice(-lines) : [];
}

export interface WaitOptions {
  name: string;
  /** Resolves true when the service is ready; errors count as "not yet". */
  probe: () => Promise<boolean>;
  timeoutMs: number;
  pid?: number;
  logPath?: string;
  intervalMs?: number;
}

/** Polls `probe` until true; fails fast with the log's last lines when the process dies. */
export async function waitForReady(opts: WaitOptions): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  for (;;) {
    if (opts.pid !== undefined && !isAlive(opts.pid)) {
      throw new UserError(
        `${opts.name} exited during start-up (log: ${opts.logPath ?? 'none'}); its last log lines:`,
        undefined,
        opts.logPath ? tailLog(opts.logPath) : [],
      );
    }
    try {
      if (await opts.probe()) return;
    } catch {
      // not ready yet
    }
    if (Date.now() > deadline) {
      throw new UserError(
        `${opts.name} did not become ready within ${Math.round(opts.timeoutMs / 1000)} s (log: ${opts.logPath ?? 'none'}); its last log lines:`,
        undefined,
        opts.logPath ? tailLog(opts.logPath) : [],
      );
    }
    await sleep(interval);
  }
}

/** GET `url` with a timeout; true on the expected status. */
export async function httpOk(url: string, opts: { timeoutMs?: number; status?: number; headers?: Record<string, string> } = {}): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2000), headers: opts.headers });
  await res.arrayBuffer();
  return res.status === (opts.status ?? 200);
}

/**
 * Stops a service started by `spawnService`: SIGTERM to its process group, then SIGKILL
 * after `graceMs`. Resolves once no process of the group is alive.
 */
export async function stopProcessGroup(pid: number, graceMs = 5000): Promise<void> {
  const signalGroup = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        // already gone
      }
    }
  };
  if (!isAlive(pid)) return;
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    signalGroup('SIGKILL');
    const killDeadline = Date.now() + 2000;
    while (isAlive(pid) && Date.now() < killDeadline) await sleep(20);
  }
  // children of the group (e.g. nginx workers) go with SIGKILL to the group
  signalGroup('SIGKILL');
}
