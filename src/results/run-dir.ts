import { mkdir, rm, symlink, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { reportsOutDir } from '../util/paths.ts';

/** A run id that sorts by time and says what ran: `20261128-221503-readiness-3fa9`. */
export function newRunId(kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const rand = Math.random().toString(16).slice(2, 6);
  return `${stamp}-${kind}-${rand}`;
}

/**
 * Creates `reports/out/<run-id>/` (or `<outRoot>/<run-id>/`) and returns its path.
 * Call `markLatest` once the first results are written so `latest` always points at a run with data.
 */
export async function createRunDir(runId: string, outRoot = reportsOutDir()): Promise<string> {
  const dir = join(outRoot, runId);
  await mkdir(dir, { recursive: true });
  return dir;
}

/** Points `<outRoot>/latest` at `runId` atomically (a relative symlink, replaced by rename). */
export async function markLatest(runId: string, outRoot = reportsOutDir()): Promise<void> {
  const tmp = join(outRoot, `.latest-${process.pid}-${Date.now()}`);
  await rm(tmp, { force: true });
  await symlink(runId, tmp, 'dir');
  await rename(tmp, join(outRoot, 'latest'));
}
