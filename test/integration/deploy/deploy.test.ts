/**
 * Blue/green deploys on a real local stack (Redis, qdrant-local, nginx, gateway slots) in a
 * temp dir, under constant-rate traffic through the front door on raw keep-alive connections,
 * some of them idle at every switch. Short analysis windows keep the wall time small.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy, deploymentStatus, rollback } from '../../../src/deploy/index.ts';
import type { DeploymentRecord, DeployOptions } from '../../../src/deploy/index.ts';
import { readStackInfo, stackDown, stackUp } from '../../../src/launcher/launcher.ts';
import type { GatewayInfo, StackInfo } from '../../../src/launcher/types.ts';
import { isAlive, stopProcessGroup } from '@vdb-readiness/local-process';
import { runSuiteCli } from '../../helpers/run-command.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';
import { Traffic, type TrafficReport } from './traffic.ts';

/** The reference gateway's shipped configuration, copied and broken by one test. */
const GATEWAY_CONFIG = join(REPO_ROOT, 'sut', 'gateway', 'config');

let dir: string;
let stack: StackInfo;
let gw: GatewayInfo;
const figures: string[] = [];

const ANALYSIS = { interval_s: 0.5, count: 4 };

async function frontVersion(): Promise<string | null> {
  const res = await fetch(`${gw.url}/health`, { signal: AbortSignal.timeout(5000) });
  await res.arrayBuffer();
  return res.headers.get('x-gateway-version');
}

function traffic(): Traffic {
  return new Traffic({ url: gw.url, key: gw.apiKey, ratePerS: 200, active: 16, idle: 8, idleGapMs: 1200, model: 'imp', dimension: 128 });
}

/** Runs an action under traffic: 1 s before, the action (switches marked by its "switching the front door" lines), the idle connections used once more after it, 0.5 s after. */
async function underTraffic<T>(action: (log: (l: string) => void) => Promise<T>): Promise<{ result: T; report: TrafficReport; lines: string[] }> {
  const t = traffic();
  const lines: string[] = [];
  t.start();
  await sleep(1000);
  const result = await action((l) => {
    lines.push(l);
    if (/^switching the front door/.test(l)) t.markSwitch();
  });
  await sleep(300);
  t.kickIdle();
  await sleep(500);
  return { result, report: await t.stop(), lines };
}

const switchMs = (r: DeploymentRecord): string => r.events.filter((e) => e.kind === 'switch' || /switch back/.test(e.detail)).map((e) => /in ([\d.]+) ms/.exec(e.detail)?.[1] ?? '?').join(', ');
const fig = (what: string, r: TrafficReport, rec?: DeploymentRecord): void => {
  figures.push(`${what}: ${r.failed} failed / ${r.sent} requests (${r.idleAtSwitch} connections idle at the switch, ${r.idleReuses} reused after it, ${r.idleReuseFailures} of those failed; p99 ${r.p99_ms.toFixed(1)} ms; ${JSON.stringify(r.byVersion)})${rec ? `; switch ${switchMs(rec)} ms` : ''}`);
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vdb-deploy-it-'));
  stack = await stackUp({ dir });
  if (!stack.gateway) throw new Error('stack came up without a gateway');
  gw = stack.gateway;
});

