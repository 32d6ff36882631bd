import { readdirSync } from 'node:fs';
import { procStat } from '@vdb-readiness/proc-stat';

/** true while `pid` runs; a zombie (exited, not reaped yet) is not alive. */
export function isAlive(pid: number): boolean {
  // kill(0) and kill(-1) would signal a whole group (or every process) and always succeed
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers kill(0): check its state.
  const stat = procStat(pid);
  return stat === null || stat[0] !== 'Z';
}

/**
 * true while a process of process group `pgid` runs, zombies left out (read from /proc: the
 * fields after "pid (comm) " are state, ppid, pgrp). Without /proc, signal 0 to the group, which
 * counts zombies too.
 */
export function isGroupAlive(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch (err) {
      return (err as NodeJS.ErrnoException).code === 'EPERM';
    }
  }
  const group = String(pgid);
  return entries.some((entry) => {
    if (!/^\d+$/.test(entry)) return false;
    const stat = procStat(Number(entry));
    return stat !== null && stat[2] === group && stat[0] !== 'Z';
  });
}

/** true when `pid` is an exited child of this process that Node has not reaped yet. */
export function isOwnZombie(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat[0] === 'Z' && stat[1] === String(process.pid);
}
