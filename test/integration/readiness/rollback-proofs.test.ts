/**
 * The rollback group is tested too: a real local stack, `npm run readiness -- --only rollback`
 * run as a user runs it (it must pass), then the group run again with one lie put in between
 * (rollback-run.ts): a front door that resets connections around a switch, a rollback that
 * switches nothing, an analysis that never rolls back, a registry entry that never leaves. Each
 * lie must fail the check that owns it, with the reason in its message.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import type { StackInfo } from '../../../src/launcher/types.ts';
import type { CheckResult, ReadinessResults } from '../../../src/results/readiness.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { startLyingFrontDoor } from './lying-front-door.ts';
import { READINESS_CLI, runSuite, type SuiteRun } from './run-suite.ts';
import type { LyingFrontDoor } from './lying-front-door.ts';

const CLI = READINESS_CLI;
const RUNNER = join(REPO_ROOT, 'test', 'integration', 'readiness', 'rollback-run.ts');
/** The whole group takes ~2 min on a small machine; a hung run must still end the test. */
const RUN_TIMEOUT_MS = 480_000;



const failed = (r: ReadinessResults): CheckResult[] => r.checks.filter((c) => c.status === 'failed');
const run = (file: string, args: string[], env: Record<string, string>): Promise<SuiteRun> => runSuite(file, args, env, RUN_TIMEOUT_MS);
const summary = (r: SuiteRun): string => `exit ${r.code}; failed: ${failed(r.results).map((c) => `${c.title}: ${(c.errors?.[0] ?? '').split('\n')[0]}`).join(' | ') || 'none'}\n${r.stdout.slice(-1500)}`;
const byTitle = (r: ReadinessResults, title: RegExp): CheckResult => {
  const c = r.checks.find((x) => title.test(x.title));
  if (!c) throw new Error(`no check matching ${title} ran: ${r.checks.map((x) => x.title).join(' | ')}`);
  return c;
};

const GOOD_DEPLOY = /a validated deploy of a good version goes live/;
const MANUAL_ROLLBACK = /a manual rollback restores the previous version/;
const LIVE_FAILURE = /a version failing live is rolled back automatically/;
const GRACEFUL = /a gracefully stopped instance \(SIGTERM\) leaves the registry/;
const KILLED = /a killed instance \(SIGKILL\) leaves the registry/;

