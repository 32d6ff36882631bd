/**
 * Resident memory and open file descriptors of a process and its descendants, from /proc (Linux;
 * a local stack's pids are known from stack.json). A tree, because the engine may be several
 * processes (qdrant-local runs one worker per collection under `bin/serve`).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { procStat } from '@vdb-readiness/proc-stat';

export interface TreeUsage {
  rssBytes: number;
  openFds: number;
  pids: number;
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone, or a kernel without task/*/children: no descendants seen
  }
  return out;
}

function rssOf(pid: number): number | null {
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return null;
  }
}

function fdsOf(pid: number): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/**
 * A process and its descendants, as the sampler reads them every interval. Finding the
 * descendants reads every thread's `children` (a Python engine has many threads), so the pid
 * list is refreshed every `refreshEvery` readings; memory and fds are read every time.
 */
export class ProcessTree {
  private pids: number[] = [];
  private readings = 0;

  constructor(readonly root: number, private readonly refreshEvery = 10) {}

  private descendants(): number[] {
    const out: number[] = [];
    const seen = new Set([this.root]);
    const queue = childrenOf(this.root);
    while (queue.length) {
      const pid = queue.shift()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      out.push(pid);
      queue.push(...childrenOf(pid));
    }
    return out;
  }

  /** The tree's usage, or null when the root process is gone (or not readable, or no /proc). */
  usage(): TreeUsage | null {
    if (procStat(this.root) === null) return null;
    const rootRss = rssOf(this.root);
    const rootFds = fdsOf(this.root);
    if (rootRss === null || rootFds === null) return null;
    if (this.readings++ % this.refreshEvery === 0) this.pids = this.descendants();
    let rssBytes = rootRss;
    let openFds = rootFds;
    let pids = 1;
    for (const pid of this.pids) {
      const rss = rssOf(pid);
      if (rss === null) continue;
      rssBytes += rss;
      openFds += fdsOf(pid) ?? 0;
      pids++;
    }
    return { rssBytes, openFds, pids };
  }
}
