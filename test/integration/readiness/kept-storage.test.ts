/**
 * Readiness on storage kept from an earlier run, on a real local stack: seed and run once, stop
 * the stack keeping its storage, start it again (Qdrant restarted: its collections now say
 * `grey`, optimizations pending until the next update, as Qdrant does), and run again. The
 * verdict must be GO, the seeding must not wait for a `green` that will not come, and the
 * rollback group must pass on that storage too.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';
import type { CheckResult, ReadinessResults } from '../../../src/results/readiness.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { READINESS_CLI, runSuite, type SuiteRun } from './run-suite.ts';

const RUN_TIMEOUT_MS = 300_000;
/** Seeding a kept fixture writes nothing and must not wait for an index: well under the 120 s index wait. */
const SEED_BOUND_S = 30;

const failed = (r: ReadinessResults): CheckResult[] => r.checks.filter((c) => c.status === 'failed');
const summary = (r: SuiteRun): string =>
  `exit ${r.code}; failed: ${failed(r.results).map((c) => `${c.title}: ${(c.errors?.[0] ?? '').split('\n')[0]}`).join(' | ') || 'none'}\n${r.stdout.slice(-2000)}`;

async function statuses(info: StackInfo): Promise<Record<string, string>> {
  const headers = { 'api-key': info.qdrant.apiKey };
  const list = (await (await fetch(`${info.qdrant.url}/collections`, { headers })).json()) as { result: { collections: Array<{ name: string }> } };
  const out: Record<string, string> = {};
  for (const { name } of list.result.collections) {
    const got = (await (await fetch(`${info.qdrant.url}/collections/${name}`, { headers })).json()) as { result: { status: string } };
    out[name] = got.result.status;
  }
  return out;
}

describe('readiness on storage kept from an earlier run, Qdrant restarted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-kept-'));
  const outRoot = mkdtempSync(join(tmpdir(), 'vdb-kept-out-'));
  const run = (args: string[]): Promise<SuiteRun> => runSuite(READINESS_CLI, ['--target', 'local', '--out', outRoot, ...args], { VDB_STACK_DIR: dir }, RUN_TIMEOUT_MS);
  let info: StackInfo;

  beforeAll(async () => {
    info = await stackUp({ dir });
    if (!info.gateway) throw new Error('the local stack came up without its gateway tier');
  }, 300_000);

  afterAll(async () => {
    await stackDown(dir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(outRoot, { recursive: true, force: true });
  }, 120_000);

  test('the second run sees grey collections, gives GO without waiting for green, and the rollback group passes', async () => {
    const first = await run(['--only', 'health,models']);
    expect(first.code, summary(first)).toBe(ExitCode.Ok);
    expect(first.results.verdict, summary(first)).toBe('GO');

    await stackDown(dir);
    info = await stackUp({ dir });
    const before = await statuses(info);
    expect(Object.keys(before).length, 'the kept model collections').toBeGreaterThan(0);
    // Qdrant's rule: loaded from storage, no update since: optimizations pending (grey)
    expect(Object.values(before), JSON.stringify(before)).toEqual(Object.values(before).map(() => 'grey'));

    const t0 = performance.now();
    const second = await run(['--only', 'health,models,rollback']);
    const wallS = (performance.now() - t0) / 1000;
    const seeded = /seeded \d+ model collections \((\d+) points written\) in ([\d.]+) s/.exec(second.stdout);
    const settled = /collections settled \(green or grey\) after ([\d.]+) s/.exec(second.stdout);
    const seedS = Number(seeded?.[2] ?? NaN) + Number(settled?.[1] ?? 0);
    console.info(`second run: seed ${seeded?.[2]} s (${seeded?.[1]} points written), index wait ${settled?.[1] ?? '< 1'} s, wall ${wallS.toFixed(1)} s`);
    expect(seeded, 'the seeding line').not.toBeNull();
    expect(seeded![1], 'the fixture is kept: nothing to write').toBe('0');
    expect(second.stdout).not.toMatch(/not indexed after/);
    expect(seedS, `seed and index wait on grey collections (s)\n${second.stdout.slice(0, 1500)}`).toBeLessThan(SEED_BOUND_S);
    expect(second.code, summary(second)).toBe(ExitCode.Ok);
    expect(second.results.verdict, summary(second)).toBe('GO');
    const models = second.results.checks.filter((c) => c.group === 'models');
    expect(models.length).toBeGreaterThan(0);
    expect(models.filter((c) => c.status === 'failed'), summary(second)).toEqual([]);
    const rollback = second.results.checks.filter((c) => c.group === 'rollback');
    expect(rollback.map((c) => c.status), summary(second)).toEqual(Array(7).fill('passed'));
  }, 900_000);
});
