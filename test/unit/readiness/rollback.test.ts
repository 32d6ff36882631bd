import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { DeploymentRecord, DeploymentStatus } from '../../../src/deploy/types.ts';
import { CHECKLIST, mapChecklist } from '../../../src/readiness/checklist.ts';
import { serveControl } from '../../../src/readiness/control-server.ts';
import type { TargetDescriptor } from '../../../src/readiness/descriptor.ts';
import { GROUPS } from '../../../src/readiness/groups.ts';
import { deploySkipReason, slotStopSkipReason } from '../../../src/readiness/skips.ts';
import {
  answersByVersion,
  badAnswerBound,
  bucketSamples,
  buildTimeline,
  chooseBucketMs,
  deployerMarks,
  firstMark,
  idleConnectionsAt,
  maxAnswerGap,
  summarizeFailures,
} from '../../../src/readiness/timeline.ts';
import type { TrafficSample } from '../../../src/readiness/timeline.ts';
import type { CheckResult } from '../../../src/results/readiness.ts';
import { readinessResultsSchema } from '../../../src/results/readiness.ts';
import type { DeployControl, DeployRequest, StopSignal } from '../../../src/targets/deploy-control.ts';
import { hookArgs, hookDeployControl, parseHookJson, shellQuote } from '../../../src/targets/hook-deploy.ts';
import { readRegistrySettings } from '../../../src/targets/local-deploy.ts';

const sample = (over: Partial<TrafficSample>): TrafficSample => {
  const t = over.t_ms ?? 0;
  const latency = over.latency_ms ?? 2;
  return { t_ms: t, done_ms: t + latency, latency_ms: latency, status: 200, ok: true, slot: 'blue', version: 'v1', conn: 0, ...over };
};

const record = (over: Partial<DeploymentRecord> = {}): DeploymentRecord => ({
  id: 'd1',
  action: 'deploy',
  version: 'v2',
  slot: 'green',
  from_slot: 'blue',
  from_version: 'v1',
  outcome: 'live',
  reason: null,
  started_at: '2026-01-01T00:00:00.000Z',
  finished_at: '2026-01-01T00:00:05.000Z',
  by: 'me@host',
  checks: [],
  analysis: [],
  events: [],
  ...over,
});

