import { mkdir, rename, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { reportsOutDir } from '../util/paths.ts';
import type { RunKind } from './common.ts';

/** A run id that sorts by time and says what ran: `20261128-221503-readiness-3fa9`. */
export function newRunId(kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const rand = Math.random().toString(16).slice(2, 6);
  return `${stamp}-${kind}-${rand}`;
}

/** Creates `<outRoot>/<run-id>/` and returns its path. */
export async function createRunDir(runId: string, outRoot = reportsOutDir()): Promise<string> {
  const dir = join(outRoot, runId);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** `latest` (the newest run of any kind) and `latest-<kind>` (the newest of that kind). */
export const latestLinks = (kind: RunKind): string[] => ['latest', `latest-${kind}`];

/** Points `<outRoot>/latest` and `<outRoot>/latest-<kind>` at `runId`, each atomically (a relative symlink replaced by rename). */
export async function markLatest(runId: string, kind: RunKind, outRoot = reportsOutDir()): Promise<void> {
  for (const name of latestLinks(kind)) {
    const tmp = join(outRoot, `.${name}-${process.pid}-${Date.now()}`);
    await rm(tmp, { force: true });
    await symlink(runId, tmp, 'dir');
    await rename(tmp, join(outRoot, name));
  }
}
