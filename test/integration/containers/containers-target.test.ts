/**
 * The containers target end to end, as a user runs it: `npm run readiness -- --target containers
 * --comprehensive` on real containers (images pulled, or built here when no registry answers),
 * every group run, GO, nothing left behind; and images built once (a second `ensureImages`
 * builds none). Where no Docker engine answers it is skipped, except where VDB_REQUIRE_DOCKER=1
 * (.ci/run, which starts one): there a missing engine is a failure.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { GROUPS } from '../../../src/readiness/groups.ts';
import type { ReadinessResults } from '../../../src/results/readiness.ts';
import { RUN_LABEL } from '../../../src/targets/containers/cleanup.ts';
import { docker } from '../../../src/targets/containers/docker.ts';
import { requireEngine } from '../../../src/targets/containers/engine.ts';
import { ensureImages } from '../../../src/targets/containers/images.ts';
import { gatewayImageOverride } from '../../../src/targets/images.ts';
import { errorMessage } from '../../../src/util/errors.ts';
import { runCommand } from '../../helpers/run-command.ts';

const noEngine = await requireEngine().then(
  () => undefined,
  (err: unknown) => `no Docker engine answers (${errorMessage(err)}): bash scripts/ensure-docker.sh start`,
);
const IMAGES_TIMEOUT_MS = 15 * 60_000;
const RUN_TIMEOUT_MS = 10 * 60_000;
const out = mkdtempSync(join(tmpdir(), 'vdb-containers-run-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

const labelled = async (what: 'ps' | 'network', runId: string): Promise<string[]> => {
  const args = what === 'ps' ? ['ps', '-aq', '--filter', `label=${RUN_LABEL}=${runId}`] : ['network', 'ls', '-q', '--filter', `label=${RUN_LABEL}=${runId}`];
  const r = await docker(args, { timeoutMs: 20_000 });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split('\n').filter(Boolean);
};

describe('the containers target, end to end', () => {
  test('a Docker engine answers (required with VDB_REQUIRE_DOCKER=1, as .ci/run sets)', (ctx) => {
    if (noEngine && process.env.VDB_REQUIRE_DOCKER !== '1') ctx.skip(noEngine);
    expect(noEngine).toBeUndefined();
  });

  test('its images are pulled or built once: a second call builds none', async (ctx) => {
    if (noEngine) ctx.skip(noEngine);
    const first = await ensureImages({ noPull: process.env.VDB_CONTAINERS_PULL === 'never' }, gatewayImageOverride());
    const second = await ensureImages({ noPull: process.env.VDB_CONTAINERS_PULL === 'never' }, gatewayImageOverride());
    expect(second.built, `first call built ${first.built.join(', ') || 'nothing'}`).toEqual([]);
    for (const role of ['redis', 'qdrant', 'gateway', 'nginx'] as const) expect(second[role].ref).toBe(first[role].ref);
  }, IMAGES_TIMEOUT_MS);

  test('`readiness --target containers --comprehensive` runs every group, ends GO and leaves nothing behind', async (ctx) => {
    if (noEngine) ctx.skip(noEngine);
    const r = await runCommand(process.execPath, ['--import', 'tsx', 'src/cli/readiness.ts', '--target', 'containers', '--comprehensive', '--out', out], { timeoutMs: RUN_TIMEOUT_MS });
    const output = `${r.stdout}\n${r.stderr}`;
    const runId = /containers: run (\S+):/.exec(output)?.[1];
    expect(runId, `the run names its label: ${output.slice(-2000)}`).toBeDefined();

    const dir = readdirSync(out).find((d) => /^\d{8}-\d{6}-readiness-/.test(d));
    expect(dir, `a results folder in ${out}`).toBeDefined();
    const results = JSON.parse(readFileSync(join(out, dir as string, 'results.json'), 'utf8')) as ReadinessResults;
    const failed = results.checks.filter((c) => c.status === 'failed').map((c) => `${c.group} › ${c.title}: ${(c.errors ?? []).join(' ')}`);
    expect(failed, 'no check failed').toEqual([]);
    expect(results.verdict).toBe('GO');
    expect(r.code, output.slice(-2000)).toBe(0);

    for (const g of GROUPS) {
      const cs = results.checks.filter((c) => c.group === g);
      expect(cs.filter((c) => c.status === 'passed').length, `group ${g} ran (${cs.map((c) => `${c.status}: ${c.title}${c.skip_reason ? ` (${c.skip_reason})` : ''}`).join('; ')})`).toBeGreaterThan(0);
    }
    // the disruptive groups ran whole: deploys and rollbacks, and all three network faults
    for (const g of ['rollback', 'network-faults', 'faults']) {
      const skipped = results.checks.filter((c) => c.group === g && c.status !== 'passed');
      expect(skipped.map((c) => `${c.title}: ${c.skip_reason ?? c.status}`), `every ${g} check ran`).toEqual([]);
    }
    expect(results.target.fingerprint.setup?.some((l) => l.startsWith('containers target: engine')), 'the fingerprint says how the target was brought up').toBe(true);

    expect(await labelled('ps', runId as string), 'no container of the run is left').toEqual([]);
    expect(await labelled('network', runId as string), 'no network of the run is left').toEqual([]);
  }, RUN_TIMEOUT_MS + 60_000);
});
