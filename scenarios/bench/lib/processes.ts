import { readdirSync, readFileSync } from 'node:fs';

/** Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s. */
const CLOCK_TICK_MS = 10;

/** A process and its descendants (qdrant-local's workers, nginx's workers), from Linux /proc. */
export function processTree(pid: number): number[] {
  const out = [pid];
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    try {
      for (const child of readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8').split(' ').filter(Boolean)) out.push(...processTree(Number(child)));
    } catch {
      // the task ended meanwhile
    }
  }
  return out;
}

/** User + system CPU ms of a process tree, or NaN where /proc is not available. */
export function treeCpuMs(pid: number): number {
  let ticks = 0;
  let seen = false;
  for (const p of processTree(pid)) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      // after "pid (comm) ": state is field 3; utime and stime are fields 14 and 15
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      seen = true;
    } catch {
      // gone
    }
  }
  return seen ? ticks * CLOCK_TICK_MS : Number.NaN;
}