describe('the rollback group against a real stack, and behind lies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vdb-rollback-'));
  const outRoot = mkdtempSync(join(tmpdir(), 'vdb-rollback-out-'));
  let info: StackInfo;
  let door: LyingFrontDoor | undefined;
  const env = (): Record<string, string> => ({ VDB_STACK_DIR: dir, VDB_OUT: outRoot });

  beforeAll(async () => {
    info = await stackUp({ dir });
    if (!info.gateway) throw new Error('the local stack came up without its gateway tier');
  }, 300_000);

  afterAll(async () => {
    await door?.close();
    await stackDown(dir);
    rmSync(dir, { recursive: true, force: true });
    rmSync(outRoot, { recursive: true, force: true });
  }, 120_000);

  test('npm run readiness -- --only rollback passes on the healthy stack, every check with its timeline', async () => {
    const r = await run(CLI, ['--target', 'local', '--only', 'rollback', '--out', outRoot], { VDB_STACK_DIR: dir });
    expect(r.code, summary(r)).toBe(ExitCode.Ok);
    expect(r.results.verdict, summary(r)).toBe('GO');
    const checks = r.results.checks.filter((c) => c.group === 'rollback');
    expect(checks.map((c) => c.status), summary(r)).toEqual(Array(7).fill('passed'));
    for (const c of checks) {
      expect(c.timeline, c.title).toBeDefined();
      expect(c.timeline!.requests, c.title).toBeGreaterThan(100);
      // only the faulty version's bad answers fail, and only in its check
      if (!LIVE_FAILURE.test(c.title)) expect(c.timeline!.failed, c.title).toBe(0);
    }
    expect(r.results.checklist.find((e) => e.id === 'deployment-automation')?.status).toBe('proven');
    const html = readFileSync(join(r.stdout.match(/report: +(\S+report\.html)/)?.[1] ?? ''), 'utf8');
    expect(html).toContain('<h2>Deployment timeline</h2>');
    expect(html.match(/<figure id="tl-/g)?.length).toBe(7);
  }, RUN_TIMEOUT_MS);

  test('against an external target, --deploy-hook runs the group through the deploy CLI (the slot-stopping checks skip)', async () => {
    const hook = `sh ${join(REPO_ROOT, 'test', 'integration', 'readiness', 'deploy-hook.sh')}`;
    const external = {
      VDB_STACK_DIR: dir,
      VDB_GATEWAY_URL: info.gateway!.url,
      VDB_API_KEY: info.gateway!.apiKey,
      VDB_QDRANT_URL: info.qdrant.url,
      VDB_QDRANT_API_KEY: info.qdrant.apiKey,
      VDB_REDIS_URL: info.redis.url,
    };
    const skipped = await run(CLI, ['--target', 'external', '--profile', 'ci', '--only', 'rollback', '--deploy-hook', hook, '--out', outRoot], external);
    expect(skipped.results.checks.every((c) => c.status === 'skipped' && /--allow-disruptive/.test(c.skip_reason ?? '')), summary(skipped)).toBe(true);

    const r = await run(CLI, ['--target', 'external', '--profile', 'ci', '--only', 'rollback', '--allow-disruptive', '--deploy-hook', hook, '--out', outRoot], external);
    const status = (t: RegExp): string | undefined => r.results.checks.find((c) => t.test(c.title))?.status;
    expect(status(GOOD_DEPLOY), summary(r)).toBe('passed');
    expect(status(MANUAL_ROLLBACK), summary(r)).toBe('passed');
    expect(status(/pre-switch validation/), summary(r)).toBe('passed');
    expect(status(/a freshly started instance is listed/), summary(r)).toBe('passed');
    for (const t of [GRACEFUL, KILLED]) expect(r.results.checks.find((c) => t.test(c.title))?.skip_reason, summary(r)).toMatch(/cannot stop a single slot/);
    expect(r.results.run.options.deploy_hook).toBe(hook);
  }, RUN_TIMEOUT_MS * 2);

  test('a front door that resets connections at a switch fails the zero-loss check', async () => {
    door = await startLyingFrontDoor({ upstream: info.gateway!.url, resetForMs: 500 });
    const r = await run(RUNNER, [], { ...env(), VDB_FRONT_DOOR_URL: door.url, VDB_CHECKS: GOOD_DEPLOY.source });
    expect(door.switches, `the front door saw the switch: ${summary(r)}`).toBeGreaterThan(0);
    expect(door.resets, 'it reset requests').toBeGreaterThan(0);
    const c = byTitle(r.results, GOOD_DEPLOY);
    expect(c.status, summary(r)).toBe('failed');
    expect(c.errors?.join('\n'), summary(r)).toMatch(/during the deploy: failed requests of \d+ \(resets, timeouts, non-200, unanswered; never retried\): \d+× /);
    expect(c.timeline?.failed, 'the failures are in the timeline').toBeGreaterThan(0);
    expect(r.code).toBe(ExitCode.Failed);
    await door.close();
    door = undefined;
  }, RUN_TIMEOUT_MS);

  test('a rollback that switches nothing fails the manual rollback check', async () => {
    const r = await run(RUNNER, [], { ...env(), VDB_ROLLBACK_LIE: 'rollback-noop', VDB_CHECKS: MANUAL_ROLLBACK.source });
    const c = byTitle(r.results, MANUAL_ROLLBACK);
    expect(c.status, summary(r)).toBe('failed');
    expect(c.errors?.join('\n'), summary(r)).toMatch(/answers in the last second not from \S+/);
  }, RUN_TIMEOUT_MS);

  test('an analysis that never rolls back fails the automatic rollback check', async () => {
    const r = await run(RUNNER, [], { ...env(), VDB_ROLLBACK_LIE: 'no-auto-rollback', VDB_CHECKS: LIVE_FAILURE.source });
    const c = byTitle(r.results, LIVE_FAILURE);
    expect(c.status, summary(r)).toBe('failed');
    expect(c.errors?.join('\n'), summary(r)).toMatch(/outcome: deploy \S+faulty .*: live.*expected 'live' to be 'rolled_back'/s);
    // the group does not leave the faulty version serving
    const status = (await (await fetch(`${info.gateway!.url}/api/v1/deployment/status`, { headers: { 'x-api-key': info.gateway!.apiKey } })).json()) as { version: string };
    expect(status.version).not.toMatch(/faulty$/);
  }, RUN_TIMEOUT_MS);

  test('a registry entry that never leaves fails the graceful-stop and TTL checks', async () => {
    const r = await run(RUNNER, [], { ...env(), VDB_ROLLBACK_LIE: 'registry-lingers', VDB_CHECKS: `${GRACEFUL.source}|${KILLED.source}` });
    for (const title of [GRACEFUL, KILLED]) {
      const c = byTitle(r.results, title);
      expect(c.status, summary(r)).toBe('failed');
      expect(c.errors?.join('\n'), summary(r)).toMatch(/left the registry after SIG(TERM|KILL): expected undefined to be defined/);
    }
  }, RUN_TIMEOUT_MS);
});