describe('timeline buckets', () => {
  it('counts requests, failures, latency percentiles and answering slots per bucket by intended send time', () => {
    const samples = [
      sample({ t_ms: 10, latency_ms: 2 }),
      sample({ t_ms: 50, latency_ms: 4 }),
      sample({ t_ms: 90, latency_ms: 100 }),
      sample({ t_ms: 120, latency_ms: 3, slot: 'green', version: 'v2' }),
      sample({ t_ms: 150, latency_ms: 5000, status: 0, ok: false, slot: null, version: null, error: 'timeout' }),
      sample({ t_ms: 180, latency_ms: 7, status: 503, ok: false, slot: 'green', error: 'HTTP 503' }),
    ];
    const b = bucketSamples(samples, 300, 100);
    expect(b).toHaveLength(3);
    expect(b[0]).toEqual({ t_ms: 0, count: 3, errors: 0, p50_ms: 4, p95_ms: 100, max_ms: 100, slots: { blue: 3 } });
    // the unanswered request counts as an error but has no latency and no slot
    expect(b[1]).toMatchObject({ t_ms: 100, count: 3, errors: 2, p50_ms: 3, max_ms: 7, slots: { green: 2 } });
    expect(b[2]).toMatchObject({ count: 0, errors: 0, p50_ms: null, p95_ms: null, max_ms: null, slots: {} });
  });

  it('widens buckets for long traffic so a chart stays readable', () => {
    expect(chooseBucketMs(10_000)).toBe(100);
    expect(chooseBucketMs(60_000)).toBe(100);
    expect(chooseBucketMs(61_000)).toBe(200);
    expect(chooseBucketMs(600_000)).toBe(1600);
  });

  it('finds the longest gap between successful answers, the window ends included', () => {
    const s = [sample({ t_ms: 0, latency_ms: 10 }), sample({ t_ms: 100, latency_ms: 10 }), sample({ t_ms: 200, latency_ms: 900, ok: false, status: 0 }), sample({ t_ms: 700, latency_ms: 10 })];
    expect(maxAnswerGap(s)).toBe(600);
    expect(maxAnswerGap(s, { from: 0, to: 2000 })).toBe(1290);
    expect(maxAnswerGap([sample({})])).toBeNull();
  });

  it('builds a schema-valid timeline with the deployer\'s events on the traffic clock', () => {
    const start = Date.parse('2026-01-01T00:00:00.000Z');
    const marks = deployerMarks([{ at: '2026-01-01T00:00:02.500Z', kind: 'switch', detail: 'front door → green' }, { at: 'not a time', kind: 'x', detail: '' }], start);
    expect(marks).toEqual([{ t_ms: 2500, kind: 'switch', label: 'switch: front door → green' }]);
    expect(firstMark(marks, 'rollback')).toBeUndefined();
    expect(firstMark(marks, 'rollback', 'switch')).toBe(2500);
    const t = buildTimeline([sample({ t_ms: 10 }), sample({ t_ms: 3000, slot: 'green', ok: false, status: 503 })], marks, { startEpochMs: start, durationMs: 3100, ratePerS: 150, connections: 12 });
    expect(t.buckets).toHaveLength(31);
    expect(t.requests).toBe(2);
    expect(t.failed).toBe(1);
    expect(t.started_at).toBe('2026-01-01T00:00:00.000Z');
    const check: CheckResult = { id: 'rollback/x', group: 'rollback', title: 'x', status: 'passed', required: true, duration_ms: 1, evidence: [], timeline: t };
    const results = {
      schema: 'vdb-readiness/readiness@2', kind: 'readiness', run_id: 'r', state: 'complete', started_at: 'now',
      gates: { profile: 'ci', label: 'ci', results: [] }, verdict: 'GO', verdict_reasons: [],
      run: { command: 'c', suite_version: '0', node: '20', host: 'h', options: { target: 'local', only: [], comprehensive: false, allow_disruptive: false, profile: 'ci' } },
      target: { kind: 'local', gateway_url: 'http://x', fingerprint: { collections: {}, notes: [] } },
      summary: { total: 1, passed: 1, failed: 0, skipped: 0, required_failed: 0 },
      checks: [check], checklist: [],
    };
    expect(readinessResultsSchema.safeParse(results).success).toBe(true);
    // @2 files written before timelines existed still read
    expect(readinessResultsSchema.safeParse({ ...results, checks: [{ ...check, timeline: undefined }] }).success).toBe(true);
  });
});

describe('rollback figures', () => {
  it('summarises failures by cause, first ones first', () => {
    const f = summarizeFailures([sample({ t_ms: 30, ok: false, status: 0, error: 'ECONNRESET', conn: 3 }), sample({ t_ms: 10, ok: false, status: 502, error: 'HTTP 502', slot: null }), sample({ t_ms: 20 })]);
    expect(f.count).toBe(2);
    expect(f.byCause).toEqual({ ECONNRESET: 1, 'HTTP 502': 1 });
    expect(f.first[0]).toMatch(/^t=10 ms HTTP 502/);
    expect(f.first[1]).toBe('t=30 ms ECONNRESET (slot blue v1) on connection 3');
  });

  it('counts answers by version, unanswered requests left out', () => {
    expect(answersByVersion([sample({ version: 'a' }), sample({ version: 'a' }), sample({ version: null }), sample({ status: 0, version: null })])).toEqual({ a: 2, '?': 1 });
  });

  it('bounds bad answers by the failing intervals an analysis may see before it rolls back', () => {
    // (150 + 20)/s × (0.5 s × 2 intervals + 1 s)
    expect(badAnswerBound({ rate_per_s: 150, probe_rate_per_s: 20, interval_s: 0.5, failure_limit: 1, slack_s: 1 })).toBe(340);
    expect(badAnswerBound({ rate_per_s: 100, probe_rate_per_s: 20, interval_s: 2, failure_limit: 0, slack_s: 0 })).toBe(240);
  });

  it('counts connections idle at a moment', () => {
    const s = [
      sample({ t_ms: 0, latency_ms: 5, conn: 0 }),
      sample({ t_ms: 990, latency_ms: 20, conn: 1 }), // in flight at 1000
      sample({ t_ms: 900, latency_ms: 5, conn: 2 }), // finished 95 ms before: not quiet enough
      sample({ t_ms: 2000, latency_ms: 5, conn: 3 }), // not opened yet
    ];
    expect(idleConnectionsAt(s, 4, 1000, 250)).toBe(1);
  });
});

