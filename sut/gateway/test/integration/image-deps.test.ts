/**
 * The image without Docker: replays the runtime stage of sut/gateway/Dockerfile in a temp dir
 * (its COPY lines from the build context, its ENV, its `npm ci`), bundles the gateway as the
 * build stage does, and checks that
 * - npm installed the production dependency closure of sut/gateway/package.json, computed from
 *   package-lock.json, and nothing else — no suite or dev package;
 * - the build context (.dockerignore) holds what the Dockerfile copies and none of the suite;
 * - the bundle has the workspace packages inlined and imports only the gateway's dependencies;
 * - the bundle starts from that install, as the image's CMD runs it, and serves a search
 *   (through the inlined raw-http pool) against a stub Qdrant and a real Redis.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ignore } from '@balena/dockerignore';
import { parse as parseYaml } from 'yaml';
import { bundleGateway, gatewayDependencies, type BundleResult } from '../../scripts/bundle.ts';
import { parseCopy, parseEnv, readDockerfile, type Copy } from '../helpers/dockerfile.ts';
import { installedPackages, productionClosure, type Lockfile } from '../helpers/lockfile.ts';
import { startQdrantStub, type QdrantStub } from '../helpers/qdrant-stub.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis.ts';

const GATEWAY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPO = resolve(GATEWAY_DIR, '..', '..');
const DOCKERFILE = join(GATEWAY_DIR, 'Dockerfile');
const KEY = 'image-test-key-0123456789abcdef';
// A CommonJS module whose typings declare an ES default export: required, so types and runtime agree.
const dockerignore = createRequire(import.meta.url)('@balena/dockerignore') as (opts: { ignorecase: boolean }) => Ignore;

/** Never in the image: the suite's and the tests' packages. */
const FORBIDDEN = ['testcontainers', 'autocannon', 'vitest', '@qdrant/js-client-rest', 'hdr-histogram-js', 'tsx', 'esbuild'];

interface Replay {
  dir: string;
  workdir: string;
  env: Record<string, string>;
  npmCi: string[];
  bundleCopy: Copy;
  cmd: string[];
  npm: { status: number | null; output: string };
}

/** The environment of a clean `docker build` step: none of the npm run variables of this test run. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^npm_/i.test(e[0]) && e[0] !== 'INIT_CWD' && e[0] !== 'NODE_OPTIONS'));
}

/** Replays the runtime stage's COPY (from the context), ENV and `npm ci` in order. */
function replayRuntimeStage(dir: string): Replay {
  const stages = readDockerfile(DOCKERFILE);
  const runtime = stages[stages.length - 1];
  if (!runtime) throw new Error('the Dockerfile has no stage');
  let workdir = '/';
  const env: Record<string, string> = {};
  let npmCi: string[] | null = null;
  let bundleCopy: Copy | null = null;
  let cmd: string[] | null = null;
  let npm = { status: null as number | null, output: '' };
  const local = (p: string) => join(dir, posix.isAbsolute(p) ? posix.relative(workdir, p) : p);
  const remap = (v: string) => (v === workdir || v.startsWith(`${workdir}/`) ? local(v) : v);
  for (const ins of runtime.instructions) {
    if (ins.keyword === 'WORKDIR') workdir = ins.args;
    else if (ins.keyword === 'ENV') Object.assign(env, parseEnv(ins.args));
    else if (ins.keyword === 'COPY') {
      const copy = parseCopy(ins.args);
      if (copy.from !== null) {
        bundleCopy = copy;
        continue;
      }
      const intoDir = copy.dest.endsWith('/') || copy.sources.length > 1;
      for (const source of copy.sources) {
        const from = join(REPO, source);
        // a directory's contents go into dest; a file into dest/ or as dest
        const to = statSync(from).isDirectory() ? local(copy.dest) : intoDir ? join(local(copy.dest), basename(source)) : local(copy.dest);
        mkdirSync(statSync(from).isDirectory() ? to : dirname(to), { recursive: true });
        cpSync(from, to, { recursive: true });
      }
    } else if (ins.keyword === 'RUN' && /\bnpm ci\b/.test(ins.args)) {
      // every npm step of the install, in order; not the `npm cache clean` (the cache here is the machine's)
      const segments = ins.args.split('&&').map((s) => s.replace(/\\\s*$/, '').trim()).filter((s) => s.startsWith('npm ') && !s.startsWith('npm cache'));
      const ci = segments.find((s) => s.startsWith('npm ci'));
      if (!ci) throw new Error(`RUN ${ins.args}: no npm ci command`);
      npmCi = ci.split(/\s+/).slice(1);
      const runEnv = { ...cleanEnv(), ...Object.fromEntries(Object.entries(env).map(([k, v]) => [k, remap(v)])) };
      for (const segment of segments) {
        const r = spawnSync('npm', segment.split(/\s+/).slice(1), { cwd: dir, env: runEnv, encoding: 'utf8', timeout: 300_000 });
        npm = { status: r.status, output: `${npm.output}\n$ ${segment}\n${r.stdout}\n${r.stderr}`.trim() };
        if (r.status !== 0) break;
      }
    } else if (ins.keyword === 'CMD') cmd = JSON.parse(ins.args) as string[];
  }
  if (!npmCi || !bundleCopy || !cmd) throw new Error('the runtime stage needs a RUN npm ci, a COPY --from of the bundle and a CMD in JSON form');
  return { dir, workdir, env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, remap(v)])), npmCi, bundleCopy, cmd, npm };
}