afterAll(async () => {
  console.log(`deploy figures:\n  ${figures.join('\n  ')}`);
  if (dir) {
    await stackDown(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('blue/green deploys on the local stack', () => {
  it('starts blue behind the link: run dir in the system temp dir, socket 0666, active.sock -> gateway-blue.sock', () => {
    expect(gw.runDir.startsWith(tmpdir())).toBe(true);
    expect(gw.slots.map((s) => [s.name, s.version])).toEqual([['blue', '1.0.0']]);
    expect(statSync(gw.slots[0]!.socket).mode & 0o777).toBe(0o666);
    expect(readFileSync(gw.nginx.configPath, 'utf8')).toContain(`server unix:${gw.runDir}/active.sock`);
  });

  it('a good deploy under ~200 req/s goes live with zero failed requests, idle connections included', async () => {
    const { result: rec, report } = await underTraffic((log) => deploy({ dir, version: '2.0.0', validate: true, analysis: ANALYSIS, log }));
    fig('deploy 2.0.0 (validate)', report, rec);
    expect(rec.outcome, rec.reason ?? '').toBe('live');
    expect(rec.slot).toBe('green');
    expect(rec).toMatchObject({ from_slot: 'blue', from_version: '1.0.0', version: '2.0.0', action: 'deploy', reason: null });
    const names = rec.checks.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['health', 'auth', 'metrics', 'model general health', 'analysis interval 4']));
    expect(names.filter((n) => /^model .* health$/.test(n))).toHaveLength(9);
    expect(rec.analysis).toHaveLength(4);
    expect(rec.analysis.filter((i) => !(i.pass && i.probe.requests > 0 && i.live.requests > 0)), JSON.stringify(rec.analysis)).toEqual([]);

    expect(report.failures).toEqual({});
    expect(report.failed).toBe(0);
    expect(report.sent).toBeGreaterThan(1000);
    expect(report.byVersion['1.0.0']).toBeGreaterThan(0);
    expect(report.byVersion['2.0.0']).toBeGreaterThan(0);
    // (almost) every idle connection sat idle across the switch, and each was used again after it
    expect(report.idleAtSwitch).toBeGreaterThanOrEqual(6);
    expect(report.idleReuses).toBe(report.idleAtSwitch);
    expect(report.idleReuseFailures).toBe(0);

    expect(await frontVersion()).toBe('2.0.0');
    const info = readStackInfo(dir)!;
    expect(info.gateway?.active).toBe('green');
    expect(info.gateway?.slots.map((s) => [s.name, s.version])).toEqual([['blue', '1.0.0'], ['green', '2.0.0']]);
    expect(info.pids.indexOf(info.gateway!.slots[1]!.pid)).toBeLessThan(info.pids.indexOf(info.gateway!.nginx.pid));
    // recorded: Redis current and history, the record file, and the gateway passes them through
    const redis = new Redis(stack.redis.url);
    try {
      expect(JSON.parse((await redis.get('vdb:deployment:current')) ?? 'null')).toMatchObject({ active_slot: 'green', version: '2.0.0', previous_slot: 'blue', previous_version: '1.0.0', deployment_id: rec.id });
      expect(JSON.parse((await redis.lindex('vdb:deployment:history', 0)) ?? 'null')).toMatchObject({ id: rec.id, outcome: 'live' });
    } finally {
      redis.disconnect();
    }
    expect(existsSync(join(dir, 'deployments', `${rec.id}.json`))).toBe(true);
    const st = await (await fetch(`${gw.url}/api/v1/deployment/status`, { headers: { 'x-api-key': gw.apiKey } })).json();
    expect(st).toMatchObject({ slot: 'green', version: '2.0.0', active: true, current: { deployment_id: rec.id } });
  });

  it('rollback switches to the previous version with zero failed requests; the other slot stays as the standby', async () => {
    const { result: rec, report } = await underTraffic((log) => rollback({ dir, log }));
    fig('rollback to 1.0.0', report, rec);
    expect(rec).toMatchObject({ action: 'rollback', outcome: 'live', slot: 'blue', version: '1.0.0', from_slot: 'green', from_version: '2.0.0' });
    expect(report.failed, JSON.stringify(report.samples)).toBe(0);
    expect(report.idleAtSwitch).toBeGreaterThanOrEqual(6);
    expect(report.idleReuses).toBe(report.idleAtSwitch);
    expect(await frontVersion()).toBe('1.0.0');
    const st = await deploymentStatus(dir);
    expect(st).toMatchObject({ active_slot: 'blue', version: '1.0.0', previous_slot: 'green', previous_version: '2.0.0', instances_source: 'registry', history_source: 'redis' });
    expect(st.instances.map((i) => [i.slot, i.version, i.active])).toEqual([['blue', '1.0.0', true], ['green', '2.0.0', false]]);
    expect(st.history.map((r) => r.action)).toEqual(['rollback', 'deploy']);
  });

  it('a deploy whose Qdrant key is wrong fails, never serves, and the old version keeps serving', async () => {
    const { result: rec, report } = await underTraffic((log) => deploy({ dir, version: 'bad-key', env: { QDRANT_API_KEY: 'wrong' }, analysis: ANALYSIS, log }));
    fig('deploy with QDRANT_API_KEY=wrong', report);
    expect(rec.outcome).toBe('failed');
    expect(rec.reason).toMatch(/green (exited during start-up|not healthy)|pre-switch check/);
    expect(rec.events.some((e) => e.kind === 'switch')).toBe(false);
    expect(report.failed).toBe(0);
    expect(report.byVersion['bad-key']).toBeUndefined();
    expect(await frontVersion()).toBe('1.0.0');
    // the old standby (green 2.0.0) was stopped to make room; the failed slot is gone too
    const info = readStackInfo(dir)!;
    expect(info.gateway?.slots.map((s) => s.name)).toEqual(['blue']);
    expect(info.gateway?.active).toBe('blue');
  });

  it('a configuration whose model has the wrong dimension fails before any traffic, even without --validate', async () => {
    const config = mkdtempSync(join(tmpdir(), 'vdb-deploy-config-'));
    try {
      cpSync(GATEWAY_CONFIG, config, { recursive: true });
      const prod = join(config, 'production.yaml');
      const text = readFileSync(prod, 'utf8');
      const changed = text.replace(/(\n {2}phi3:\n(?: {4}.*\n)*? {4}vector_size: )256/, '$1257');
      expect(changed, 'phi3 vector_size found in production.yaml').not.toBe(text);
      writeFileSync(prod, changed);
      const { result: rec, report } = await underTraffic((log) => deploy({ dir, version: 'bad-dim', configDir: config, analysis: ANALYSIS, log }));
      fig('deploy with phi3 at 257 dimensions', report);
      expect(rec.outcome).toBe('failed');
      expect(rec.events.some((e) => e.kind === 'switch')).toBe(false);
      expect(rec.checks.find((c) => !c.pass)?.name).toMatch(/^(start-up|model phi3 health)$/);
      expect(report.failed).toBe(0);
      expect(report.byVersion['bad-dim']).toBeUndefined();
      expect(await frontVersion()).toBe('1.0.0');
    } finally {
      rmSync(config, { recursive: true, force: true });
    }
  });

  it('with nothing to roll back to, rollback refuses in one line and changes nothing', async () => {
    await expect(rollback({ dir })).rejects.toThrow(/^cannot roll back: nothing to roll back to: only blue runs/);
    expect(await frontVersion()).toBe('1.0.0');
  });

  it('--production refuses without GO readiness results, before anything changes', async () => {
    const results = mkdtempSync(join(tmpdir(), 'vdb-deploy-results-'));
    try {
      const rec = await deploy({ dir, production: true, resultsDir: results, analysis: ANALYSIS });
      expect(rec.outcome).toBe('aborted');
      expect(rec.reason).toMatch(/^production deploy refused: no readiness results at .*: run `npm run readiness -- --profile production`/);
      expect(readStackInfo(dir)!.gateway?.slots.map((s) => s.name)).toEqual(['blue']);
    } finally {
      rmSync(results, { recursive: true, force: true });
    }
  });

  it('a version that fails under traffic (GATEWAY_FAULTS) is rolled back automatically within the window', async () => {
    const t0 = performance.now();
    const opts: DeployOptions = { dir, version: 'faulty', env: { GATEWAY_FAULTS: 'after=5,abort=503:0.5,delay_ms=300' }, analysis: ANALYSIS };
    const rec = await deploy(opts);
    figures.push(`faulty deploy: ${rec.outcome} after ${rec.analysis.length} interval(s) (${((performance.now() - t0) / 1000).toFixed(1)} s in all); ${rec.reason}`);
    expect(rec.outcome).toBe('rolled_back');
    expect(rec.analysis.length).toBeLessThanOrEqual(ANALYSIS.count);
    expect(rec.analysis.filter((i) => !i.pass).length).toBe(2); // failure_limit 1: the second failed interval rolls back
    // the first interval may still pass (its first requests are not faulted, the delayed ones end in the next)
    expect(rec.reason).toMatch(/^analysis: 2 of [23] interval\(s\) failed \(limit 1\); last: .*(error rate|p95)/);
    expect(rec.events.map((e) => e.kind)).toEqual(expect.arrayContaining(['switch', 'analysis', 'rollback', 'stopped']));
    expect(await frontVersion()).toBe('1.0.0');
    const info = readStackInfo(dir)!;
    expect(info.gateway?.slots.map((s) => s.name)).toEqual(['blue']);
    const st = await deploymentStatus(dir);
    expect(st.history[0]).toMatchObject({ id: rec.id, outcome: 'rolled_back' });
    expect(st.current).toMatchObject({ active_slot: 'blue', version: '1.0.0' });
  });

  it('the idle-connection check can fail: the same switch with an nginx reload loses requests on idle connections', async () => {
    const { result: rec, report } = await underTraffic((log) => deploy({ dir, version: '3.0.0-reload', analysis: { ...ANALYSIS, count: 2 }, switchMode: 'reload', log }));
    fig('deploy with switch by nginx reload (proof)', report, rec);
    expect(rec.events.find((e) => e.kind === 'switch')?.detail).toMatch(/nginx reloaded/);
    // the deployer's own probe (undici drops a connection once its FIN arrives) sees nothing wrong: the strict traffic does
    expect(rec.outcome, rec.reason ?? '').toBe('live');
    expect(report.failed).toBeGreaterThan(0);
    expect(report.idleReuseFailures).toBeGreaterThan(0);
  });

  it('status and rollback keep working with Redis down: slots from stack.json, history from the record files', async () => {
    await stopProcessGroup(stack.redis.pid, 5000);
    const st = await runSuiteCli('deploy.ts', ['status', '--dir', dir]);
    expect(st.code, st.stderr).toBe(0);
    expect(st.stdout).toMatch(/^active {4}green {2}3\.0\.0-reload$/m);
    expect(st.stdout).toMatch(/^previous {2}blue {2}1\.0\.0 {2}\(standby, running/m);
    expect(st.stdout).toContain('instances (stack.json)');
    expect(st.stdout).toContain('history (files, newest first)');
    expect(st.stdout).toMatch(/deploy +faulty +green +blue 1\.0\.0 +rolled_back/);
    const rb = await runSuiteCli('deploy.ts', ['rollback', '--dir', dir, '--json']);
    expect(rb.code, rb.stderr).toBe(0);
    expect(JSON.parse(rb.stdout)).toMatchObject({ action: 'rollback', outcome: 'live', slot: 'blue', version: '1.0.0' });
    expect(rb.stderr).toMatch(/Redis is down: file only/);
    expect(rb.stderr).toMatch(/^rollback LIVE: blue serves 1\.0\.0; green \(3\.0\.0-reload\) is the standby$/m);
    expect(await frontVersion()).toBe('1.0.0');
  });

  it('down stops every slot and nginx, and removes the run directory', async () => {
    const info = readStackInfo(dir)!;
    const runDir = info.gateway!.runDir;
    const { stopped } = await stackDown(dir);
    expect(stopped.sort()).toEqual([...info.pids].sort());
    expect(info.gateway!.slots.map((s) => s.name)).toEqual(['blue', 'green']);
    expect(info.pids.filter(isAlive)).toEqual([]);
    expect(existsSync(runDir)).toBe(false);
  });
});
