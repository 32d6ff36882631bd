/**
 * `npm run bench:gateway` end to end, small: its own temporary stack for the phases, then the
 * capacity section, then 1 → 2 gateway workers in temporary stacks of their own (each checked to
 * answer from as many workers as asked), every stack taken down afterwards.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../figures/lib/stack.ts';

const empty = mkdtempSync(join(tmpdir(), 'vdb-bench-gw-test-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('npx', ['tsx', 'sut/gateway/figures/overhead.ts', ...args], { cwd: REPO_ROOT, env: { ...process.env, VDB_STACK_DIR: empty } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const tempStacks = (): string[] => readdirSync(tmpdir()).filter((d) => /^vdb-bench-gw\d*-/.test(d));

describe('npm run bench:gateway', () => {
  it('prints the phases, the capacity for the runbook shape and the 1 → 2 workers scaling, and leaves no stack behind', async () => {
    const before = tempStacks();
    const r = await run(['--concurrency', '4', '--requests', '300', '--rounds', '1', '--serial', '100', '--warmup', '100', '--points', '200', '--workers-scaling', '1,2', '--scaling-requests', '400', '--scaling-concurrency', '8']);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/^capacity \(engine: qdrant(-local)?[^;]*; CPU per search as measured above/m);
    const perCore = /per core: gateway ([\d,]+) uncached \/ ([\d,]+) cached searches\/s;.* engine ([\d,]+)$/m.exec(r.stdout);
    expect(perCore).not.toBeNull();
    for (const n of perCore!.slice(1)) expect(Number(n.replace(/,/g, ''))).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/^ {2}10,000 searches\/s at p95 < 10 ms: (within reach, limited first by the (engine|gateway)|NOT within reach: short on .+)/m);
    const scaling = [...r.stdout.matchAll(/^ +(\d) worker\(s\): +([\d,]+) searches\/s \(visits ([\d, ]+)\)/gm)];
    expect(scaling.map((m) => m[1])).toEqual(['1', '2']);
    expect(scaling[0]![3]!.split(', ')).toHaveLength(2);
    expect(r.stdout).toMatch(/^ {2}2 vs 1 workers: ×\d+\.\d\d \(target ≥ ×1\.25: (met|NOT met)\)$/m);
    expect(r.stdout).toMatch(/^ {2}limit on this machine: .* allow at most ×\d+\.\d\d with 2 workers/m);
    expect(tempStacks()).toEqual(before);
  }, 600_000);
});
