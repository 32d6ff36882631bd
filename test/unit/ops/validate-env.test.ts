import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RUNBOOK_MACHINE } from '../../../fixtures/src/plan.ts';
import { atLeast, checkPorts, checkResources, checkTools, parseVersion } from '../../../src/ops/validate-env/checks.ts';
import type { PortFact, ResourceFacts, ToolFacts } from '../../../src/ops/validate-env/checks.ts';
import { listeningInode } from '../../../src/ops/validate-env/facts.ts';
import { plantedK, validateEnvExitCode } from '../../../src/ops/validate-env/index.ts';
import { SUITE_VARS, checkEnvironment, closestVar } from '../../../src/ops/validate-env/vars.ts';
import type { EnvContext } from '../../../src/ops/validate-env/vars.ts';
import { renderFindings } from '../../../src/ops/findings.ts';
import type { Finding } from '../../../src/ops/findings.ts';
import { REPO_ROOT } from '../../../src/util/paths.ts';

const GiB = 1024 ** 3;
const at = (fs: Finding[], where: string): Finding | undefined => fs.find((f) => f.where === where);

function tools(over: Partial<ToolFacts> = {}): ToolFacts {
  const t = (path: string, version: string) => ({ path, version });
  return {
    node: '20.18.1',
    npm: t('/usr/bin/npm', '10.8.2'),
    python3: t('/usr/bin/python3', '3.11.2'),
    redisServer: t('/usr/bin/redis-server', '7.0.15'),
    nginx: t('/usr/sbin/nginx', '1.22.1'),
    docker: { ...t('/usr/bin/docker', '27.3.1'), server: '27.3.1' },
    k6: { ...t('/usr/bin/k6', 'v2.0.0'), fromEnv: false },
    qdrant: { ...t('/opt/qdrant', '1.15.4'), fromEnv: true },
    venv: { path: '/repo/.venv', ready: true },
    isRoot: false,
    ...over,
  };
}

const resources = (over: Partial<ResourceFacts> = {}): ResourceFacts => ({
  disk: { path: '/repo/.stack', measured: '/repo', freeBytes: 200 * GiB, totalBytes: 1024 * GiB },
  memory: { totalBytes: 32 * GiB, availableBytes: 28 * GiB },
  cpus: 16,
  openFiles: { soft: 1_048_576, hard: 1_048_576 },
  ...over,
});

const ctx = (over: Partial<EnvContext> = {}): EnvContext => ({ production: false, models: ['phi3', 'imp'], plantedK: 10, docker: true, cwd: '/tmp', ...over });

