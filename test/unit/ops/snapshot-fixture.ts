/**
 * Hand-made diagnose snapshots: a healthy blue/green local stack (blue active, green standby,
 * both registered, last deployment live), which each test breaks in one place.
 */
import type { DiagnoseSnapshot, HttpAnswer, SlotSnapshot } from '../../../src/ops/diagnose/types.ts';

export const NOW = Date.parse('2026-03-01T12:00:00.000Z');
export const iso = (msAgo: number): string => new Date(NOW - msAgo).toISOString();
export const QDRANT_KEY = 'qdrant-key-0123456789abcdef';
export const GATEWAY_KEY = 'gw-load-secret-abcdefghijkl';

export const ok = (body: unknown, headers: Record<string, string> = {}): HttpAnswer => ({ status: 200, headers, body });
export const noAnswer = (error = 'ECONNREFUSED'): HttpAnswer => ({ status: 0, error, headers: {}, body: null });

const RUN_DIR = '/tmp/vdb-gw-test';

export function diagnostics(slot: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    deployment: { status: 'running', version: slot === 'blue' ? '1.0.1' : '1.0.0', slot, environment: 'local' },
    process: { pid: 1, event_loop_delay_ms: { p50: 10, p99: 20, max: 40 } },
    dependencies: { status: 'healthy', components: [{ name: 'qdrant', status: 'healthy', latency_ms: 2 }, { name: 'redis', status: 'healthy', latency_ms: 0.5 }] },
    cache: { enabled: true, available: true, ttl_s: 300 },
    security: { api_key_auth: true, api_key_roles: ['load'], rate_limiting: true, ip_allowlist: ['127.0.0.1/32'] },
    collections: [{ collection: 'phi3', action: 'exists' }, { collection: 'test', action: 'created' }],
    slot: { instance_id: `${slot}-1`, active: slot === 'blue', draining: false, faults: null },
    ...extra,
  };
}

export function slot(name: 'blue' | 'green', pid: number, over: Partial<SlotSnapshot> = {}): SlotSnapshot {
  const version = name === 'blue' ? '1.0.1' : '1.0.0';
  return {
    name,
    url: `http://127.0.0.1:${name === 'blue' ? 4001 : 4002}`,
    pid,
    alive: true,
    socket: `${RUN_DIR}/gateway-${name}.sock`,
    socketExists: true,
    status: ok({ status: 'running', version, slot: name, instance_id: `${name}-${pid}`, active: name === 'blue', registry_available: true }),
    diagnostics: ok(diagnostics(name)),
    environment: ok({ environment: 'local', log_level: 'info', monitoring_enabled: true, overrides: ['QDRANT_URL', 'GATEWAY_SLOT'], config_dir: '/repo/sut/gateway/config' }),
    faultsEnv: '',
    envKeys: [],
    configDir: '/repo/sut/gateway/config',
    ...over,
  };
}

export function healthySnapshot(): DiagnoseSnapshot {
  const blue = slot('blue', 201);
  const green = slot('green', 202);
  const entry = (s: SlotSnapshot) => ({
    key: `vdb:services:gateway:${s.name}-${s.pid}`,
    ttlS: 5,
    raw: '{}',
    pidAlive: true,
    value: { id: `${s.name}-${s.pid}`, service: 'gateway', slot: s.name, version: s.name === 'blue' ? '1.0.1' : '1.0.0', url: s.url, socket: s.socket, pid: s.pid, started_at: iso(600_000), heartbeat_at: iso(1000), active: s.name === 'blue' },
  });
  return {
    dir: '/tmp/stack',
    now: NOW,
    stack: {
      schemaVersion: 1,
      dir: '/tmp/stack',
      startedAt: iso(3_600_000),
      qdrant: { url: 'http://127.0.0.1:6333', apiKey: QDRANT_KEY, engine: 'qdrant-local', version: '1.15.4', storagePath: '/tmp/stack/data', pid: 101, log: '/tmp/stack/logs/qdrant.log' },
      redis: { url: 'redis://127.0.0.1:6379', pid: 100, log: '/tmp/stack/logs/redis.log' },
      gateway: {
        url: 'http://127.0.0.1:8000',
        apiKey: GATEWAY_KEY,
        keys: { load: GATEWAY_KEY },
        nginx: { pid: 300, log: '/tmp/stack/logs/nginx.log', configPath: '/tmp/stack/nginx/conf/nginx.conf' },
        runDir: RUN_DIR,
        slots: [],
        active: 'blue',
      },
      pids: [100, 101, 201, 202, 300],
    } as unknown as DiagnoseSnapshot['stack'],
    services: [
      { name: 'redis', kind: 'redis', pid: 100, alive: true, healthy: true, url: 'redis://127.0.0.1:6379', log: '/tmp/stack/logs/redis.log', logTail: [] },
      { name: 'qdrant-local', kind: 'qdrant', pid: 101, alive: true, healthy: true, url: 'http://127.0.0.1:6333', log: '/tmp/stack/logs/qdrant.log', logTail: [] },
      { name: 'nginx', kind: 'nginx', pid: 300, alive: true, healthy: true, url: 'http://127.0.0.1:8000', log: '/tmp/stack/logs/nginx.log', logTail: [] },
      { name: 'gateway-blue', kind: 'gateway', slot: 'blue', pid: 201, alive: true, healthy: true, url: blue.url, log: '/tmp/stack/logs/gateway-blue.log', logTail: [] },
      { name: 'gateway-green', kind: 'gateway', slot: 'green', pid: 202, alive: true, healthy: true, url: green.url, log: '/tmp/stack/logs/gateway-green.log', logTail: [] },
    ],
    gateway: {
      frontDoor: { url: 'http://127.0.0.1:8000', answer: ok({ slot: 'blue', version: '1.0.1' }, { 'x-gateway-slot': 'blue', 'x-gateway-version': '1.0.1' }) },
      slots: [blue, green],
      active: { stackJson: 'blue', link: { path: `${RUN_DIR}/active.sock`, target: 'gateway-blue.sock', slot: 'blue' }, nginxConf: null },
    },
    registrySettings: { enabled: true, prefix: 'vdb:services:', heartbeatS: 2, ttlS: 6, source: '/repo/sut/gateway/config/service-orchestration.yaml' },
    registry: { available: true, entries: [entry(blue), entry(green)] },
    deployments: {
      current: { active_slot: 'blue', version: '1.0.1', previous_slot: 'green', previous_version: '1.0.0', deployed_at: iso(300_000), deployment_id: 'd-2' },
      history: [
        { id: 'd-2', action: 'deploy', version: '1.0.1', slot: 'blue', from_slot: 'green', from_version: '1.0.0', outcome: 'live', reason: null, started_at: iso(330_000), finished_at: iso(300_000), by: 'ops@host', checks: [{ name: 'health', pass: true, detail: 'ok' }] },
      ],
      source: 'redis',
    },
  };
}

/** The services entry of slot `name`. */
export function serviceOf(snap: DiagnoseSnapshot, name: string): DiagnoseSnapshot['services'][number] {
  const s = snap.services.find((x) => x.name === name);
  if (!s) throw new Error(`no service ${name}`);
  return s;
}

export function slotOf(snap: DiagnoseSnapshot, name: string): SlotSnapshot {
  const s = snap.gateway?.slots.find((x) => x.name === name);
  if (!s) throw new Error(`no slot ${name}`);
  return s;
}
