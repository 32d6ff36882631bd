import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkVersion, defaultVersion, parseEnv } from '../../../src/deploy/deploy.ts';
import { DEFAULT_ANALYSIS, DEFAULT_GATEWAY_CONFIG_DIR, DEFAULT_STARTUP, readGatewaySettings } from '../../../src/launcher/gateway-config.ts';
import { UserError } from '../../../src/util/errors.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});
const configDir = (files: Record<string, string>): string => {
  dir = mkdtempSync(join(tmpdir(), 'vdb-gwconf-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};

describe('the gateway configuration read as data', () => {
  it('reads the gateway\'s own files: version, slots, analysis, startup, registry prefix', () => {
    const s = readGatewaySettings(DEFAULT_GATEWAY_CONFIG_DIR);
    expect(s.slots).toEqual(['blue', 'green']);
    expect(s.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(s.registryPrefix).toBe('vdb:services:');
    expect(s.analysis).toEqual(DEFAULT_ANALYSIS);
    expect(s.startup).toEqual(DEFAULT_STARTUP);
  });

  it('falls back to the defaults for what a file does not set (no analysis, no startup, no orchestration file)', () => {
    const s = readGatewaySettings(configDir({ 'deployment.yaml': 'deployment:\n  version: 2\n', 'health-checks.yaml': 'health_checks:\n  interval_s: 30\n' }));
    expect(s.version).toBe('2');
    expect(s.analysis).toEqual(DEFAULT_ANALYSIS);
    expect(s.startup).toEqual(DEFAULT_STARTUP);
    expect(s.registryPrefix).toBe('vdb:services:');
  });

  it('takes analysis under deployment: and startup under health_checks:, partially', () => {
    const s = readGatewaySettings(
      configDir({
        'deployment.yaml': 'deployment:\n  version: "3.1"\n  analysis:\n    interval_s: 0.5\n    max_p95_ms: 80\n',
        'health-checks.yaml': 'health_checks:\n  startup:\n    interval_ms: 100\n',
      }),
    );
    expect(s.analysis).toEqual({ ...DEFAULT_ANALYSIS, interval_s: 0.5, max_p95_ms: 80 });
    expect(s.startup).toEqual({ ...DEFAULT_STARTUP, interval_ms: 100 });
  });

  it('refuses a bad value or a missing deployment.yaml with one line naming the file and key', () => {
    expect(() => readGatewaySettings(configDir({ 'deployment.yaml': 'deployment:\n  analysis:\n    count: -1\n' }))).toThrow(/deployment\.yaml: deployment\.analysis\.count: /);
    expect(() => readGatewaySettings(configDir({ 'x.yaml': '' }))).toThrow(/deployment\.yaml is missing/);
    expect(() => readGatewaySettings('/nonexistent/dir')).toThrow(UserError);
  });
});

describe('deploy options', () => {
  it('--env K=V keeps = and , in the value and refuses what the deployer sets itself', () => {
    expect(parseEnv(['GATEWAY_FAULTS=after=100,abort=503:0.5', 'QDRANT_API_KEY=wrong'])).toEqual({ GATEWAY_FAULTS: 'after=100,abort=503:0.5', QDRANT_API_KEY: 'wrong' });
    expect(() => parseEnv(['novalue'])).toThrow(/--env must be K=V/);
    expect(() => parseEnv(['GATEWAY_SOCKET=/x'])).toThrow(/GATEWAY_SOCKET is not allowed/);
    expect(() => parseEnv(['GATEWAY_VERSION=2'])).toThrow(/use --version/);
  });

  it('labels a version: deployment.yaml\'s plus a UTC timestamp by default, a safe label otherwise', () => {
    expect(defaultVersion('1.0.0', new Date('2026-11-28T22:15:03.123Z'))).toBe('1.0.0+20261128.221503');
    expect(checkVersion('2.0.0-rc.1')).toBe('2.0.0-rc.1');
    expect(() => checkVersion('a b')).toThrow(/--version must be/);
  });
});
