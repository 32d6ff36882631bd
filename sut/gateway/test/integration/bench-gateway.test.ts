/**
 * `npm run bench:gateway` end to end, small: its own temporary stack for the phases, then the
 * capacity section, then 1 → 2 gateway workers in temporary stacks of their own (each checked to
 * answer from as many workers as asked), every stack taken down afterwards; its results file read
 * by the suite's own commands (`npm run report`, `npm run gate`), as a user would.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCommand } from '../helpers/run-command.ts';

const empty = mkdtempSync(join(tmpdir(), 'vdb-bench-gw-test-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

const run = (args: string[], cmd = ['npx', 'tsx', 'sut/gateway/figures/overhead.ts']) => runCommand([...cmd, ...args], { VDB_STACK_DIR: empty });

const tempStacks = (): string[] => readdirSync(tmpdir()).filter((d) => /^vdb-bench-gw\d*-/.test(d));

describe('npm run bench:gateway', () => {
  it('prints the phases, the capacity for the runbook shape and the 1 → 2 workers scaling, and leaves no stack behind', async () => {
    const before = tempStacks();
    const out = join(empty, 'capacity');
    const r = await run(['--concurrency', '4', '--requests', '300', '--rounds', '1', '--serial', '100', '--warmup', '100', '--bound', '500', '--points', '200', '--workers-scaling', '1,2', '--scaling-requests', '400', '--scaling-concurrency', '8', '--out', out]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stdout).toMatch(/^capacity \(engine: qdrant(-local)?[^;]*; CPU per search as measured above/m);
    // 4 clients: the 85 % scale target is not judged, the 70 % one is
    expect(r.stdout).toMatch(/^throughput: gateway \(uncached\) QPS \d+ % of direct \(target >= 70 %: (met|NOT met); scale target >= 85 % at 8 clients under split placement: judged only with split placement and 8 clients\); per round/m);
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
    // the gateway-bound phase: a figure of its own, and its gateway and stand-in engine gone
    const bound = /^ {2}([\d]+) searches\/s; CPU per uncached search: gateway (\d+) µs, Redis (\d+) µs \(\+ nginx \d+ µs from the uncached phase: tier (\d+) µs, against (\d+) µs while waiting on the engine\)$/m.exec(r.stdout);
    expect(bound, r.stdout).not.toBeNull();
    for (const n of bound!.slice(1, 3)) expect(Number(n)).toBeGreaterThan(0);
    expect(spawnSync('pgrep', ['-f', 'figures/lib/instant-engine.ts']).stdout.toString()).toBe('');

    // the same figures as a results file, read by the suite's commands
    const file = join(out, 'results.json');
    expect(r.stdout).toContain(`capacity results: ${file}`);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    expect(doc).toMatchObject({ schema: 'vdb-readiness/capacity@1', kind: 'capacity', state: 'complete', tool: 'bench:gateway' });
    expect(doc.scaling.points.map((p: { workers: number }) => p.workers)).toEqual([1, 2]);
    expect(doc.scaling.visits).toEqual([1, 2, 1]);
    expect(doc.per_core.engine).toBeGreaterThan(0);
    expect(doc.measured.gateway_bound.searches_per_s).toBeGreaterThan(0);
    expect(doc.measured.gateway_bound.cpu_ms_per_search.gateway).toBeGreaterThan(0);
    const html = join(out, 'report.html');
    const report = await run([file, '--out', html], ['npm', 'run', '-s', 'report', '--']);
    // a capacity run alone is no release: no load test or readiness run judged, so INCOMPLETE (exit 5), never NO-GO for the plan
    expect(report.code, report.stderr.slice(-2000)).toBe(5);
    expect(existsSync(html)).toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain(`id="run-${doc.run_id}"`);
    expect(page).toMatch(/10,000 searches\/s at p95 &lt; 10 ms with 16 engine cores and 2 × 16 gateway workers: (within reach|NOT within reach)/);
    expect(page).toContain('<tr><th>gateway bound</th>');
    const gate = await run([file], ['npm', 'run', '-s', 'gate', '--']);
    expect(gate.code).toBe(2);
    expect(gate.stderr).toMatch(/is a capacity run: a plan, not gated/);
  }, 600_000);
});