describe('validate-env: tools', () => {
  it('a complete machine is all ok', () => {
    const fs = checkTools(tools(), true);
    expect(fs.filter((f) => f.level !== 'ok')).toEqual([]);
    expect(fs.map((f) => f.where)).toEqual(['node', 'npm', 'python3', 'redis-server', 'nginx', 'docker', 'k6', 'qdrant']);
  });

  it('node < 20.18 fails; versions compare part by part', () => {
    expect(at(checkTools(tools({ node: '20.17.9' }), false), 'node')?.level).toBe('fail');
    expect(at(checkTools(tools({ node: '22.0.0' }), false), 'node')?.level).toBe('ok');
    expect(atLeast([3, 9, 18], [3, 10])).toBe(false);
    expect(atLeast([3, 11, 0], [3, 11])).toBe(true);
    expect(parseVersion('Python 3.12.1')).toEqual([3, 12, 1]);
    expect(parseVersion('nothing')).toBeNull();
  });

  it('python3: 3.10 warns (fails with --production), under 3.10 fails unless a real qdrant makes it optional', () => {
    const py = (version: string | null, path: string | null = '/usr/bin/python3') => ({ path, version });
    const noQdrant = { qdrant: { path: null, version: null, fromEnv: false } };
    expect(at(checkTools(tools({ ...noQdrant, python3: py('3.10.12') }), false), 'python3')?.level).toBe('warn');
    expect(at(checkTools(tools({ ...noQdrant, python3: py('3.10.12') }), true), 'python3')?.level).toBe('fail');
    expect(at(checkTools(tools({ ...noQdrant, python3: py('3.9.2') }), false), 'python3')?.level).toBe('fail');
    expect(at(checkTools(tools({ ...noQdrant, python3: py(null, null) }), false), 'python3')?.level).toBe('fail');
    expect(at(checkTools(tools({ python3: py(null, null) }), false), 'python3')?.level).toBe('warn');
  });

  it('redis-server and nginx missing fail with the apt-get line (a warning as root, where the launcher installs them, but not with --production)', () => {
    const none = { path: null, version: null };
    const fs = checkTools(tools({ redisServer: none, nginx: none }), false);
    expect(at(fs, 'redis-server')).toMatchObject({ level: 'fail', fix: 'sudo apt-get install -y redis-server' });
    expect(at(fs, 'nginx')?.level).toBe('fail');
    expect(at(checkTools(tools({ nginx: none, isRoot: true }), false), 'nginx')?.level).toBe('warn');
    expect(at(checkTools(tools({ nginx: none, isRoot: true }), true), 'nginx')?.level).toBe('fail');
  });

  it('optional tools (docker, k6, qdrant) missing are warnings, never failures, even with --production; a bad K6_BIN or QDRANT_BIN fails', () => {
    const fs = checkTools(tools({
      docker: { path: null, version: null, server: null },
      k6: { path: null, version: null, fromEnv: false },
      qdrant: { path: null, version: null, fromEnv: false },
    }), true);
    expect(['docker', 'k6', 'qdrant'].map((w) => at(fs, w)?.level)).toEqual(['warn', 'warn', 'warn']);
    expect(at(fs, 'qdrant')?.what).toMatch(/qdrant-local .* stands in/);
    expect(at(checkTools(tools({ docker: { path: '/usr/bin/docker', version: '27.0.0', server: null, serverError: 'Cannot connect to the Docker daemon' } }), false), 'docker')?.what).toMatch(/daemon does not answer/);
    expect(at(checkTools(tools({ k6: { path: '/x/k6', version: 'v1.3.0', fromEnv: false } }), false), 'k6')?.level).toBe('warn');
    expect(at(checkTools(tools({ k6: { path: null, version: null, fromEnv: true, error: 'K6_BIN=/nope is not an executable file' } }), false), 'k6')?.level).toBe('fail');
    expect(at(checkTools(tools({ qdrant: { path: null, version: null, fromEnv: true, error: 'QDRANT_BIN=/nope is not an executable file' } }), false), 'qdrant')?.level).toBe('fail');
  });
});

