import { mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTIVE_CHECK_MS, SlotState } from '../../src/slot/state.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A run dir with two (plain-file) sockets and `active.sock` pointing at `to`. */
function runDir(to: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-gw-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'gateway-blue.sock'), '');
  writeFileSync(join(dir, 'gateway-green.sock'), '');
  symlinkSync(to, join(dir, 'active.sock'));
  return dir;
}

/** The deployer's switch: a new link renamed over the old one. */
function switchTo(dir: string, to: string): void {
  symlinkSync(to, join(dir, 'active.sock.tmp'));
  renameSync(join(dir, 'active.sock.tmp'), join(dir, 'active.sock'));
}

describe('SlotState', () => {
  it('is always active without a link, and closes connections only when draining', () => {
    const s = new SlotState({ socketPath: null, activeLink: null });
    expect(s.active()).toBe(true);
    expect(s.closeConnections()).toBe(false);
    s.draining = true;
    expect(s.closeConnections()).toBe(true);
  });

  it('is active while the link resolves to its own socket (relative or absolute link), re-read at most every 100 ms', () => {
    let now = 0;
    const dir = runDir('gateway-blue.sock');
    const blue = new SlotState({ socketPath: join(dir, 'gateway-blue.sock'), activeLink: join(dir, 'active.sock'), now: () => now });
    const green = new SlotState({ socketPath: join(dir, 'gateway-green.sock'), activeLink: join(dir, 'active.sock'), now: () => now });
    expect([blue.active(), green.active()]).toEqual([true, false]);
    expect([blue.closeConnections(), green.closeConnections()]).toEqual([false, true]);

    switchTo(dir, join(dir, 'gateway-green.sock'));
    now += ACTIVE_CHECK_MS - 1;
    // cached: the link is not read again within 100 ms
    expect([blue.active(), green.active()]).toEqual([true, false]);
    now += 1;
    expect([blue.active(), green.active()]).toEqual([false, true]);
    expect(blue.closeConnections()).toBe(true);
  });

  it('is not active when the link is missing or points at a socket that is gone', () => {
    let now = 0;
    const dir = runDir('gateway-blue.sock');
    const blue = new SlotState({ socketPath: join(dir, 'gateway-blue.sock'), activeLink: join(dir, 'active.sock'), now: () => now });
    expect(blue.active()).toBe(true);
    rmSync(join(dir, 'gateway-blue.sock'));
    now += ACTIVE_CHECK_MS;
    expect(blue.active()).toBe(false);
    rmSync(join(dir, 'active.sock'));
    now += ACTIVE_CHECK_MS;
    expect(blue.active()).toBe(false);
  });
});
