import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processTree } from './processes.ts';

/**
 * Where the benchmark's processes run.
 * - `split`: the engine on its own cores, the gateway tier (nginx, gateway, Redis) and the load
 *   generator on the others, as in production where Qdrant and the gateway run on separate
 *   hosts. Comparing "direct" with "through the gateway" then measures what the gateway tier
 *   adds, not how much CPU it takes away from an engine sharing its cores.
 * - `shared`: every process may use every core (what the OS does by itself).
 */
export type PlacementKind = 'split' | 'shared';

export interface Placement {
  kind: PlacementKind;
  /** One line for the report: what runs where, or why the split was not possible. */
  description: string;
  /** Gives every pinned process the CPUs it had before (a stack the user keeps running). */
  restore(): void;
  /** Puts a process the benchmark started itself (and does not give back) on the engine's CPUs; a no-op when shared. */
  pinToEngine(pid: number): void;
}

/** Parses a Linux CPU list ("0-3,6,8-9") into CPU ids. */
export function parseCpuList(text: string): number[] {
  const ids: number[] = [];
  for (const part of text.trim().split(',').filter(Boolean)) {
    const [from, to] = part.split('-').map(Number) as [number, number | undefined];
    for (let id = from; id <= (to ?? from); id++) ids.push(id);
  }
  return ids;
}

/** The CPUs a process may run on (Linux /proc), or null where that is not known. */
export function allowedCpus(pid: number): string | null {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('Cpus_allowed_list:'));
    return line ? line.slice('Cpus_allowed_list:'.length).trim() : null;
  } catch {
    return null;
  }
}

/** A split of the given CPUs: the engine gets the upper half, the rest the lower half; null below 2 CPUs. */
export function splitCpus(cpus: number[]): { engine: string; rest: string } | null {
  if (cpus.length < 2) return null;
  const half = Math.floor(cpus.length / 2);
  return { engine: cpus.slice(half).join(','), rest: cpus.slice(0, half).join(',') };
}

/** Sets the CPU affinity of every thread of `pid` (taskset from util-linux); false when it could not. */
function pin(pid: number, cpus: string): boolean {
  return spawnSync('taskset', ['--all-tasks', '--cpu-list', '--pid', cpus, String(pid)], { stdio: 'ignore' }).status === 0;
}

/**
 * Applies a placement: the process trees of `engine` on the engine's CPUs, those of `rest`
 * (the gateway tier and the load generator) on the others, out of the CPUs this process may
 * use. Falls back to `shared`, and says why, with fewer than 2 CPUs or without `taskset`.
 */
export function applyPlacement(kind: PlacementKind, engine: number[], rest: number[]): Placement {
  const own = allowedCpus(process.pid);
  const cpus = own ? parseCpuList(own) : [];
  const shared = (why: string): Placement => ({ kind: 'shared', description: `shared: every process may use every core${why}`, restore: () => undefined, pinToEngine: () => undefined });
  if (kind === 'shared') return shared('');
  const split = splitCpus(cpus);
  if (!split) return shared(own ? ' (a split needs 2 CPUs or more)' : ' (no /proc to read the CPUs from)');
  if (spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status !== 0) return shared(' (no `taskset` to split them: install util-linux)');
  const before = new Map<number, string>();
  const restore = () => {
    for (const [pid, list] of before) pin(pid, list);
  };
  for (const [pids, list] of [[engine.flatMap(processTree), split.engine], [rest.flatMap(processTree), split.rest]] as const) {
    for (const pid of pids) {
      const had = allowedCpus(pid);
      if (had === null || !pin(pid, list)) {
        restore();
        return shared(` (could not set the CPU affinity of pid ${pid})`);
      }
      before.set(pid, had);
    }
  }
  return {
    kind: 'split',
    description: `split: the engine on CPU ${split.engine}; nginx, the gateway, Redis and the load generator on CPU ${split.rest} (as in production, where Qdrant and the gateway tier run on separate hosts)`,
    restore,
    pinToEngine: (pid) => {
      for (const p of processTree(pid)) pin(p, split.engine);
    },
  };
}