describe('validate-env: ports and resources', () => {
  const port = (over: Partial<PortFact>): PortFact => ({ port: 6379, what: 'redis', free: true, holder: null, ours: null, ...over });

  it('a free port or one our stack holds is ok; another process on it warns, and fails with --production', () => {
    const facts = [port({}), port({ port: 6333, what: 'qdrant http', free: false, ours: { dir: '/repo/.stack', service: 'qdrant-local' } }), port({ port: 8000, what: 'the gateway front door', free: false, holder: { pid: 4242, command: 'python3' } })];
    const dev = checkPorts(facts, false);
    expect(dev.map((f) => f.level)).toEqual(['ok', 'ok', 'warn']);
    expect(dev[1]?.what).toMatch(/held by the local stack in \/repo\/\.stack \(qdrant-local\)/);
    expect(dev[2]?.what).toMatch(/taken by pid 4242 \(python3\)/);
    expect(dev[2]?.fix).toMatch(/stop pid 4242, or run the stack without --seed-ports/);
    expect(checkPorts(facts, true)[2]?.level).toBe('fail');
  });

  it('disk: under 5 % or 2 GiB fails; under 5 GiB warns (fails with --production)', () => {
    const disk = (freeGiB: number, totalGiB = 500) => resources({ disk: { path: '/s', measured: '/', freeBytes: freeGiB * GiB, totalBytes: totalGiB * GiB } });
    expect(at(checkResources(disk(100), RUNBOOK_MACHINE, false), 'disk')?.level).toBe('ok');
    expect(at(checkResources(disk(20, 500), RUNBOOK_MACHINE, false), 'disk')?.level).toBe('fail'); // 4 %
    expect(at(checkResources(disk(1.5, 20), RUNBOOK_MACHINE, false), 'disk')?.level).toBe('fail');
    expect(at(checkResources(disk(4, 50), RUNBOOK_MACHINE, false), 'disk')?.level).toBe('warn');
    expect(at(checkResources(disk(4, 50), RUNBOOK_MACHINE, true), 'disk')?.level).toBe('fail');
    expect(at(checkResources(resources({ disk: { path: '/s', error: 'EACCES' } }), RUNBOOK_MACHINE, false), 'disk')?.level).toBe('fail');
  });

  it('memory: under 1 GiB available fails, under 2 GiB warns (fails with --production)', () => {
    const mem = (avail: number) => resources({ memory: { totalBytes: 32 * GiB, availableBytes: avail * GiB } });
    expect(at(checkResources(mem(0.5), RUNBOOK_MACHINE, false), 'memory')?.level).toBe('fail');
    expect(at(checkResources(mem(1.5), RUNBOOK_MACHINE, false), 'memory')?.level).toBe('warn');
    expect(at(checkResources(mem(1.5), RUNBOOK_MACHINE, true), 'memory')?.level).toBe('fail');
    expect(at(checkResources(mem(8), RUNBOOK_MACHINE, false), 'memory')?.level).toBe('ok');
  });

  it('the production shape (16 CPU, 32 GiB, 1 TiB) is compared only with --production, and only as warnings', () => {
    const small = resources({ cpus: 4, memory: { totalBytes: 8 * GiB, availableBytes: 6 * GiB }, disk: { path: '/s', measured: '/', freeBytes: 100 * GiB, totalBytes: 250 * GiB } });
    expect(checkResources(small, RUNBOOK_MACHINE, false).filter((f) => f.level !== 'ok')).toEqual([]);
    const prod = checkResources(small, RUNBOOK_MACHINE, true);
    expect(prod.filter((f) => f.level !== 'ok').map((f) => [f.where, f.level])).toEqual([['disk (shape)', 'warn'], ['memory (shape)', 'warn'], ['cpu (shape)', 'warn']]);
    expect(at(prod, 'cpu (shape)')?.what).toMatch(/4 CPUs, the production node has 16/);
    expect(checkResources(resources(), RUNBOOK_MACHINE, true).filter((f) => f.level !== 'ok')).toEqual([]);
  });

  it('open files: under 4096 warns (fails with --production); under 65536 warns with --production and says how to raise it', () => {
    const nofile = (soft: number, hard = soft) => resources({ openFiles: { soft, hard } });
    expect(at(checkResources(nofile(1024), RUNBOOK_MACHINE, false), 'open files')?.level).toBe('warn');
    expect(at(checkResources(nofile(1024), RUNBOOK_MACHINE, true), 'open files')?.level).toBe('fail');
    expect(at(checkResources(nofile(20000), RUNBOOK_MACHINE, false), 'open files')?.level).toBe('ok');
    const raise = at(checkResources(nofile(20000), RUNBOOK_MACHINE, true), 'open files');
    expect(raise?.level).toBe('warn');
    expect(raise?.fix).toMatch(/raise the hard limit \(20000\) to 65536/);
    expect(at(checkResources(nofile(4096, 1_048_576), RUNBOOK_MACHINE, true), 'open files')?.fix).toMatch(/^ulimit -n 65536/);
  });

  it('listeningInode finds the socket listening on a port in a /proc/net/tcp table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdb-tcp-'));
    const table = join(dir, 'tcp');
    writeFileSync(table, [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:18EB 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 55501 1 0000000000000000 100 0 0 10 0',
      '   1: 0100007F:1F40 0100007F:9C40 01 00000000:00000000 00:00000000 00000000  1000        0 55502 1 0000000000000000 20 4 30 10 -1',
    ].join('\n'));
    expect(listeningInode(6379, [table])).toBe('55501');
    expect(listeningInode(8000, [table])).toBeNull(); // established, not listening
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('validate-env: environment variables', () => {
  it('every VDB_* variable the suite reads is in the table (grep of src/, readiness/, scenarios/, fixtures/)', () => {
    const seen = new Set<string>();
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (name === 'node_modules' || name === 'ops') continue;
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.(ts|mjs|js)$/.test(name)) for (const m of readFileSync(p, 'utf8').matchAll(/\bVDB_[A-Z][A-Z0-9_]*\b/g)) seen.add(m[0]);
      }
    };
    for (const d of ['src', 'readiness', 'scenarios', 'fixtures']) walk(join(REPO_ROOT, d));
    const table = new Set(SUITE_VARS.map((v) => v.name));
    expect([...seen].filter((n) => !table.has(n)).sort()).toEqual([]);
    expect(seen.size).toBeGreaterThan(10);
  });

  it('nothing set: one ok line', () => {
    const fs = checkEnvironment({ PATH: '/usr/bin' }, ctx());
    expect(fs).toEqual([{ level: 'ok', area: 'environment', where: 'VDB_*', what: 'none set: the suite uses the local stack and its defaults' }]);
  });

  it('invalid values are flagged with the fix; good ones are ok', () => {
    const fs = checkEnvironment({
      VDB_GATEWAY_URL: 'localhost:8000', VDB_API_KEY: 'k'.repeat(20), VDB_REDIS_URL: 'http://127.0.0.1:6379', VDB_PROFILE: 'prod', VDB_RATE_SCALE: '-1', VDB_K: '50',
      VDB_MODELS: 'phi3,gpt5', VDB_RUN_ID: '../x', VDB_OUTSIDE_SOURCE_ADDRESS: '127.0.0.300', VDB_API_KEYS: 'limited=abc,oops', VDB_DURATION_SCALE: '0.1',
    }, ctx());
    const level = (w: string) => at(fs, w)?.level;
    expect(level('VDB_GATEWAY_URL')).toBe('fail');
    expect(level('VDB_REDIS_URL')).toBe('fail');
    expect(at(fs, 'VDB_PROFILE')?.what).toMatch(/prod is not a gate profile \(production, ci\)/);
    expect(level('VDB_RATE_SCALE')).toBe('fail');
    expect(at(fs, 'VDB_K')).toMatchObject({ level: 'fail', fix: 'export VDB_K=10' });
    expect(at(fs, 'VDB_MODELS')?.what).toMatch(/gpt5 not among/);
    expect(level('VDB_RUN_ID')).toBe('fail');
    expect(level('VDB_OUTSIDE_SOURCE_ADDRESS')).toBe('fail');
    expect(at(fs, 'VDB_API_KEYS')?.what).toBe('1 of 2 entries are not role=key');
    expect(at(fs, 'VDB_DURATION_SCALE')).toMatchObject({ level: 'info', what: '0.1: load shapes run scaled ×0.1' });
    expect(at(fs, 'VDB_API_KEY')).toMatchObject({ level: 'ok', what: 'set (20 characters)' });
    expect(validateEnvExitCode(fs)).toBe(1);
  });

  it('secrets are never printed: keys by length, roles without keys, URLs with their password masked', () => {
    const key = 'sk-live-0123456789abcdef';
    const fs = checkEnvironment({ VDB_GATEWAY_URL: `http://user:${key}@127.0.0.1:8000`, VDB_API_KEY: key, VDB_QDRANT_API_KEY: `${key}-q`, VDB_API_KEYS: `limited=${key}-l,standard=${key}-s`, VDB_REDIS_URL: `redis://:${key}@127.0.0.1:6379` }, ctx({ production: true }));
    const text = [...renderFindings(fs), JSON.stringify(fs)].join('\n');
    expect(text).not.toContain(key);
    expect(at(fs, 'VDB_API_KEYS')?.what).toBe('roles: limited, standard');
    expect(at(fs, 'VDB_GATEWAY_URL')?.what).toMatch(/^http:\/\/user:\*\*\*@127\.0\.0\.1:8000/);
  });

  it('a key copied with spaces around it warns', () => {
    expect(at(checkEnvironment({ VDB_API_KEY: ' abcdefghijkl ' }, ctx()), 'VDB_API_KEY')?.level).toBe('warn');
  });

  it('VDB_API_KEY unset while VDB_GATEWAY_URL is set: a warning, a failure with --production', () => {
    expect(at(checkEnvironment({ VDB_GATEWAY_URL: 'http://127.0.0.1:8000' }, ctx()), 'VDB_API_KEY')?.level).toBe('warn');
    expect(at(checkEnvironment({ VDB_GATEWAY_URL: 'http://127.0.0.1:8000' }, ctx({ production: true })), 'VDB_API_KEY')?.level).toBe('fail');
  });

  it('--production: a ci profile, scaled shapes and a subset of models fail or warn; plain http to a remote gateway warns', () => {
    const env = { VDB_PROFILE: 'ci', VDB_RATE_SCALE: '0.5', VDB_MODELS: 'phi3', VDB_GATEWAY_URL: 'http://10.1.2.3:8000', VDB_API_KEY: 'abcdefghijkl' };
    const dev = checkEnvironment(env, ctx());
    expect(dev.filter((f) => f.level === 'warn' || f.level === 'fail')).toEqual([]);
    const prod = checkEnvironment(env, ctx({ production: true }));
    expect(at(prod, 'VDB_PROFILE')?.level).toBe('fail');
    expect(at(prod, 'VDB_RATE_SCALE')?.level).toBe('fail');
    expect(at(prod, 'VDB_MODELS')?.level).toBe('warn');
    expect(at(prod, 'VDB_GATEWAY_URL')?.what).toMatch(/plain http to a remote host/);
  });

  it('unknown VDB_* variables are named, with the variable they probably meant', () => {
    const fs = checkEnvironment({ VDB_GATEWAY_ULR: 'http://x', VDB_SOMETHING_ELSE: '1' }, ctx());
    expect(at(fs, 'VDB_GATEWAY_ULR')?.what).toMatch(/a typo of VDB_GATEWAY_URL\?/);
    expect(at(fs, 'VDB_SOMETHING_ELSE')?.what).toBe('is not read by the suite');
    expect(closestVar('VDB_PROFLE')).toBe('VDB_PROFILE');
  });

  it('what slots inherit from this shell: GATEWAY_FAULTS warns (fails with --production), debug logging, a bad GATEWAY_CONFIG_DIR; VDB_TARGET_FILE left over', () => {
    const env = { GATEWAY_FAULTS: 'after=0,abort=503:1', LOG_LEVEL: 'debug', GATEWAY_CONFIG_DIR: '/nonexistent/config', VDB_TARGET_FILE: '/tmp/t.json' };
    const dev = checkEnvironment(env, ctx());
    expect(at(dev, 'GATEWAY_FAULTS')?.level).toBe('warn');
    expect(at(dev, 'LOG_LEVEL')?.level).toBe('info');
    expect(at(dev, 'GATEWAY_CONFIG_DIR')?.level).toBe('fail');
    expect(at(dev, 'VDB_TARGET_FILE')?.fix).toBe('unset VDB_TARGET_FILE');
    const prod = checkEnvironment(env, ctx({ production: true }));
    expect(at(prod, 'GATEWAY_FAULTS')?.level).toBe('fail');
    expect(at(prod, 'LOG_LEVEL')?.level).toBe('warn');
    expect(at(checkEnvironment({ GATEWAY_CONFIG_DIR: join(REPO_ROOT, 'sut', 'gateway', 'config') }, ctx()), 'GATEWAY_CONFIG_DIR')?.level).toBe('info');
  });

  it('directories: a writable one (or one that can be made) is ok, one under a file fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vdb-env-dir-'));
    writeFileSync(join(dir, 'file'), '');
    expect(at(checkEnvironment({ VDB_STACK_DIR: join(dir, 'new', 'stack') }, ctx()), 'VDB_STACK_DIR')?.what).toMatch(/will be created/);
    expect(at(checkEnvironment({ VDB_REPORTS_DIR: join(dir, 'file', 'x') }, ctx()), 'VDB_REPORTS_DIR')?.level).toBe('fail');
    rmSync(dir, { recursive: true, force: true });
  });

  it('plantedK is the fixtures\' planted truth depth', () => {
    expect(plantedK()).toBeGreaterThanOrEqual(10);
  });
});
