import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { allowedCpus, applyPlacement, parseCpuList, splitCpus } from '../../figures/lib/placement.ts';

describe('CPU lists', () => {
  it('parses Linux CPU lists', () => {
    expect(parseCpuList('0-1')).toEqual([0, 1]);
    expect(parseCpuList('0-3,6,8-9\n')).toEqual([0, 1, 2, 3, 6, 8, 9]);
    expect(parseCpuList('5')).toEqual([5]);
  });

  it('gives the engine the upper half and the rest the lower half', () => {
    expect(splitCpus([0, 1])).toEqual({ engine: '1', rest: '0' });
    expect(splitCpus([0, 1, 2, 3, 4])).toEqual({ engine: '2,3,4', rest: '0,1' });
    expect(splitCpus([4, 5, 6, 7])).toEqual({ engine: '6,7', rest: '4,5' });
    expect(splitCpus([0])).toBeNull();
  });
});

const own = allowedCpus(process.pid);
const canSplit = own !== null && parseCpuList(own).length >= 2 && spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0;

describe.skipIf(!canSplit)('applyPlacement (real processes, taskset)', () => {
  const children: ChildProcess[] = [];
  const sleeper = () => {
    const c = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(c);
    return c.pid as number;
  };
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
  });

  it('pins the engine and the rest to disjoint CPUs, then gives them back what they had', () => {
    const engine = sleeper();
    const rest = sleeper();
    const cpus = parseCpuList(own as string);
    const split = splitCpus(cpus) as { engine: string; rest: string };
    const placement = applyPlacement('split', [engine], [rest]);
    expect(placement.kind).toBe('split');
    expect(parseCpuList(allowedCpus(engine) as string)).toEqual(parseCpuList(split.engine));
    expect(parseCpuList(allowedCpus(rest) as string)).toEqual(parseCpuList(split.rest));
    placement.restore();
    expect(parseCpuList(allowedCpus(engine) as string)).toEqual(cpus);
    expect(parseCpuList(allowedCpus(rest) as string)).toEqual(cpus);
  });

  it('leaves every process alone when asked for shared', () => {
    const engine = sleeper();
    const placement = applyPlacement('shared', [engine], []);
    expect(placement.kind).toBe('shared');
    expect(parseCpuList(allowedCpus(engine) as string)).toEqual(parseCpuList(own as string));
  });

  it('falls back to shared, and says so, when a process cannot be pinned', () => {
    const rest = sleeper();
    const placement = applyPlacement('split', [2 ** 22 + 12345], [rest]);
    expect(placement.kind).toBe('shared');
    expect(placement.description).toMatch(/could not set the CPU affinity of pid/);
    expect(parseCpuList(allowedCpus(rest) as string)).toEqual(parseCpuList(own as string));
  });
});
