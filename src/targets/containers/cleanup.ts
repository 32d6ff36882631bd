import { hostname } from 'node:os';
import { docker } from './docker.ts';

/** Labels on every container and network the containers target creates. */
export const RUN_LABEL = 'vdb-readiness.run';
export const PID_LABEL = 'vdb-readiness.pid';
export const HOST_LABEL = 'vdb-readiness.host';
/** Set on what `--keep` leaves running: never removed as a leftover. */
export const KEEP_LABEL = 'vdb-readiness.keep';

export function runLabels(runId: string, keep = false): Record<string, string> {
  return { [RUN_LABEL]: runId, [PID_LABEL]: String(process.pid), [HOST_LABEL]: hostname(), ...(keep ? { [KEEP_LABEL]: 'true' } : {}) };
}

export const labelArgs = (labels: Record<string, string>): string[] => Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface Labelled {
  id: string;
  run: string;
  pid: number;
  host: string;
  keep: boolean;
}

async function listLabelled(kind: 'container' | 'network'): Promise<Labelled[]> {
  const format = `{{.ID}}\t{{.Label "${RUN_LABEL}"}}\t{{.Label "${PID_LABEL}"}}\t{{.Label "${HOST_LABEL}"}}\t{{.Label "${KEEP_LABEL}"}}`;
  const args = kind === 'container' ? ['ps', '-a', '--no-trunc'] : ['network', 'ls', '--no-trunc'];
  const r = await docker([...args, '--filter', `label=${RUN_LABEL}`, '--format', format], { timeoutMs: 30_000 });
  if (r.code !== 0) return [];
  return r.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', run = '', pid = '', host = '', keep = ''] = line.split('\t');
      return { id, run, pid: Number(pid), host, keep: keep === 'true' };
    });
}

async function remove(containers: string[], networks: string[]): Promise<void> {
  if (containers.length) await docker(['rm', '-f', '-v', ...containers], { timeoutMs: 120_000 });
  for (const n of networks) await docker(['network', 'rm', n], { timeoutMs: 30_000 });
}

/**
 * Removes what runs of this target left behind when they were killed: labelled containers and
 * networks whose process (same host) is gone, never those of `--keep` or of a run still going.
 * Returns the run ids removed.
 */
export async function removeLeftovers(): Promise<string[]> {
  const me = hostname();
  const dead = (x: Labelled): boolean => !x.keep && x.host === me && !(Number.isInteger(x.pid) && x.pid > 0 && alive(x.pid));
  const containers = (await listLabelled('container')).filter(dead);
  const networks = (await listLabelled('network')).filter(dead);
  await remove(
    containers.map((c) => c.id),
    networks.map((n) => n.id),
  );
  return [...new Set([...containers, ...networks].map((x) => x.run))];
}

/** Removes every container and network of one run. */
export async function removeRun(runId: string): Promise<void> {
  const mine = (x: Labelled): boolean => x.run === runId;
  const containers = (await listLabelled('container')).filter(mine);
  const networks = (await listLabelled('network')).filter(mine);
  await remove(
    containers.map((c) => c.id),
    networks.map((n) => n.id),
  );
}

/** Containers and networks of one run still there (for tests and the end-of-run check). */
export async function runResources(runId: string): Promise<{ containers: number; networks: number }> {
  const mine = (x: Labelled): boolean => x.run === runId;
  return { containers: (await listLabelled('container')).filter(mine).length, networks: (await listLabelled('network')).filter(mine).length };
}
