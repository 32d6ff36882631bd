import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { isAlive, isGroupAlive, isOwnZombie } from './alive.ts';
import { waitUntil } from './wait.ts';

export interface StartOptions {
  command: string;
  args: string[];
  /** stdout and stderr are appended here. */
  logPath: string;
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Starts `command` in its own process group (its pid is the group's id), stdout and stderr
 * appended to `logPath`, stdin closed. Does not wait for anything: the child is detached and
 * unref'd, so it outlives the caller and can be stopped from another process. Returns its pid,
 * or null when the OS did not start it (the command is missing or not executable); an error
 * after that shows as the process not being alive.
 */
export function startProcessGroup(opts: StartOptions): number | null {
  const fd = openSync(opts.logPath, 'a');
  try {
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    child.on('error', () => undefined); // seen by the caller's liveness check
    if (child.pid === undefined) return null;
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** The last `lines` lines of a log file; none when it does not exist or is empty. */
export function tailLog(path: string, lines = 15): string[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, 'utf8').trimEnd();
  return text ? text.split('\n').slice(-lines) : [];
}

/** SIGKILL's wait for the leader, and for the rest of the group after it. */
const KILL_WAIT_MS = 2000;
/** How long a child of this process may stay a zombie before Node reaps it. */
const REAP_WAIT_MS = 1000;

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig); // not a group leader: the process alone
    } catch {
      // already gone
    }
  }
}

/**
 * Stops a process started by `startProcessGroup` (from this process or another): SIGTERM to its
 * group, up to `graceMs` for the leader to exit, then SIGKILL to the group (what is left of it,
 * e.g. nginx's or qdrant-local's workers, goes with SIGKILL as soon as the leader is gone).
 * Resolves once no process of the group is alive, zombies counting as gone; a leader that is this
 * process's own child is also reaped by then, so its pid answers nothing any more.
 */
export async function stopProcessGroup(pid: number, graceMs = 5000): Promise<void> {
  if (isAlive(pid) || isGroupAlive(pid)) {
    signalGroup(pid, 'SIGTERM');
    await waitUntil({ probe: () => !isAlive(pid), timeoutMs: graceMs, intervalMs: 50 });
    if (isAlive(pid)) {
      signalGroup(pid, 'SIGKILL');
      await waitUntil({ probe: () => !isAlive(pid), timeoutMs: KILL_WAIT_MS, intervalMs: 20 });
    }
    if (isGroupAlive(pid)) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
      await waitUntil({ probe: () => !isGroupAlive(pid), timeoutMs: KILL_WAIT_MS, intervalMs: 20 });
    }
  }
  await waitUntil({ probe: () => !isOwnZombie(pid), timeoutMs: REAP_WAIT_MS, intervalMs: 10 });
}
