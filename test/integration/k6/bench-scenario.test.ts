/**
 * `npm run bench -- --scenario smoke --target local` on a fresh stack directory: the built-in
 * driver brings the local stack up, seeds the model collections with their planted truth, runs
 * the smoke shape (one client, 30 searches) judged by smoke's own gates, and tears the stack down.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackDown, stackStatus } from '../../../src/launcher/launcher.ts';
import type { BenchResults } from '../../../src/results/bench.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { runCommand } from '../../helpers/run-command.ts';

describe('bench --scenario on the local stack', () => {
  let dir: string;
  let out: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vdb-scenario-stack-'));
    out = await mkdtemp(join(tmpdir(), 'vdb-scenario-out-'));
  });
  afterAll(async () => {
    await stackDown(dir).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  });

  it('smoke passes, with recall from the seeded planted truth, judged by smoke\'s gates only', async () => {
    const env = { ...process.env, VDB_STACK_DIR: dir };
    const r = await runCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/bench.ts'), '--scenario', 'smoke', '--target', 'local', '--out', out], { env, timeoutMs: 170_000 });
    expect(r.stderr).toMatch(/seeded 9 model collections/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const results = JSON.parse(await readFile(join(out, 'latest-bench', 'results.json'), 'utf8')) as BenchResults;
    expect(results.runner).toMatchObject({ tool: 'vdb-readiness', scenario: 'smoke', source: 'driver' });
    expect(results).toMatchObject({ mode: 'closed', requests: 30, errors: 0, recall_at_k: 1, pass: true });
    expect(results.per_collection.length).toBe(9);
    // smoke's gates (search_p95, error_rate, recall_at_10); p95 of a closed loop is not judged.
    expect(results.gates).toMatchObject({ profile: 'ci' });
    expect(results.gates.results.map((g) => g.name)).toEqual(['error_rate', 'recall_at_10']);
    expect(results.warnings.join('\n')).toMatch(/search_p95 of scenario smoke not judged/);
    const gate = await runCommand(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/gate.ts'), join(out, 'latest-bench')], { env });
    expect(gate.code).toBe(0);
    // The stack it brought up is gone again.
    expect((await stackStatus(dir)).healthy).toBe(false);
  }, 180_000);
});
