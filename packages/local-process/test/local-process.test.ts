import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePort, isAlive, isGroupAlive, isPortFree, startProcessGroup, stopProcessGroup, tailLog, waitUntil } from '../src/index.ts';

const linux = process.platform === 'linux';
const dir = mkdtempSync(join(tmpdir(), 'local-process-'));
let n = 0;
const started: number[] = [];

/** Starts `command` in a group with a fresh log; the pids the leader prints are its children. */
async function start(command: string, args: string[], children = 0): Promise<{ pid: number; log: string; children: number[] }> {
  const log = join(dir, `${++n}.log`);
  const pid = startProcessGroup({ command, args, logPath: log });
  if (pid === null) throw new Error(`${command} did not start`);
  started.push(pid);
  const printed = () => tailLog(log).filter((l) => /^\d+$/.test(l)).map(Number);
  if (children > 0) expect(await waitUntil({ probe: () => printed().length >= children, timeoutMs: 10_000, intervalMs: 20, pid })).toBe('ready');
  return { pid, log, children: printed() };
}

/** Gone for good: not alive, nothing of its group alive, and (our own child) reaped. */
function expectGone(p: { pid: number; children: number[] }): void {
  expect(isAlive(p.pid)).toBe(false);
  expect(() => process.kill(p.pid, 0)).toThrow(); // reaped, not a zombie
  expect(p.children.filter(isAlive)).toEqual([]);
  expect(isGroupAlive(p.pid)).toBe(false);
}

afterEach(async () => {
  for (const pid of started.splice(0)) await stopProcessGroup(pid, 0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('freePort / isPortFree', () => {
  it('gives a port that can be bound on loopback, and tells when it is taken', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(await isPortFree(port)).toBe(true);
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve());
    });
    try {
      expect(await isPortFree(port)).toBe(false);
    } finally {
      await new Promise((resolve) => srv.close(resolve));
    }
    expect(await isPortFree(port)).toBe(true);
  });
});

describe.runIf(linux)('startProcessGroup / stopProcessGroup', () => {
  it('starts a command in its own group with its output in the log', async () => {
    const p = await start('sh', ['-c', 'echo started; echo oops >&2; sleep 60 & echo $!; wait'], 1);
    expect(readFileSync(p.log, 'utf8')).toMatch(/^started\noops\n\d+\n$/);
    const pgid = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[2];
    expect(pgid(p.pid)).toBe(String(p.pid));
    expect(pgid(p.children[0] as number)).toBe(String(p.pid));
    expect(pgid(process.pid)).not.toBe(String(p.pid));
    expect(isGroupAlive(p.pid)).toBe(true);
  });

  it('calls no pid 0 or negative pid alive (kill() would take them for a group)', () => {
    expect(isAlive(process.pid)).toBe(true);
    for (const pid of [0, -1, -process.pid, Number.NaN]) expect(isAlive(pid)).toBe(false);
  });

  it('answers null for a command that does not exist', () => {
    expect(startProcessGroup({ command: join(dir, 'no-such-command'), args: [], logPath: join(dir, 'none.log') })).toBeNull();
  });

  it('stops a group that exits on SIGTERM: the leader and its children', async () => {
    const p = await start('sh', ['-c', 'sleep 60 & echo $!; sleep 60 & echo $!; wait'], 2);
    expect(p.children).toHaveLength(2);
    expect([p.pid, ...p.children].every(isAlive)).toBe(true);
    await stopProcessGroup(p.pid, 10_000);
    expectGone(p);
  });

  it('SIGKILLs a node leader and a child that ignore SIGTERM once the grace is over', async () => {
    const script = [
      "process.on('SIGTERM', () => console.log('term'));",
      "const c = require('node:child_process').spawn('sh', ['-c', \"trap '' TERM; exec sleep 60\"], { stdio: 'ignore' });",
      'console.log(c.pid);',
      'setInterval(() => undefined, 1000);',
    ].join('\n');
    const p = await start(process.execPath, ['-e', script], 1);
    await stopProcessGroup(p.pid, 300);
    expectGone(p);
    expect(tailLog(p.log)).toContain('term'); // it was asked first
  });

  it('does not return while a child that ignores SIGTERM outlives its leader', async () => {
    // the leader exits on SIGTERM at once; its child (think of nginx's workers) does not
    const p = await start('sh', ['-c', "(trap '' TERM; exec sleep 60) & echo $!; wait"], 1);
    await stopProcessGroup(p.pid, 10_000);
    expectGone(p);
  });

  it('resolves at once for a process that is already gone', async () => {
    const p = await start('sh', ['-c', 'exit 0']);
    expect(await waitUntil({ probe: () => false, timeoutMs: 10_000, intervalMs: 20, pid: p.pid })).toBe('exited');
    await stopProcessGroup(p.pid, 10_000);
    expectGone({ pid: p.pid, children: [] });
  });
});

describe('waitUntil', () => {
  it('is ready when the probe says so, counting throws as not yet', async () => {
    let calls = 0;
    const probe = () => {
      calls++;
      if (calls < 3) throw new Error('not yet');
      return calls >= 4;
    };
    expect(await waitUntil({ probe, timeoutMs: 10_000, intervalMs: 5 })).toBe('ready');
    expect(calls).toBe(4);
  });

  it('times out when the probe never says yes', async () => {
    expect(await waitUntil({ probe: async () => false, timeoutMs: 50, intervalMs: 10 })).toBe('timeout');
  });
});
