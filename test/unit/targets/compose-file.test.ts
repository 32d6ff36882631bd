import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runSuiteCli } from '../../helpers/run-command.ts';
import { COMPOSE_FILE, COMPOSE_VARS, ENV_HEADER, composeEnv, mergeEnvFile, standInRef } from '../../../src/targets/containers/compose-env.ts';
import type { ImageSet } from '../../../src/targets/containers/images.ts';
import { GATEWAY_DOCKERFILE, GATEWAY_IMAGE_TAG, NODE_BASE_IMAGE, QDRANT_IMAGE, REDIS_IMAGE } from '../../../src/targets/images.ts';
import { ExitCode } from '../../../src/util/exit-codes.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';

interface Service {
  image?: string;
  build?: { args?: Record<string, string> };
  environment?: Record<string, string>;
  ports?: string[];
  network_mode?: string;
}

const text = readFileSync(join(REPO_ROOT, COMPOSE_FILE), 'utf8');
const services = (parse(text) as { services: Record<string, Service> }).services;
const svc = (name: string): Service => services[name] ?? expect.fail(`no service ${name} in ${COMPOSE_FILE}`);

/** A set as ensureImages returns it offline: every pinned image replaced by a stand-in. */
const offline: ImageSet = {
  redis: { role: 'redis', ref: 'vdb-readiness/redis:aaa', standInFor: REDIS_IMAGE },
  qdrant: { role: 'qdrant', ref: 'vdb-readiness/qdrant-local:bbb', standInFor: QDRANT_IMAGE, engine: 'qdrant-local' },
  gateway: { role: 'gateway', ref: 'vdb-readiness/gateway:ccc', standInFor: `${GATEWAY_DOCKERFILE} on ${NODE_BASE_IMAGE}` },
  nginx: { role: 'nginx', ref: 'vdb-readiness/nginx:ddd' },
  built: [],
  standIns: [
    `${REDIS_IMAGE} → vdb-readiness/redis:aaa (Debian's redis-server)`,
    `${QDRANT_IMAGE} → vdb-readiness/qdrant-local:bbb (qdrant-local, the project's Qdrant-compatible stand-in)`,
    `${NODE_BASE_IMAGE} → vdb-readiness/node:24.22.3-eee (Node.js v24.22.3 on Debian bookworm)`,
  ],
};

