import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand, type CommandResult } from '../../helpers/run-command.ts';
import { describe, expect, it } from 'vitest';
import { dockerEngineLocation } from '../../../src/targets/containers.ts';
import { QDRANT_IMAGE, REDIS_IMAGE, gatewayImageOverride } from '../../../src/targets/images.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';

const run = (args: string[], env: NodeJS.ProcessEnv): Promise<CommandResult> => runCommand('npx', ['tsx', ...args], { env });

describe('containers target', () => {
  it('without a Docker engine, stops at once with one line naming --target local', async () => {
    const r = await run(['src/cli/readiness.ts', '--target', 'containers'], { ...process.env, DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(r.code).toBe(ExitCode.Unreachable);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: --target containers needs a Docker engine and DOCKER_HOST=unix:\/\/\/nonexistent\.sock names no socket: start one \(as root: bash scripts\/ensure-docker\.sh\), or use --target local$/);
    expect(r.stdout).not.toMatch(/target ready/);
    expect(r.ms).toBeLessThan(15_000);
  });

  it('finds where an engine may answer without connecting', () => {
    const none = (): boolean => false;
    expect(dockerEngineLocation({ DOCKER_HOST: 'unix:///nonexistent.sock' }, none)).toBeNull();
    expect(dockerEngineLocation({ DOCKER_HOST: 'unix:///run/d.sock' }, (p) => p === '/run/d.sock')).toBe('unix:///run/d.sock');
    expect(dockerEngineLocation({ DOCKER_HOST: 'tcp://10.0.0.5:2375' }, none)).toBe('tcp://10.0.0.5:2375');
    expect(dockerEngineLocation({}, none)).toBeNull();
    expect(dockerEngineLocation({}, (p) => p === '/var/run/docker.sock')).toBe('unix:///var/run/docker.sock');
    expect(dockerEngineLocation({ XDG_RUNTIME_DIR: '/run/user/1000' }, (p) => p === '/run/user/1000/docker.sock')).toBe('unix:///run/user/1000/docker.sock');
  });

  it('pins exact image tags, the same ones docker-compose.test.yml uses', () => {
    expect(QDRANT_IMAGE).toMatch(/^qdrant\/qdrant:v1\.\d+\.\d+$/);
    expect(REDIS_IMAGE).toMatch(/^redis:7\.\d+\.\d+-alpine$/);
    const compose = readFileSync(join(REPO_ROOT, 'docker-compose.test.yml'), 'utf8');
    const images = [...compose.matchAll(/^\s+image:\s*\$\{VDB_\w+:-(\S+)\}\s*$/gm)].map((m) => m[1]);
    expect(images).toEqual(expect.arrayContaining([QDRANT_IMAGE, REDIS_IMAGE]));
  });

  it('uses VDB_GATEWAY_IMAGE when set, else builds the Dockerfile', () => {
    expect(gatewayImageOverride({ VDB_GATEWAY_IMAGE: 'registry.example/gw:1.2.3' })).toBe('registry.example/gw:1.2.3');
    expect(gatewayImageOverride({ VDB_GATEWAY_IMAGE: ' ' })).toBeNull();
    expect(gatewayImageOverride({})).toBeNull();
  });
});
