/**
 * @vdb-readiness/proc-stat: one reader of Linux /proc/<pid>/stat (process state, CPU times) and
 * of the clock tick it counts in, and of /proc/stat's machine CPU (the hypervisor's steal), for
 * the suite (the launcher's zombie check, wrk's CPU, the driver's accuracy runs) and the
 * reference gateway's benchmark (CPU per request of each process, steal during it). Linux only;
 * elsewhere the readers answer null.
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

/** The machine's CPU time so far, summed over its CPUs (ticks): all of it, and what the hypervisor took (steal). */
export interface MachineCpu {
  total: number;
  steal: number;
}

/** From /proc/stat's first line (`cpu user nice system idle iowait irq softirq steal …`); null without /proc. */
export function machineCpu(): MachineCpu | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 8 || fields.some((n) => !Number.isFinite(n))) return null;
    return { total: fields.reduce((a, b) => a + b, 0), steal: fields[7]! };
  } catch {
    return null;
  }
}

/**
 * The share of the machine's CPU time the hypervisor took away between two readings, in % (null
 * when either is missing or no time passed). Stolen time delays wake-ups and makes CPU per
 * request read high: a figure measured under a high share is the host's as much as the code's.
 */
export function stealPct(before: MachineCpu | null, after: MachineCpu | null): number | null {
  if (!before || !after || after.total <= before.total) return null;
  return (100 * (after.steal - before.steal)) / (after.total - before.total);
}