describe(`${COMPOSE_FILE}`, () => {
  it('defaults to the pins of src/targets/images.ts, each behind the variable npm run images writes', () => {
    expect(svc('qdrant').image).toBe(`\${${COMPOSE_VARS.qdrant}:-${QDRANT_IMAGE}}`);
    expect(svc('redis').image).toBe(`\${${COMPOSE_VARS.redis}:-${REDIS_IMAGE}}`);
    expect(svc('gateway').build?.args?.NODE_BASE).toBe(`\${${COMPOSE_VARS.nodeBase}:-${NODE_BASE_IMAGE}}`);
    expect(svc('gateway').image).toBe(`\${${COMPOSE_VARS.gateway}:-${GATEWAY_IMAGE_TAG}}`);
    const dockerfile = readFileSync(join(REPO_ROOT, GATEWAY_DOCKERFILE), 'utf8');
    expect(dockerfile).toMatch(new RegExp(`^ARG NODE_BASE=${NODE_BASE_IMAGE.replace(/\./g, '\\.')}$`, 'm'));
  });

  it('reads exactly the variables npm run images writes', () => {
    const read = new Set([...text.replace(/^#.*$/gm, '').matchAll(/\$\{(\w+)/g)].map((m) => m[1]));
    expect([...read].sort()).toEqual(Object.keys(composeEnv(offline, null)).sort());
  });

  it('its header recipe holds the keys, URLs and ports the services are given', () => {
    const recipe = Object.fromEntries([...text.matchAll(/\b(VDB_[A-Z_]+)=(\S+)/g)].map((m) => [m[1], m[2]]));
    const gw = svc('gateway').environment ?? {};
    const keys = Object.fromEntries((gw.GATEWAY_API_KEYS ?? '').split(',').map((p) => p.split('=') as [string, string]));
    expect(recipe.VDB_API_KEY).toBe(keys.load);
    expect(recipe.VDB_API_KEYS).toBe(`standard=${keys.standard},limited=${keys.limited}`);
    expect(recipe.VDB_QDRANT_API_KEY).toBe(svc('qdrant').environment?.QDRANT__SERVICE__API_KEY);
    expect(gw.QDRANT_API_KEY).toBe(recipe.VDB_QDRANT_API_KEY);
    expect(recipe.VDB_GATEWAY_URL).toBe(`http://${gw.GATEWAY_HOST}:${gw.GATEWAY_PORT}`);
    // the gateway is on the host's network: it reaches Qdrant and Redis where the recipe does
    expect(svc('gateway').network_mode).toBe('host');
    expect(gw.QDRANT_URL).toBe(recipe.VDB_QDRANT_URL);
    expect(gw.REDIS_URL).toBe(recipe.VDB_REDIS_URL);
    expect(svc('qdrant').ports).toEqual([`127.0.0.1:${new URL(recipe.VDB_QDRANT_URL!).port}:6333`]);
    expect(svc('redis').ports).toEqual([`127.0.0.1:${new URL(recipe.VDB_REDIS_URL!).port}:6379`]);
  });

  it('the README gives the same recipe', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    for (const line of ['npm run images', `docker-compose -f ${COMPOSE_FILE} up -d --build`, `docker-compose -f ${COMPOSE_FILE} down -v`]) expect(readme).toContain(line);
    const command = /^#\s+(npm run readiness -- --target external.*)$/m.exec(text)?.[1];
    expect(command).toBeDefined();
    expect(readme).toContain(command);
    for (const m of text.matchAll(/\b(VDB_[A-Z_]+=\S+)/g)) expect(readme).toContain(m[1]);
  });
});

describe('npm run images: the compose variables', () => {
  it('are the stand-ins where there are some, with compose building the gateway under its own tag', () => {
    expect(composeEnv(offline, null)).toEqual({
      VDB_QDRANT_IMAGE: 'vdb-readiness/qdrant-local:bbb',
      VDB_REDIS_IMAGE: 'vdb-readiness/redis:aaa',
      VDB_NODE_BASE_IMAGE: 'vdb-readiness/node:24.22.3-eee',
      VDB_GATEWAY_IMAGE: GATEWAY_IMAGE_TAG,
    });
    expect(standInRef(offline, 'nginx:1')).toBeUndefined();
  });

  it('are the pins where they were pulled, and a prebuilt gateway as given', () => {
    const pulled: ImageSet = { ...offline, redis: { role: 'redis', ref: REDIS_IMAGE }, qdrant: { role: 'qdrant', ref: QDRANT_IMAGE, engine: 'qdrant' }, standIns: [] };
    expect(composeEnv(pulled, 'registry.example/gw:1.2.3')).toEqual({
      VDB_QDRANT_IMAGE: QDRANT_IMAGE,
      VDB_REDIS_IMAGE: REDIS_IMAGE,
      VDB_NODE_BASE_IMAGE: NODE_BASE_IMAGE,
      VDB_GATEWAY_IMAGE: 'registry.example/gw:1.2.3',
    });
  });
});

describe('npm run images: merging into .env', () => {
  const values = { VDB_QDRANT_IMAGE: 'q:2', VDB_REDIS_IMAGE: 'r:2' };

  it('writes a new file with its header', () => {
    expect(mergeEnvFile(null, values)).toBe(`${ENV_HEADER}\nVDB_QDRANT_IMAGE=q:2\nVDB_REDIS_IMAGE=r:2\n`);
  });

  it('replaces its own keys in place and keeps every other line as it was', () => {
    const before = ['# my settings', 'COMPOSE_PROJECT_NAME=mine', 'export VDB_QDRANT_IMAGE=q:1', '', '# VDB_REDIS_IMAGE=commented', 'OTHER = x y', 'VDB_QDRANT_IMAGE=q:0'].join('\n');
    expect(mergeEnvFile(before, values)).toBe(
      ['# my settings', 'COMPOSE_PROJECT_NAME=mine', 'VDB_QDRANT_IMAGE=q:2', '', '# VDB_REDIS_IMAGE=commented', 'OTHER = x y', ENV_HEADER, 'VDB_REDIS_IMAGE=r:2', ''].join('\n'),
    );
  });

  it('is idempotent: a second run changes nothing, a new value changes only its line', () => {
    const once = mergeEnvFile('A=1\n', values);
    expect(mergeEnvFile(once, values)).toBe(once);
    expect(mergeEnvFile(once, { ...values, VDB_REDIS_IMAGE: 'r:3' })).toBe(once.replace('VDB_REDIS_IMAGE=r:2', 'VDB_REDIS_IMAGE=r:3'));
  });

  it('refuses a value that would break the file', () => {
    expect(() => mergeEnvFile(null, { VDB_REDIS_IMAGE: 'r:1\nEVIL=1' })).toThrow(/cannot write VDB_REDIS_IMAGE/);
  });
});

describe('npm run images: without an engine', () => {
  it('stops at once with one line naming the command that starts one, exit 3', async () => {
    const r = await runSuiteCli('images.ts', [], { DOCKER_HOST: 'unix:///nonexistent.sock' });
    expect(r.code).toBe(ExitCode.Unreachable);
    const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toEqual(['error: npm run images needs a Docker engine and DOCKER_HOST=unix:///nonexistent.sock names no socket: start one (as root: bash scripts/ensure-docker.sh start)']);
    expect(r.stdout).toBe('');
  });
});
