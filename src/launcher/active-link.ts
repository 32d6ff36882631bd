/**
 * The front door's switch: nginx's one upstream is `<runDir>/active.sock`, a symlink to the
 * active slot's socket `gateway-<slot>.sock`. Switching renames a fresh link over it (atomic:
 * every connect() sees the old target or the new one, never none); nginx is not reloaded.
 */
import { chmodSync, mkdtempSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export const ACTIVE_LINK = 'active.sock';

export const slotSocketPath = (runDir: string, slot: string): string => join(runDir, `gateway-${slot}.sock`);
export const activeLinkPath = (runDir: string): string => join(runDir, ACTIVE_LINK);

/** A short directory for the sockets (a unix socket path is at most 107 bytes), readable by nginx's workers (they run as `nobody` under root). */
export function makeRunDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-gw-'));
  chmodSync(dir, 0o755);
  return dir;
}

/** Points `active.sock` at `slot`'s socket: a new link `active.sock.tmp`, renamed over the old one. */
export function linkActive(runDir: string, slot: string): void {
  const tmp = join(runDir, `${ACTIVE_LINK}.tmp`);
  rmSync(tmp, { force: true });
  symlinkSync(basename(slotSocketPath(runDir, slot)), tmp);
  renameSync(tmp, activeLinkPath(runDir));
}

/** The slot `active.sock` points at, or null when there is no link (or it points elsewhere). */
export function readActiveLink(runDir: string): string | null {
  try {
    const m = /^gateway-(.+)\.sock$/.exec(basename(readlinkSync(activeLinkPath(runDir))));
    return m ? (m[1] as string) : null;
  } catch {
    return null;
  }
}