function freePort(): Promise<number> {
  const srv = createServer();
  return new Promise((r) => srv.listen(0, '127.0.0.1', () => {
    const { port } = srv.address() as AddressInfo;
    srv.close(() => r(port));
  }));
}

describe('the gateway image (sut/gateway/Dockerfile) without Docker', () => {
  let dir: string;
  let replay: Replay;
  let bundle: BundleResult;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gw-image-'));
    replay = replayRuntimeStage(dir);
    bundle = await bundleGateway(join(dir, posix.isAbsolute(replay.bundleCopy.dest) ? posix.relative(replay.workdir, replay.bundleCopy.dest) : replay.bundleCopy.dest));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the production install the Dockerfile runs', () => {
    expect(replay.npmCi).toEqual(expect.arrayContaining(['ci', '--omit=dev', '--ignore-scripts', '-w', '@vdb-readiness/gateway']));
    expect(replay.npm.status, replay.npm.output).toBe(0);
  });

  it('installs the production closure of sut/gateway/package.json from package-lock.json, and nothing else', () => {
    const lock = JSON.parse(readFileSync(join(dir, 'package-lock.json'), 'utf8')) as Lockfile;
    const closure = productionClosure(lock, 'sut/gateway');
    const root = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { workspaces: string[] };
    const workspaces = root.workspaces.flatMap((w) => (w.endsWith('/*') ? (existsSync(join(dir, w.slice(0, -2))) ? readdirSync(join(dir, w.slice(0, -2))).map((d) => `${w.slice(0, -2)}/${d}`) : []) : [w]));
    const installed = installedPackages(dir, workspaces);

    for (const dep of gatewayDependencies()) expect(closure.has(`node_modules/${dep}`), dep).toBe(true);
    expect([...installed].sort()).toEqual([...closure].sort());
    const names = [...installed].map((p) => p.slice(p.lastIndexOf('node_modules/') + 'node_modules/'.length));
    expect(names.filter((n) => FORBIDDEN.includes(n))).toEqual([]);
  });

  it('bundles the workspace packages in and leaves only the gateway\'s dependencies external', () => {
    const deps = gatewayDependencies();
    expect(bundle.externalPackages.length).toBeGreaterThan(0);
    expect(bundle.externalPackages.filter((p) => !deps.includes(p))).toEqual([]);
    expect(bundle.externalPackages.filter((p) => p.startsWith('@vdb-readiness/'))).toEqual([]);
    const inputs = Object.keys(bundle.metafile.inputs);
    expect(inputs.some((i) => i.includes('packages/raw-http/src/pool.ts')), 'raw-http bundled in').toBe(true);
    expect(inputs.filter((i) => i.includes('node_modules/') && !i.includes('@vdb-readiness'))).toEqual([]);
  });

  it('is the bundle the build stage makes, where the runtime stage takes it from', () => {
    const build = readDockerfile(DOCKERFILE).find((s) => s.name === replay.bundleCopy.from);
    if (!build) throw new Error(`no build stage named ${replay.bundleCopy.from}`);
    const workdir = build.instructions.filter((i) => i.keyword === 'WORKDIR').map((i) => i.args).pop() ?? '/';
    const run = build.instructions.find((i) => i.keyword === 'RUN' && i.args.includes('sut/gateway/scripts/bundle.ts'));
    const outfile = /--outfile\s+(\S+)/.exec(run?.args ?? '')?.[1];
    expect(outfile, 'the build stage runs scripts/bundle.ts --outfile …').toBeTruthy();
    expect(replay.bundleCopy.sources).toEqual([posix.resolve(workdir, outfile as string)]);
  });

  describe('started as the image starts it', () => {
    let redis: RedisServer;
    let qdrant: QdrantStub;
    let gateway: ChildProcess;
    let output = '';
    let url = '';

    beforeAll(async () => {
      redis = await startRedisServer();
      qdrant = await startQdrantStub();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      const [node, ...args] = replay.cmd;
      expect(node).toBe('node');
      gateway = spawn(process.execPath, args, {
        cwd: dir,
        env: { ...cleanEnv(), ...replay.env, GATEWAY_HOST: '127.0.0.1', GATEWAY_PORT: String(port), QDRANT_URL: qdrant.url, REDIS_URL: redis.url, GATEWAY_API_KEYS: `load=${KEY}` },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      gateway.stdout?.on('data', (c: Buffer) => (output += c.toString()));
      gateway.stderr?.on('data', (c: Buffer) => (output += c.toString()));
      const deadline = Date.now() + 60_000;
      for (;;) {
        if (gateway.exitCode !== null) throw new Error(`the bundled gateway exited with ${gateway.exitCode}:\n${output.slice(-2000)}`);
        const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
        if (ok) break;
        if (Date.now() > deadline) throw new Error(`the bundled gateway did not answer /health within 60 s:\n${output.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    });
    afterAll(async () => {
      if (gateway && gateway.exitCode === null) {
        gateway.kill('SIGKILL');
        await new Promise((r) => gateway.once('exit', r));
      }
      await qdrant?.close();
      await redis?.stop();
    });

    it('is ready, with Qdrant and Redis healthy', async () => {
      const res = await fetch(`${url}/api/v1/health`);
      const body = (await res.json()) as { status: string; components: Array<{ name: string; status: string }> };
      expect(res.status, output.slice(-1000)).toBe(200);
      expect(body.components.map((c) => `${c.name} ${c.status}`).sort()).toEqual(['qdrant healthy', 'redis healthy']);
      expect(body.status).toBe('healthy');
    });

    it('serves a search through the bundled raw-http pool, then from the cache', async () => {
      const search = () => fetch(`${url}/api/v1/vectors/search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': KEY },
        body: JSON.stringify({ collection: 'test', query_vector: [0.1, 0.2, 0.3], limit: 1 }),
      });
      const first = await search();
      const body = (await first.json()) as { results: Array<{ id: number; score: number }>; cached: boolean };
      expect(first.status, JSON.stringify(body)).toBe(200);
      expect(body.results).toEqual([{ id: 1, score: 0.9 }]);
      expect(qdrant.calls).toContain('POST /collections/test/points/query');
      // the fill rides on the next lookup: ask until the answer comes from Redis
      let cached = false;
      for (let i = 0; i < 20 && !cached; i++) cached = ((await (await search()).json()) as { cached: boolean }).cached;
      expect(cached).toBe(true);
    });

    // fetch's idle keep-alive connections are still open: the slot waits until they have been
    // idle 11 s (src/slot/listeners.ts) before it closes them, so this takes that long
    it('drains and exits 0 on SIGTERM (the image\'s STOPSIGNAL)', async () => {
      const exited = new Promise<number | null>((r) => gateway.once('exit', (code) => r(code)));
      gateway.kill('SIGTERM');
      expect(await exited).toBe(0);
    });
  });
});

