import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clockTicksPerS, machineCpu, procStat, stealPct } from '../src/index.ts';

const linux = process.platform === 'linux';
const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

describe.runIf(linux)('procStat', () => {
  it('reads this process: running, with CPU time that grows', () => {
    const before = procStat('self');
    expect(before?.[0]).toBe('R');
    const until = performance.now() + 100;
    while (performance.now() < until) Math.sqrt(Math.random());
    const after = procStat(process.pid) as string[];
    const ticks = (f: string[]) => Number(f[11]) + Number(f[12]);
    expect(ticks(after)).toBeGreaterThan(ticks(before as string[]));
  });

  it('finds the fields after a command name holding spaces and parentheses', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'proc-stat-'));
    const bin = join(dir, 'a (b) c');
    copyFileSync(spawnSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).stdout.trim(), bin);
    const child = spawn(bin, ['30'], { stdio: 'ignore' });
    cleanups.push(() => {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    await new Promise((resolve) => child.once('spawn', resolve));
    let fields: string[] | null = null;
    // the comm is the new program's name once exec has happened
    for (let i = 0; i < 100; i++) {
      fields = procStat(child.pid as number);
      if (fields?.[0] === 'S') break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(fields?.[0]).toBe('S');
    expect(Number(fields?.[1])).toBe(process.pid); // ppid
  });

  it('answers null for a process that is gone', async () => {
    const child = spawn('true');
    await new Promise((resolve) => child.once('exit', resolve));
    await new Promise((r) => setTimeout(r, 50));
    expect(procStat(child.pid as number)).toBeNull();
  });

  it('asks the machine for its clock tick', () => {
    expect(clockTicksPerS()).toBe(Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()));
  });
});

describe('stealPct', () => {
  it('is the stolen share of the time between two readings, null without one or without time', () => {
    expect(stealPct({ total: 1000, steal: 10 }, { total: 1400, steal: 50 })).toBe(10);
    expect(stealPct({ total: 1000, steal: 10 }, { total: 1000, steal: 10 })).toBeNull();
    expect(stealPct(null, { total: 1, steal: 0 })).toBeNull();
  });
});

describe.runIf(linux)('machineCpu', () => {
  it('reads /proc/stat: total time grows, steal is part of it', async () => {
    const a = machineCpu()!;
    await new Promise((r) => setTimeout(r, 50));
    const b = machineCpu()!;
    expect(b.total).toBeGreaterThan(a.total);
    expect(b.steal).toBeGreaterThanOrEqual(a.steal);
    expect(b.steal).toBeLessThanOrEqual(b.total);
    expect(stealPct(a, b)).toBeGreaterThanOrEqual(0);
  });
});
