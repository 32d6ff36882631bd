/**
 * `npm run report -- <run> --baseline <run>` on real bench runs (the built-in driver, open loop,
 * against the stub server with a fixed service time): searches 80 ms slower than the baseline are
 * a p95 regression and a NO-GO; the healthy run against itself shows no regression.
 */
import { mkdtemp, readFile, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStubServer } from '../../../src/bench/stub-server/spawn.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { runSuiteCli } from '../../helpers/run-command.ts';

let out: string;
let healthy: string;
let slow: string;

async function benchAgainst(ms: number): Promise<string> {
  await using server = await startStubServer({ delay: { kind: 'fixed', ms } });
  const r = await runSuiteCli('bench.ts', ['--url', server.url, '--dataset', 'smoke', '--mode', 'open', '--rate', '100', '--duration', '3', '--warmup', '0', '--profile', 'ci', '--out', out]);
  // the stub's ids are not the planted neighbours, so recall fails its gate (exit 1): the run is written all the same
  expect(r.code, r.stderr).toBe(ExitCode.Failed);
  return join(out, await readlink(join(out, 'latest-bench')));
}

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'vdb-report-runs-'));
  healthy = await benchAgainst(5);
  slow = await benchAgainst(85);
}, 120_000);

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

const model = async (file: string): Promise<{ verdict: string; diff: { regressions: string[]; comparable: boolean; figures: Array<{ metric: string; baseline: number; current: number }> } }> =>
  JSON.parse(await readFile(file, 'utf8')) as never;

describe('npm run report with a baseline, on real bench runs', () => {
  it('flags searches 80 ms slower as a p95 regression: NO-GO', async () => {
    const html = join(out, 'slow', 'report.html');
    const r = await runSuiteCli('report.ts', [slow, '--baseline', healthy, '--out', html]);
    expect(r.code, r.stderr).toBe(ExitCode.Failed);
    expect(r.stdout).toMatch(/^NO-GO/);
    expect(r.stdout).toMatch(/regression against the baseline: bench open loop 100\/s: search p95 \+\d+/);
    const m = await model(join(out, 'slow', 'report.json'));
    const p95 = m.diff.figures.find((f) => f.metric === 'latency_ms.p95')!;
    expect(p95.current - p95.baseline).toBeGreaterThan(70);
    expect(m.diff.comparable).toBe(true);
    expect(await readFile(html, 'utf8')).toContain('search p95 +');
  });

  it('the same healthy run twice: no regression', async () => {
    const r = await runSuiteCli('report.ts', [healthy, '--baseline', healthy, '--out', join(out, 'same', 'report.html')]);
    expect(r.stdout).toContain('0 regression(s)');
    const m = await model(join(out, 'same', 'report.json'));
    expect(m.diff.regressions).toEqual([]);
    expect(m.diff.comparable).toBe(true);
  });

  it('a previous report.json serves as the baseline', async () => {
    const r = await runSuiteCli('report.ts', [slow, '--baseline', join(out, 'same', 'report.json'), '--out', join(out, 'again', 'report.html')]);
    expect(r.code).toBe(ExitCode.Failed);
    expect(r.stdout).toMatch(/search p95 \+\d+/);
  });
});