describe('the build context (.dockerignore at the repository root)', () => {
  // the same matcher testcontainers applies when it builds the image (Docker's own semantics)
  const ignore = dockerignore({ ignorecase: false }).add(readFileSync(join(REPO, '.dockerignore'), 'utf8'));
  const sent = (path: string): boolean => ignore.filter([path]).length === 1;

  it('sends every file the Dockerfile copies from the context', () => {
    const copied = readDockerfile(DOCKERFILE)
      .flatMap((s) => s.instructions)
      .filter((i) => i.keyword === 'COPY')
      .map((i) => parseCopy(i.args))
      .filter((c) => c.from === null)
      .flatMap((c) => c.sources);
    expect(copied.length).toBeGreaterThan(0);
    for (const source of copied) {
      const files = statSync(join(REPO, source)).isDirectory()
        ? readdirSync(join(REPO, source), { recursive: true, withFileTypes: true }).filter((e) => e.isFile() && !e.parentPath.includes('node_modules')).map((e) => posix.join(source, posix.relative(join(REPO, source), e.parentPath).split('\\').join('/'), e.name))
        : [source];
      for (const file of files) expect(sent(file), `${file} (COPY ${source})`).toBe(true);
    }
  });

  it('sends none of the suite, of qdrant-local, or of installs and state', () => {
    for (const path of ['src/cli/readiness.ts', 'readiness/health.spec.ts', 'fixtures/src/generator.ts', 'test/unit/results/model.test.ts', 'reports/render/html.ts', 'sut/qdrant-local/qdrant_local/app.py', '.stack/stack.json', 'node_modules/fastify/package.json', 'sut/gateway/node_modules/x/package.json', 'sut/qdrant-local/.venv/bin/python', '.git/HEAD']) {
      expect(sent(path), path).toBe(false);
    }
  });
});