const descriptor = (over: Partial<Omit<TargetDescriptor, 'options'>> & { options?: Partial<TargetDescriptor['options']> } = {}): TargetDescriptor => ({
  kind: 'local',
  gateway: { url: 'http://127.0.0.1:1', apiKey: 'k', keys: {} },
  gates: {} as TargetDescriptor['gates'],
  fixtureModels: [],
  runId: 'r',
  ...over,
  control: over.control,
  options: { comprehensive: false, allowDisruptive: false, only: [], ...over.options },
});
const withDeploy = { url: 'http://x', token: 't', services: [], deploy: { via: 'local stack /s', stopSlot: true } };

describe('rollback group skips', () => {
  it('runs with --comprehensive or --only rollback on a target with a deploy control', () => {
    expect(deploySkipReason(descriptor({ control: withDeploy }))).toMatch(/--comprehensive or --only rollback/);
    expect(deploySkipReason(descriptor({ control: withDeploy, options: { comprehensive: true } }))).toBeUndefined();
    expect(deploySkipReason(descriptor({ control: withDeploy, options: { only: ['rollback'] } }))).toBeUndefined();
    expect(deploySkipReason(descriptor({ kind: 'containers', control: { ...withDeploy, deploy: undefined }, options: { comprehensive: true } }))).toMatch(/containers target offers no deploy control/);
  });

  it('on an external target needs --allow-disruptive and a deploy hook', () => {
    const hooked = { ...withDeploy, deploy: { via: 'hook npm run deploy --', stopSlot: false } };
    expect(deploySkipReason(descriptor({ kind: 'external', options: { only: ['rollback'] } }))).toMatch(/--allow-disruptive and a --deploy-hook/);
    expect(deploySkipReason(descriptor({ kind: 'external', control: hooked, options: { only: ['rollback'] } }))).toMatch(/--allow-disruptive/);
    expect(deploySkipReason(descriptor({ kind: 'external', options: { only: ['rollback'], allowDisruptive: true } }))).toMatch(/no deploy hook for this external target/);
    expect(deploySkipReason(descriptor({ kind: 'external', control: hooked, options: { only: ['rollback'], allowDisruptive: true } }))).toBeUndefined();
    // a hook cannot stop one slot: the registry's stop and TTL checks skip, the others run
    expect(slotStopSkipReason(descriptor({ kind: 'external', control: hooked, options: { only: ['rollback'], allowDisruptive: true } }))).toMatch(/cannot stop a single slot/);
    expect(slotStopSkipReason(descriptor({ control: withDeploy, options: { comprehensive: true } }))).toBeUndefined();
  });

  it('puts rollback before faults, and maps the deployment checklist items to it', () => {
    expect(GROUPS.indexOf('rollback')).toBe(GROUPS.indexOf('faults') - 1);
    const check = (title: string, status: CheckResult['status']): CheckResult => ({ id: `rollback/${title}`, group: 'rollback', title, status, required: true, duration_ms: 1, evidence: [] });
    const byId = new Map(mapChecklist([check('a validated deploy of a good version goes live', 'passed'), check('a manual rollback restores the previous version', 'passed')]).map((e) => [e.id, e]));
    expect(byId.get('deployment-automation')?.status).toBe('proven');
    expect(byId.get('cmd-deploy-validate')?.status).toBe('proven');
    expect(byId.get('cmd-deploy-validate')?.checks).toEqual(['rollback/a validated deploy of a good version goes live']);
    const failed = new Map(mapChecklist([check('a manual rollback restores the previous version', 'failed')]).map((e) => [e.id, e]));
    expect(failed.get('deployment-automation')?.status).toBe('failed');
    expect(CHECKLIST.find((c) => c.id === 'deployment-automation')?.proofs).toEqual([{ group: 'rollback' }]);
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'vdb-rb-unit-'));
  dirs.push(d);
  return d;
};

describe('deploy hook', () => {
  it('quotes words for sh and builds the documented arguments', () => {
    expect(shellQuote('--env')).toBe('--env');
    expect(shellQuote('GATEWAY_FAULTS=after=50,abort=503:0.5')).toBe('GATEWAY_FAULTS=after=50,abort=503:0.5');
    expect(shellQuote("it's $HOME")).toBe(`'it'\\''s $HOME'`);
    expect(hookArgs('deploy', { version: 'v2', validate: true, env: { A: '1', B: 'x y' } })).toEqual(['deploy', '--json', '--validate', '--version', 'v2', '--env', 'A=1', '--env', 'B=x y']);
    expect(hookArgs('rollback')).toEqual(['rollback', '--json']);
    expect(hookArgs('status')).toEqual(['status', '--json']);
  });

  it('reads the JSON a hook printed, also after lines a wrapper printed first', () => {
    expect(parseHookJson('{"a":1}')).toEqual({ a: 1 });
    expect(parseHookJson('\n> vdb-readiness@0.1.0 deploy\n> tsx src/cli/deploy.ts --json\n\n{\n  "a": {"b": 2}\n}\n')).toEqual({ a: { b: 2 } });
    expect(parseHookJson('{"progress":1}\n{"a":3}')).toEqual({ a: 3 });
    expect(() => parseHookJson('nothing here')).toThrow(/no JSON object/);
  });

  it('runs the command per action, returns a failed deploy\'s record, and rejects what is not a record', async () => {
    const dir = tempDir();
    const log = join(dir, 'calls');
    const rec = JSON.stringify(record({ outcome: 'failed', reason: 'pre-switch check auth failed' }));
    const status = JSON.stringify({ active_slot: 'blue', version: 'v1', previous_slot: null, previous_version: null, instances: [], history: [] });
    const script = join(dir, 'hook.sh');
    writeFileSync(script, `#!/bin/sh\necho "$@" >> ${log}\necho "progress on stderr" >&2\ncase "$1" in\n  deploy) echo '> npm header'; echo '${rec}'; exit 1;;\n  status) echo '${status}';;\n  rollback) echo 'not json'; exit 2;;\nesac\n`);
    chmodSync(script, 0o755);
    const lines: string[] = [];
    const hook = hookDeployControl(script);
    const r = await hook.deploy({ version: 'v2', validate: true, env: { GATEWAY_FAULTS: 'after=50,abort=503:0.5' } }, (l) => lines.push(l));
    expect(r.outcome).toBe('failed');
    expect(lines).toContain('progress on stderr');
    expect((await hook.status()).active_slot).toBe('blue');
    await expect(hook.rollback()).rejects.toThrow(/exited 2 with no JSON object/);
    expect(hook.stopSlot).toBeUndefined();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual(['deploy --json --validate --version v2 --env GATEWAY_FAULTS=after=50,abort=503:0.5', 'status --json', 'rollback --json']);
  });
});

describe('registry settings', () => {
  it('reads heartbeat_s and ttl_s from service-orchestration.yaml, with the contract\'s defaults', () => {
    const dir = tempDir();
    expect(readRegistrySettings(dir)).toEqual({ heartbeat_s: 2, ttl_s: 6 });
    writeFileSync(join(dir, 'service-orchestration.yaml'), 'service_orchestration:\n  service_registry:\n    heartbeat_s: 0.5\n    ttl_s: 3\n');
    expect(readRegistrySettings(dir)).toEqual({ heartbeat_s: 0.5, ttl_s: 3 });
  });
});

describe('control endpoint: deploy routes', () => {
  const calls: string[] = [];
  let release: (() => void) | undefined;
  const fake: DeployControl = {
    via: 'fake',
    async deploy(req: DeployRequest, log) {
      calls.push(`deploy ${JSON.stringify(req)}`);
      log?.('started');
      if (req.version === 'slow') await new Promise<void>((r) => (release = r));
      return record({ version: req.version ?? 'v' });
    },
    async rollback() {
      calls.push('rollback');
      return record({ action: 'rollback' });
    },
    async status(): Promise<DeploymentStatus> {
      return { active_slot: 'blue', version: 'v1', previous_slot: null, previous_version: null, instances: [], history: [] };
    },
    async stopSlot(slot: string, signal: StopSignal) {
      calls.push(`stop ${slot} ${signal}`);
      return { slot, pid: 1, signal, signalled_at: 'now', exited_at: 'now' };
    },
  };

  it('serves deploy, rollback, status and slot stops behind the run\'s token', async () => {
    const ep = await serveControl({ deploy: fake });
    try {
      const call = async (method: 'GET' | 'POST', path: string, body?: string, token = ep.token) => {
        const r = await request(`${ep.url}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body });
        return { status: r.statusCode, text: await r.body.text() };
      };
      expect(ep.deploy).toEqual({ available: true, stopSlot: true });
      expect((await call('GET', '/deployment', undefined, 'wrong')).status).toBe(401);
      expect(JSON.parse((await call('GET', '/deployment')).text).active_slot).toBe('blue');
      const d = await call('POST', '/deploy', JSON.stringify({ version: 'v9', validate: true, env: { A: 'b' }, analysis: { interval_s: 0.5, count: 4 } }));
      expect(d.status).toBe(200);
      expect(JSON.parse(d.text)).toMatchObject({ result: { version: 'v9' }, log: ['started'] });
      expect(JSON.parse(calls.find((c) => c.startsWith('deploy '))!.slice(7))).toEqual({ version: 'v9', validate: true, env: { A: 'b' }, analysis: { interval_s: 0.5, count: 4 } });
      expect((await call('POST', '/deploy', JSON.stringify({ version: 'v9', analysis: { interval_s: -1 } }))).status).toBe(400);
      expect((await call('POST', '/deploy', JSON.stringify({ surprise: true }))).status).toBe(400);
      expect(JSON.parse((await call('POST', '/rollback')).text).result.action).toBe('rollback');
      expect(JSON.parse((await call('POST', '/slot/green/stop?signal=KILL')).text).signal).toBe('KILL');
      expect(calls).toContain('stop green KILL');
      expect((await call('POST', '/slot/green/stop?signal=HUP')).status).toBe(400);
      // one deploy action at a time
      const slow = call('POST', '/deploy', JSON.stringify({ version: 'slow' }));
      await new Promise((r) => setTimeout(r, 50));
      expect((await call('POST', '/rollback')).status).toBe(409);
      release?.();
      expect((await slow).status).toBe(200);
      expect((await call('POST', '/stop/redis')).status).toBe(404);
    } finally {
      await ep.close();
    }
  });

  it('says so when the target has no deploy control, or it cannot stop a slot', async () => {
    const ep = await serveControl({ deploy: { ...fake, stopSlot: undefined } });
    const noDeploy = await serveControl({ services: { services: ['redis'], stop: async () => undefined, start: async () => undefined } });
    try {
      const r1 = await request(`${ep.url}/slot/green/stop`, { method: 'POST', headers: { authorization: `Bearer ${ep.token}` } });
      expect(r1.statusCode).toBe(404);
      expect(await r1.body.text()).toMatch(/cannot stop a single slot/);
      expect(ep.deploy.stopSlot).toBe(false);
      const r2 = await request(`${noDeploy.url}/deployment`, { headers: { authorization: `Bearer ${noDeploy.token}` } });
      expect(r2.statusCode).toBe(404);
      await r2.body.text();
      const r3 = await request(`${noDeploy.url}/stop/redis`, { method: 'POST', headers: { authorization: `Bearer ${noDeploy.token}` } });
      expect(r3.statusCode).toBe(200);
      await r3.body.text();
    } finally {
      await ep.close();
      await noDeploy.close();
    }
  });
});

describe('analysis interval used', () => {
  it('is the median step between the intervals\' starts', async () => {
    const { usedIntervalS } = await import('../../../src/readiness/timeline.ts');
    expect(usedIntervalS([])).toBeUndefined();
    expect(usedIntervalS([{ started_at: '2026-01-01T00:00:00.000Z' }])).toBeUndefined();
    expect(usedIntervalS(['00.000', '00.510', '01.000', '01.700', '02.000'].map((s) => ({ started_at: `2026-01-01T00:00:${s}Z` })))).toBe(0.5);
  });
});
