/**
 * The launcher's side of starting services: its errors (UserError, naming the service and its
 * log) and its HTTP probe, over @vdb-readiness/local-process, which starts, watches and stops
 * the processes (`isAlive`, `stopProcessGroup`, `tailLog`: import them from there by name).
 */
import { startProcessGroup, tailLog, waitUntil } from '@vdb-readiness/local-process';
import { UserError } from '../util/errors.ts';

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
  const pid = startProcessGroup({ command: opts.command, args: opts.args, logPath: opts.logPath, env: opts.env ?? process.env, cwd: opts.cwd });
  if (pid === null) {
    throw new UserError(`${opts.name} could not be started (${opts.command}): is it installed?`);
  }
  return pid; // an error after this is reported through waitForReady's liveness check
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
  const outcome = await waitUntil({ probe: opts.probe, timeoutMs: opts.timeoutMs, intervalMs: opts.intervalMs ?? 100, pid: opts.pid });
  if (outcome === 'ready') return;
  const lines = opts.logPath ? tailLog(opts.logPath) : [];
  if (outcome === 'exited') {
    throw new UserError(`${opts.name} exited during start-up (log: ${opts.logPath ?? 'none'}); its last log lines:`, undefined, lines);
  }
  throw new UserError(
    `${opts.name} did not become ready within ${Math.round(opts.timeoutMs / 1000)} s (log: ${opts.logPath ?? 'none'}); its last log lines:`,
    undefined,
    lines,
  );
}

/** GET `url` with a timeout; true on the expected status. */
export async function httpOk(url: string, opts: { timeoutMs?: number; status?: number; headers?: Record<string, string> } = {}): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 2000), headers: opts.headers });
  await res.arrayBuffer();
  return res.status === (opts.status ?? 200);
}
