import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyse, faultsOf } from '../../../src/ops/diagnose/analyse.ts';
import { nginxConfActive, processEnvVar, readActiveLink, registrySettingsFrom } from '../../../src/ops/diagnose/collect.ts';
import { diagnoseExitCode, renderDiagnose, reportOf, stackRedactor } from '../../../src/ops/diagnose/index.ts';
import { errorLines } from '../../../src/ops/diagnose/logs.ts';
import type { Finding } from '../../../src/ops/findings.ts';
import { diagnostics, GATEWAY_KEY, healthySnapshot, iso, noAnswer, ok, QDRANT_KEY, serviceOf, slotOf } from './snapshot-fixture.ts';

const problems = (fs: Finding[]): Finding[] => fs.filter((f) => f.level === 'warn' || f.level === 'fail');
const find = (fs: Finding[], where: string, level?: Finding['level']): Finding | undefined => fs.find((f) => f.where === where && (!level || f.level === level));

describe('diagnose analysis', () => {
  it('a healthy blue/green stack has no problem, and says which slot the front door answers through', () => {
    const fs = analyse(healthySnapshot());
    expect(problems(fs)).toEqual([]);
    expect(diagnoseExitCode(fs)).toBe(0);
    expect(find(fs, 'front door', 'ok')?.what).toMatch(/answers through blue \(version 1\.0\.1\)/);
    expect(find(fs, 'registry', 'ok')?.what).toMatch(/2 instance\(s\) registered/);
    expect(find(fs, 'last', 'ok')?.what).toMatch(/deploy 1\.0\.1 → blue \(from green\): live, 5 min ago, by ops@host/);
    expect(find(fs, 'gateway-blue', 'ok')?.what).toMatch(/pid 201 \(active\)/);
    expect(find(fs, 'gateway-green', 'ok')?.what).toMatch(/pid 202 \(standby\)/);
  });

  it('a dead active slot is a failure whose fix is the rollback to the healthy standby; its log lines come along', () => {
    const snap = healthySnapshot();
    Object.assign(serviceOf(snap, 'gateway-blue'), { alive: false, healthy: false, logTail: ['12:00:01 error uncaught exception (boom)'] });
    Object.assign(slotOf(snap, 'blue'), { alive: false, status: null, diagnostics: null, environment: null });
    const fs = analyse(snap);
    const f = find(fs, 'gateway-blue', 'fail');
    expect(f?.what).toMatch(/pid 201 \(active\) is not running.*front door has no gateway/);
    expect(f?.fix).toMatch(/npm run deploy -- rollback \(switches the front door to green/);
    expect(f?.details?.join('\n')).toContain('uncaught exception (boom)');
    expect(diagnoseExitCode(fs)).toBe(1);
  });

  it('a dead standby is a warning (no rollback target), and its stale registry entry is named with the DEL that clears it', () => {
    const snap = healthySnapshot();
    Object.assign(serviceOf(snap, 'gateway-green'), { alive: false, healthy: false });
    Object.assign(slotOf(snap, 'green'), { alive: false, status: null, diagnostics: null, environment: null });
    snap.registry.entries[1]!.pidAlive = false;
    const fs = analyse(snap);
    expect(find(fs, 'gateway-green', 'warn')?.what).toMatch(/no slot to roll back to/);
    const dead = find(fs, 'instance green-202', 'warn');
    expect(dead?.what).toMatch(/process is dead; the entry expires in 5 s/);
    expect(dead?.fix).toBe('redis-cli -u redis://127.0.0.1:6379 DEL vdb:services:gateway:green-202');
    expect(fs.some((f) => f.level === 'fail')).toBe(false);
  });

  it('redis down: a failure saying what the gateway loses', () => {
    const snap = healthySnapshot();
    Object.assign(serviceOf(snap, 'redis'), { alive: false, healthy: false });
    snap.registry = { available: false, error: 'connect ECONNREFUSED', entries: [] };
    const fs = analyse(snap);
    expect(find(fs, 'redis', 'fail')?.what).toMatch(/no cache, no rate limits, no registry/);
    expect(find(fs, 'registry', 'warn')?.what).toMatch(/cannot read the registry.*ECONNREFUSED/);
  });

  it('the front door answering through another slot than the active one is a failure', () => {
    const snap = healthySnapshot();
    snap.gateway!.frontDoor.answer = ok({ slot: 'green' }, { 'x-gateway-slot': 'green' });
    const f = find(analyse(snap), 'front door', 'fail');
    expect(f?.what).toMatch(/answers through green, but blue is the active slot/);
  });

  it('a front door that answers 502 or nothing is a failure naming the fix', () => {
    const snap = healthySnapshot();
    snap.gateway!.frontDoor.answer = { status: 502, headers: {}, body: null };
    expect(find(analyse(snap), 'front door', 'fail')?.what).toMatch(/HTTP 502: nginx cannot get an answer from the active slot \(blue\)/);
    snap.gateway!.frontDoor.answer = noAnswer();
    const f = find(analyse(snap), 'front door', 'fail');
    expect(f?.what).toMatch(/does not answer \(ECONNREFUSED\)/);
    expect(f?.fix).toMatch(/npm run stack -- up/);
  });

  it('nginx gone: one failure for it, not a second one for the front door that cannot answer', () => {
    const snap = healthySnapshot();
    Object.assign(serviceOf(snap, 'nginx'), { alive: false, healthy: false });
    snap.gateway!.frontDoor.answer = noAnswer();
    const fs = analyse(snap);
    expect(find(fs, 'nginx', 'fail')?.what).toMatch(/pid 300 is not running.*the front door is closed/);
    expect(fs.filter((f) => f.area === 'front door')).toEqual([]);
  });

  it('a dangling active.sock and records that disagree are both named', () => {
    const snap = healthySnapshot();
    snap.gateway!.active.link = { path: '/tmp/vdb-gw-test/active.sock', target: 'gateway-green.sock', slot: 'green', error: 'dangling: gateway-green.sock does not exist' };
    const fs = analyse(snap);
    expect(find(fs, 'active.sock', 'fail')?.what).toMatch(/dangling/);
    expect(find(fs, 'active slot', 'warn')?.what).toMatch(/active\.sock → green, stack\.json → blue/);
  });

  it('an older front door (no runDir) is read from nginx.conf', () => {
    const snap = healthySnapshot();
    snap.gateway!.active = { stackJson: 'blue', link: null, nginxConf: 'green' };
    expect(find(analyse(snap), 'active slot', 'warn')?.what).toMatch(/nginx\.conf → green, stack\.json → blue \(nginx follows nginx\.conf\)/);
  });

  it('registry: a running slot that is not registered, a stale heartbeat, an entry without TTL, an unreadable entry', () => {
    const snap = healthySnapshot();
    snap.registry.entries.splice(1, 1); // green not registered
    const blue = snap.registry.entries[0]!;
    blue.ttlS = -1;
    (blue.value as Record<string, unknown>).heartbeat_at = iso(30_000);
    snap.registry.entries.push({ key: 'vdb:services:gateway:junk', ttlS: 3, raw: 'not json', value: null, pidAlive: null });
    const fs = analyse(snap);
    expect(find(fs, 'gateway-green', 'warn')?.what).toMatch(/runs \(pid 202\) but is not registered under vdb:services:gateway:\*/);
    expect(fs.find((f) => f.where === 'instance blue-201' && /last heartbeat 30 s ago/.test(f.what))).toBeDefined();
    expect(fs.find((f) => f.where === 'instance blue-201' && /no TTL/.test(f.what))).toBeDefined();
    expect(find(fs, 'vdb:services:gateway:junk', 'warn')?.fix).toMatch(/DEL vdb:services:gateway:junk/);
    expect(find(fs, 'registry', 'ok')).toBeUndefined();
  });

  it('registry: two instances claiming active long after the switch', () => {
    const snap = healthySnapshot();
    (snap.registry.entries[1]!.value as Record<string, unknown>).active = true;
    expect(find(analyse(snap), 'registry', 'warn')?.what).toMatch(/2 instances register active: true/);
    // right after a switch the old slot may still say so until its next heartbeat
    (snap.deployments.current as Record<string, unknown>).deployed_at = iso(1000);
    expect(find(analyse(snap), 'registry', 'warn')).toBeUndefined();
  });

  it('a gateway from before the registry: registry checks are skipped with a note, not a problem', () => {
    const snap = healthySnapshot();
    snap.registry.entries = [];
    for (const s of snap.gateway!.slots) s.status = ok({ status: 'running', version: '1.0.0', slot: s.name });
    const fs = analyse(snap);
    expect(find(fs, 'registry', 'info')?.what).toMatch(/predates the service registry/);
    expect(problems(fs.filter((f) => f.area === 'registry'))).toEqual([]);
  });

  it('the last deployment rolled back: a warning with its reason and failing checks; current disagreeing with the front door: a failure', () => {
    const snap = healthySnapshot();
    snap.deployments.history.unshift({
      id: 'd-3', action: 'deploy', version: '1.0.2', slot: 'green', from_slot: 'blue', outcome: 'rolled_back', reason: 'analysis: error rate 40 %', finished_at: iso(60_000), by: 'ops@host',
      checks: [{ name: 'health', pass: true, detail: 'ok' }, { name: 'analysis interval 1', pass: false, detail: 'probe error rate 40/100' }],
    });
    let fs = analyse(snap);
    const last = find(fs, 'last', 'warn');
    expect(last?.what).toMatch(/deploy 1\.0\.2 → green \(from blue\): rolled back, 60 s ago, by ops@host: analysis: error rate 40 %/);
    expect(last?.details).toEqual(['check analysis interval 1: probe error rate 40/100']);
    expect(last?.fix).toMatch(/npm run deploy -- status/);
    (snap.deployments.current as Record<string, unknown>).active_slot = 'green';
    fs = analyse(snap);
    expect(find(fs, 'current', 'fail')?.what).toMatch(/recorded green as active.*front door routes to blue/);
  });

  it('dependencies and collections from the diagnostics endpoint', () => {
    const snap = healthySnapshot();
    slotOf(snap, 'blue').diagnostics = ok(diagnostics('blue', {
      dependencies: { status: 'unhealthy', components: [{ name: 'qdrant', status: 'unhealthy', latency_ms: 2000, error: 'Qdrant is not ready' }, { name: 'redis', status: 'healthy', latency_ms: 1 }] },
      collections: [{ collection: 'phi3', action: 'mismatch', detail: 'Qdrant has dimension 128, config says 256' }],
    }));
    const fs = analyse(snap);
    expect(find(fs, 'gateway-blue', 'fail')?.what).toMatch(/sees qdrant unhealthy: Qdrant is not ready/);
    const mismatch = fs.find((f) => f.where === 'gateway-blue' && /collection phi3/.test(f.what));
    expect(mismatch?.level).toBe('fail');
    expect(mismatch?.fix).not.toContain(QDRANT_KEY);
  });

  it('fault injection: a note on a standby, a warning on the active slot; with --production a failure', () => {
    const snap = healthySnapshot();
    slotOf(snap, 'green').diagnostics = ok(diagnostics('green', { slot: { instance_id: 'g', active: false, draining: false, faults: 'after=0,abort=503:1' } }));
    expect(find(analyse(snap), 'gateway-green')?.level).toBe('ok');
    expect(analyse(snap).find((f) => f.where === 'gateway-green' && /fault injection/.test(f.what))?.level).toBe('info');
    expect(analyse(snap, { production: true }).find((f) => f.where === 'gateway-green' && /fault injection/.test(f.what))?.level).toBe('warn');
    slotOf(snap, 'blue').faultsEnv = 'after=10'; // an older gateway that does not say: the process environment does
    slotOf(snap, 'blue').diagnostics = ok(diagnostics('blue', { slot: undefined }));
    expect(analyse(snap).find((f) => f.where === 'gateway-blue' && /fault injection/.test(f.what))?.level).toBe('warn');
    const prod = analyse(snap, { production: true }).find((f) => f.where === 'gateway-blue' && /fault injection/.test(f.what));
    expect(prod?.level).toBe('fail');
    expect(prod?.area).toBe('production');
  });

  it('faultsOf: the gateway\'s word first (null is off), then the process environment, then stack.json envKeys', () => {
    const s = slotOf(healthySnapshot(), 'blue');
    expect(faultsOf({ ...s, faultsEnv: 'after=1' })).toBeNull();
    expect(faultsOf({ ...s, diagnostics: ok({ slot: { faults: 'delay_ms=300' } }) })).toBe('delay_ms=300');
    expect(faultsOf({ ...s, diagnostics: null, faultsEnv: 'after=1' })).toBe('after=1');
    expect(faultsOf({ ...s, diagnostics: null, faultsEnv: null, envKeys: ['GATEWAY_FAULTS'] })).toBe('set (value not recorded)');
    expect(faultsOf({ ...s, diagnostics: null, faultsEnv: '' , envKeys: ['GATEWAY_FAULTS'] })).toBeNull();
  });

  it('--production: auth off fails, debug logging, rate limiting off and an open allowlist warn; a clean stack gets one ok line', () => {
    const clean = analyse(healthySnapshot(), { production: true });
    expect(problems(clean)).toEqual([]);
    expect(find(clean, 'production', 'ok')).toBeDefined();
    const snap = healthySnapshot();
    slotOf(snap, 'blue').diagnostics = ok(diagnostics('blue', { security: { api_key_auth: false, rate_limiting: false, ip_allowlist: ['0.0.0.0/0'] } }));
    slotOf(snap, 'blue').environment = ok({ environment: 'production', log_level: 'debug', monitoring_enabled: false, overrides: ['LOG_LEVEL', 'QDRANT_URL'] });
    const fs = analyse(snap, { production: true }).filter((f) => f.area === 'production' && f.where === 'gateway-blue');
    expect(fs.find((f) => /API key authentication is off/.test(f.what))?.level).toBe('fail');
    expect(fs.find((f) => /rate limiting is off/.test(f.what))?.level).toBe('warn');
    expect(fs.find((f) => /allowlist admits everyone/.test(f.what))?.level).toBe('warn');
    expect(fs.find((f) => /log level debug/.test(f.what))?.level).toBe('warn');
    expect(fs.find((f) => /metrics are off/.test(f.what))?.level).toBe('warn');
    expect(fs.find((f) => /override its config files: LOG_LEVEL$/.test(f.what))?.level).toBe('info');
    // none of it without --production
    expect(analyse(snap).some((f) => f.area === 'production')).toBe(false);
  });

  it('the report never shows the stack\'s keys, in text or JSON', () => {
    const snap = healthySnapshot();
    Object.assign(serviceOf(snap, 'gateway-blue'), { alive: true, healthy: false, logTail: [`request with x-api-key ${GATEWAY_KEY} refused`, `qdrant key ${QDRANT_KEY}`] });
    const report = reportOf(snap);
    const redact = stackRedactor(snap.stack);
    const text = renderDiagnose(report, redact).join('\n');
    expect(text).toContain('refused');
    expect(text).not.toContain(GATEWAY_KEY);
    expect(text).not.toContain(QDRANT_KEY);
    expect(redact(JSON.stringify(report))).not.toContain(GATEWAY_KEY);
    expect(text.split('\n').pop()).toMatch(/1 fail: problems found$/);
  });
});

describe('diagnose readers', () => {
  it('errorLines: the gateway\'s JSON lines at warn and above, condensed; other logs by their words; else the last lines', () => {
    const pino = [
      JSON.stringify({ level: 30, time: Date.parse('2026-03-01T11:59:00Z'), msg: 'listening' }),
      JSON.stringify({ level: 50, time: Date.parse('2026-03-01T11:59:01Z'), msg: 'request failed', err: { message: 'ECONNREFUSED 127.0.0.1:6333' } }),
      JSON.stringify({ level: 30, time: Date.parse('2026-03-01T11:59:02Z'), msg: 'still going' }),
    ];
    expect(errorLines(pino)).toEqual(['11:59:01 error request failed (ECONNREFUSED 127.0.0.1:6333)']);
    expect(errorLines(['starting', '2026/03/01 [crit] connect() to unix:/tmp/active.sock failed', 'ok'])).toEqual(['2026/03/01 [crit] connect() to unix:/tmp/active.sock failed']);
    expect(errorLines(['a', 'b', 'c', 'd'])).toEqual(['b', 'c', 'd']);
    // a crash at start-up: the header and the list under it
    expect(errorLines(['starting', 'gateway: configuration invalid (2 problem(s)):', '  - deployment.yaml: analysis: Required', '  - health-checks.yaml: startup: Required'])).toEqual([
      'gateway: configuration invalid (2 problem(s)):', '  - deployment.yaml: analysis: Required', '  - health-checks.yaml: startup: Required',
    ]);
    expect(errorLines([`error: ${'x'.repeat(500)}`])[0]).toHaveLength(180);
  });

  it('nginxConfActive reads the one proxy_pass of an older front door', () => {
    expect(nginxConfActive('location / {\n  proxy_pass http://gateway_green;\n}')).toBe('green');
    expect(nginxConfActive('proxy_pass http://unix:/tmp/x/active.sock;')).toBeNull();
  });

  it('registrySettingsFrom: the file\'s values, the contract\'s defaults where absent', () => {
    const yaml = 'service_orchestration:\n  service_registry:\n    enabled: true\n    key_prefix: "x:"\n    heartbeat_s: 3\n';
    expect(registrySettingsFrom(yaml, 'f.yaml')).toEqual({ enabled: true, prefix: 'x:', heartbeatS: 3, ttlS: 6, source: 'f.yaml' });
    expect(registrySettingsFrom(null, 'f.yaml')).toEqual({ enabled: true, prefix: 'vdb:services:', heartbeatS: 2, ttlS: 6, source: 'defaults' });
    expect(registrySettingsFrom('service_orchestration:\n  service_registry:\n    enabled: false\n', 'f').enabled).toBe(false);
  });

  it('readActiveLink: the slot a link names; missing and dangling links said so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdb-diag-link-'));
    expect(readActiveLink(join(dir, 'active.sock')).error).toBe('missing');
    symlinkSync('gateway-green.sock', join(dir, 'active.sock'));
    expect(readActiveLink(join(dir, 'active.sock'))).toMatchObject({ slot: 'green', error: 'dangling: gateway-green.sock does not exist' });
    writeFileSync(join(dir, 'gateway-green.sock'), '');
    expect(readActiveLink(join(dir, 'active.sock'))).toEqual({ path: join(dir, 'active.sock'), target: 'gateway-green.sock', slot: 'green' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('processEnvVar reads one variable of a process: its value, empty when unset, null when unreadable', () => {
    // /proc/<pid>/environ is the environment the process started with
    expect(processEnvVar(process.pid, 'PATH')).toBe(process.env.PATH);
    expect(processEnvVar(process.pid, 'VDB_DIAG_NEVER_SET_ANYWHERE')).toBe('');
    expect(processEnvVar(2 ** 22 + 7, 'PATH')).toBeNull();
  });
});
