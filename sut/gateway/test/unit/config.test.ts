import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_DIR, loadConfig, parseApiKeys } from '../../src/config/load.ts';
import { MODEL_NAMES } from '../../src/config/schema.ts';

const dirs: string[] = [];
function copyConfig(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
  cpSync(DEFAULT_CONFIG_DIR, dir, { recursive: true });
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('gateway configuration', () => {
  it('loads the shipped files: nine models with their collections, plus the dim-3 test collection', () => {
    const r = loadConfig(DEFAULT_CONFIG_DIR, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa' });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.models.map((m) => m.name)).toEqual([...MODEL_NAMES]);
    expect(r.config.models.every((m) => m.collection === m.name)).toBe(true);
    expect(r.config.collections.find((c) => c.name === 'test')).toMatchObject({ vectorSize: 3, model: null });
    expect(r.config.production.production_deployment.security.ip_allowlist).toEqual(['127.0.0.1/32']);
    expect(r.config.slot).toBe('blue');
  });

  it('applies the environment overrides and says which', () => {
    const r = loadConfig(DEFAULT_CONFIG_DIR, {
      ENVIRONMENT: 'production', LOG_LEVEL: 'warn', MONITORING_ENABLED: 'false', HEALTH_CHECK_INTERVAL: '15',
      QDRANT_URL: 'http://127.0.0.1:7000', REDIS_URL: 'redis://127.0.0.1:7001', GATEWAY_PORT: '7002',
      GATEWAY_IP_ALLOWLIST: '127.0.0.1/32, 10.0.0.0/8', GATEWAY_SLOT: 'green', GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa,limited=bbbbbbbbbbbbbbbb',
    });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    const p = r.config.production.production_deployment;
    expect(p.environment).toBe('production');
    expect(p.configuration.api_gateway.log_level).toBe('warn');
    expect(p.monitoring.metrics_enabled).toBe(false);
    expect(r.config.healthChecks.health_checks.interval_s).toBe(15);
    expect(p.configuration.qdrant.url).toBe('http://127.0.0.1:7000');
    expect(p.configuration.api_gateway.port).toBe(7002);
    expect(p.security.ip_allowlist).toEqual(['127.0.0.1/32', '10.0.0.0/8']);
    expect(r.config.slot).toBe('green');
    expect(r.config.apiKeys.get('bbbbbbbbbbbbbbbb')).toBe('limited');
    expect(r.config.overrides).toEqual(expect.arrayContaining(['ENVIRONMENT', 'LOG_LEVEL', 'HEALTH_CHECK_INTERVAL', 'GATEWAY_API_KEYS']));
  });

  it('lists every problem with its file, path and the variable that caused it', () => {
    const dir = copyConfig();
    const prod = join(dir, 'production.yaml');
    writeFileSync(prod, readFileSync(prod, 'utf8').replace('vector_size: 3\n', 'vector_size: 0\n').replace('backup_priority: "low"', 'backup_priority: "urgent"'));
    writeFileSync(join(dir, 'deployment.yaml'), readFileSync(join(dir, 'deployment.yaml'), 'utf8').replace('active_slot: "blue"', 'active_slot: "purple"'));
    rmSync(join(dir, 'health-checks.yaml'));
    const r = loadConfig(dir, { GATEWAY_PORT: 'eighty' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^production\.yaml: extra_collections\.test\.vector_size: /),
      expect.stringMatching(/^production\.yaml: collections_production\.general\.backup_priority: /),
      expect.stringMatching(/^production\.yaml: production_deployment\.configuration\.api_gateway\.port \(from GATEWAY_PORT\): /),
      expect.stringMatching(/^deployment\.yaml: deployment\.active_slot: active_slot must be one of slots/),
      expect.stringMatching(/^health-checks\.yaml: file not found/),
    ]));
    expect(r.files.find((f) => f.file === 'service-orchestration.yaml')?.valid).toBe(true);
  });

  it('refuses a model missing from the config and a bad CIDR', () => {
    const dir = copyConfig();
    const prod = join(dir, 'production.yaml');
    writeFileSync(prod, readFileSync(prod, 'utf8').replace(/\n {2}imp:\n(?: {4}.*\n)+/, '\n').replace('["127.0.0.1/32"]\n    trusted', '["127.0.0.1/33"]\n    trusted'));
    const r = loadConfig(dir, {});
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join('\n')).toMatch(/collections_production\.imp: Required/);
    expect(r.problems.join('\n')).toMatch(/security\.ip_allowlist\.0: must be a CIDR/);
  });

  it('ships the blue/green settings: analysis, startup, registry heartbeat and TTL, a drain that fits the grace', () => {
    const r = loadConfig(DEFAULT_CONFIG_DIR, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa' });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.deployment.deployment.analysis).toEqual({ interval_s: 2, count: 5, failure_limit: 1, max_error_rate: 0.01, max_p95_ms: 250, probe_rate_per_s: 20 });
    expect(r.config.healthChecks.health_checks.startup).toEqual({ interval_ms: 250, timeout_ms: 2000, failure_threshold: 480 });
    expect(r.config.orchestration.service_orchestration.service_registry).toMatchObject({ key_prefix: 'vdb:services:', heartbeat_s: 2, ttl_s: 6 });
    // the whole drain window (drain_timeout_s) fits in shutdown_grace_ms with a second to close
    expect(r.config.production.production_deployment.configuration.api_gateway.shutdown_grace_ms - 1000).toBeGreaterThanOrEqual(r.config.deployment.deployment.rollout.drain_timeout_s * 1000);
  });

  it('refuses a registry TTL that does not outlive a heartbeat, and fractional analysis counts', () => {
    const dir = copyConfig();
    const orch = join(dir, 'service-orchestration.yaml');
    writeFileSync(orch, readFileSync(orch, 'utf8').replace('ttl_s: 6', 'ttl_s: 2'));
    const dep = join(dir, 'deployment.yaml');
    writeFileSync(dep, readFileSync(dep, 'utf8').replace('count: 5', 'count: 2.5').replace('interval_s: 2', 'interval_s: 0.5').replace('max_p95_ms: 250', 'max_p95_ms: 12.5'));
    const r = loadConfig(dir, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems).toEqual([
      'deployment.yaml: deployment.analysis.count: Expected integer, received float',
      'service-orchestration.yaml: service_orchestration.service_registry.ttl_s: ttl_s must be greater than heartbeat_s (an entry would expire between two heartbeats)',
    ]);
  });

  it('takes the slot\'s version, instance id, socket, link and faults from the environment', () => {
    const base = loadConfig(DEFAULT_CONFIG_DIR, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa', GATEWAY_SLOT: 'green' });
    if (!base.ok) throw new Error(base.problems.join('\n'));
    expect(base.config).toMatchObject({ version: '1.0.0', socketPath: null, activeLink: null, faults: null });
    expect(base.config.instanceId).toMatch(new RegExp(`^green-${process.pid}-[0-9a-f]{4}$`));
    const r = loadConfig(DEFAULT_CONFIG_DIR, {
      GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa', GATEWAY_VERSION: '1.1.0-rc1', GATEWAY_INSTANCE_ID: 'blue-a',
      GATEWAY_SOCKET: '/tmp/vdb-gw-t/gateway-blue.sock', GATEWAY_ACTIVE_LINK: '/tmp/vdb-gw-t/active.sock', GATEWAY_FAULTS: 'after=10,abort=502:0.25',
    });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config).toMatchObject({
      version: '1.1.0-rc1', instanceId: 'blue-a', socketPath: '/tmp/vdb-gw-t/gateway-blue.sock', activeLink: '/tmp/vdb-gw-t/active.sock',
      faults: { after: 10, abort: { status: 502, code: 'GW_ERR_UPSTREAM', p: 0.25 }, delay: null },
    });
    expect(r.config.overrides).toEqual(expect.arrayContaining(['GATEWAY_VERSION', 'GATEWAY_INSTANCE_ID', 'GATEWAY_SOCKET', 'GATEWAY_ACTIVE_LINK', 'GATEWAY_FAULTS']));
  });

  it('registers the URL GATEWAY_ADVERTISE_URL gives, and refuses one that is not http(s)', () => {
    const base = loadConfig(DEFAULT_CONFIG_DIR, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa' });
    if (!base.ok) throw new Error(base.problems.join('\n'));
    expect(base.config.advertiseUrl).toBeNull();
    const r = loadConfig(DEFAULT_CONFIG_DIR, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa', GATEWAY_ADVERTISE_URL: 'http://127.0.0.1:49153/' });
    if (!r.ok) throw new Error(r.problems.join('\n'));
    expect(r.config.advertiseUrl).toBe('http://127.0.0.1:49153');
    expect(r.config.overrides).toContain('GATEWAY_ADVERTISE_URL');
    const bad = loadConfig(DEFAULT_CONFIG_DIR, { GATEWAY_API_KEYS: 'load=aaaaaaaaaaaaaaaa', GATEWAY_ADVERTISE_URL: 'gateway-blue:8000' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.problems).toContain('GATEWAY_ADVERTISE_URL: gateway-blue:8000 is not an http(s) URL such as http://10.0.0.5:8000');
  });

  it('parses API keys by role and refuses unknown roles and short keys', () => {
    const r = parseApiKeys('load=0123456789abcdef, admin=0123456789abcdef0, limited=short', ['load', 'limited']);
    expect([...r.keys]).toEqual([['0123456789abcdef', 'load']]);
    expect(r.problems).toEqual([
      'GATEWAY_API_KEYS: role admin is not in security.rate_limits (load, limited)',
      'GATEWAY_API_KEYS: the key for role limited is shorter than 16 characters',
    ]);
  });
});
