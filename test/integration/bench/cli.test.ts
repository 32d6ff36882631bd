/** `npm run bench` / `gate` / `bench merge` end to end against the stub server (real processes). */
import { mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer } from '../../../src/bench/stub-server/spawn.ts';
import type { StubServer } from '../../../src/bench/stub-server/spawn.ts';
import { runSuiteCli } from '../../helpers/run-command.ts';
import { benchResultsSchema } from '../../../src/results/bench.ts';


const cli = runSuiteCli;

describe('bench CLI', () => {
  let server: StubServer;
  let out: string;

  beforeAll(async () => {
    server = await startStubServer({ delay: { kind: 'fixed', ms: 1 } });
    out = await mkdtemp(join(tmpdir(), 'vdb-bench-'));
  });
  afterAll(async () => {
    await server?.stop();
    await rm(out, { recursive: true, force: true });
  });

  it('runs open and closed loop against a URL, writes results.json and latest, and exits 1 on a failed gate', async () => {
    const common = ['--url', server.url, '--dataset', 'smoke', '--duration', '2', '--warmup', '0', '--profile', 'ci', '--out', out];
    const open = await cli('bench.ts', [...common, '--mode', 'open', '--rate', '100']);
    // The stub's ids are not the planted neighbours: recall fails its gate, and says so.
    expect(open.stdout).toMatch(/FAIL\s+recall_at_10/);
    expect(open.code).toBe(1);
    const latest = await readlink(join(out, 'latest'));
    expect(await readlink(join(out, 'latest-bench'))).toBe(latest);
    const results = JSON.parse(await readFile(join(out, latest, 'results.json'), 'utf8')) as Record<string, unknown>;
    expect(results).toMatchObject({ schema: 'vdb-readiness/bench@2', kind: 'bench', state: 'complete', mode: 'open', latency_corrected: true, requests: 200, errors: 0 });
    expect(benchResultsSchema.safeParse(results).success).toBe(true);
    const junit = await readFile(join(out, latest, 'junit.xml'), 'utf8');
    expect(junit).toMatch(/<testcase classname="bench.gates" name="gate recall_at_10 \(ci\)"/);
    expect(junit).toMatch(/<failure message="gate recall_at_10 failed/);

    const closed = await cli('bench.ts', [...common, '--mode', 'closed', '--connections', '2']);
    expect(closed.stdout).toMatch(/closed loop/);
    const closedDir = await readlink(join(out, 'latest'));
    expect(closedDir).not.toBe(latest);

    const gate = await cli('gate.ts', [join(out, latest, 'results.json')]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/FAIL\s+recall_at_10/);
    // A run directory is as good as its results.json, and latest-bench stays on the newest bench run.
    const gateDir = await cli('gate.ts', [join(out, 'latest-bench')]);
    expect(gateDir.code).toBe(1);
    expect(gateDir.stdout).toContain(closedDir);

    const merged = join(out, 'merged.json');
    const second = await cli('bench.ts', [...common, '--mode', 'open', '--rate', '50']);
    expect(second.code).toBe(1);
    const secondDir = await readlink(join(out, 'latest'));
    const m = await cli('bench.ts', ['merge', join(out, latest, 'results.json'), join(out, secondDir, 'results.json'), '-o', merged]);
    expect(m.stdout).toMatch(/merged from 2 runs/);
    const mj = JSON.parse(await readFile(merged, 'utf8')) as { requests: number };
    expect(mj.requests).toBe(300);
  });

  it('--workers 2: two driver threads send the whole schedule once, with one exact record and each worker\'s own send lag', async () => {
    const run = await cli('bench.ts', ['--url', server.url, '--dataset', 'smoke', '--duration', '2', '--warmup', '1', '--profile', 'ci', '--out', out, '--rate', '300', '--connections', '8', '--workers', '2', '--json']);
    expect(run.stderr).not.toMatch(/Error/);
    const r = JSON.parse(run.stdout) as { requests: number; errors: number; timeline: { requests: number }[]; driver: { workers: { worker: number; sent: number; connections: number; send_lag_ms: { p99: number } }[]; scheduled: number; dropped: number }[] };
    // 2 s at 300/s after a 1 s warm-up: 600 measured requests, none twice, none lost
    expect(r.requests).toBe(600);
    expect(r.errors).toBe(0);
    expect(r.timeline.reduce((a, t) => a + t.requests, 0)).toBe(600);
    const d = r.driver[0]!;
    expect(d.scheduled).toBe(600);
    expect(d.dropped).toBe(0);
    expect(d.workers.map((w) => [w.worker, w.sent, w.connections])).toEqual([[0, 300, 4], [1, 300, 4]]);
    for (const w of d.workers) expect(w.send_lag_ms.p99).toBeGreaterThan(0);
    const refused = await cli('bench.ts', ['--url', server.url, '--workers', '4', '--connections', '2']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--workers 4 needs at least 4 connections/);
    const closed = await cli('bench.ts', ['--url', server.url, '--workers', '2', '--mode', 'closed']);
    expect(closed.code).toBe(2);
    expect(closed.stderr).toMatch(/--workers applies to --mode open/);
  });

  it('gate: one clear line when the file is missing or not a results file', async () => {
    const missing = await cli('gate.ts', [join(out, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/no results file/);
    const other = join(out, 'other.json');
    await writeFile(other, '{"hello":1}');
    const wrong = await cli('gate.ts', [other]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/not a vdb-readiness results file \(schema missing; known: vdb-readiness\/readiness@2, vdb-readiness\/bench@2, vdb-readiness\/bench@1, vdb-readiness\/fuzz@1, vdb-readiness\/capacity@1\)/);
  });

  it('bench: one clear line for a bad option and for an unreachable URL', async () => {
    const bad = await cli('bench.ts', ['--mode', 'sideways']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--mode must be one of open, closed/);
    const down = await cli('bench.ts', ['--url', 'http://127.0.0.1:9', '--dataset', 'smoke', '--duration', '1']);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});
