import { readdirSync, readFileSync } from 'node:fs';
import { clockTicksPerS, procStat } from '@vdb-readiness/proc-stat';


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
    const fields = procStat(p);
    if (!fields) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    seen = true;
  }
  return seen ? (ticks * 1000) / clockTicksPerS() : Number.NaN;
}
