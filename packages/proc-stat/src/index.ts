/**
 * @vdb-readiness/proc-stat: one reader of Linux /proc/<pid>/stat (process state, CPU times) and
 * of the clock tick it counts in, for the suite (the launcher's zombie check, wrk's CPU) and the
 * reference gateway's benchmark (CPU per request of each process). Linux only; elsewhere the
 * reader answers null.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerS: number | null = null;

/** Linux clock ticks per second, the unit of the CPU times in /proc/<pid>/stat (asked once, when first needed). */
export function clockTicksPerS(): number {
  ticksPerS ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
  return ticksPerS;
}

/**
 * The fields of /proc/<pid>/stat after "pid (comm) " (a comm may hold spaces and parentheses):
 * [0] state, [11] utime, [12] stime, [13] cutime, [14] cstime. Null when the process is gone
 * or there is no /proc.
 */
export function procStat(pid: number | 'self'): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}