describe('docker-compose.test.yml builds this Dockerfile', () => {
  it('from the repository root, reachable on the port the image listens on (published, or on the host network on loopback)', () => {
    const compose = parseYaml(readFileSync(join(REPO, 'docker-compose.test.yml'), 'utf8')) as {
      services: { gateway: { build: { context: string; dockerfile: string }; environment: Record<string, string>; ports?: string[]; network_mode?: string } };
    };
    const gw = compose.services.gateway;
    expect(resolve(REPO, gw.build.context)).toBe(REPO);
    expect(resolve(REPO, gw.build.dockerfile)).toBe(DOCKERFILE);
    const port = gw.environment.GATEWAY_PORT ?? parseEnv(readDockerfile(DOCKERFILE).at(-1)?.instructions.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' ') ?? '').GATEWAY_PORT;
    if (gw.network_mode === 'host') {
      // on the host's network it listens where the compose recipe's VDB_GATEWAY_URL points, on loopback only
      expect(gw.environment.GATEWAY_HOST).toBe('127.0.0.1');
      expect(readFileSync(join(REPO, 'docker-compose.test.yml'), 'utf8')).toContain(`VDB_GATEWAY_URL=http://127.0.0.1:${port}`);
    } else {
      expect((gw.ports ?? []).some((p) => p.endsWith(`:${port}`)), `a port published to container port ${port}`).toBe(true);
    }
  });
});
