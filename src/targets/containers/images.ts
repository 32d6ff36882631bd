import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { REPO_ROOT } from '../../util/paths.ts';
import { GATEWAY_DOCKERFILE, NODE_BASE_IMAGE, QDRANT_IMAGE, REDIS_IMAGE, nodeLineOf } from '../images.ts';
import { docker, dockerStream, imagePresent, lastLines } from './docker.ts';

export const IMAGE_LABEL = 'vdb-readiness.image';
export const STAND_IN_LABEL = 'vdb-readiness.stand-in-for';

export type ImageRole = 'redis' | 'qdrant' | 'gateway' | 'nginx';

export interface ResolvedImage {
  role: ImageRole;
  ref: string;
  /** The pinned image this one stands in for, when it was built locally instead. */
  standInFor?: string;
  /** Qdrant only: qdrant-local (the project's own Qdrant-compatible server), not Qdrant itself. */
  engine?: 'qdrant' | 'qdrant-local';
}

export interface ImageSet {
  redis: ResolvedImage;
  qdrant: ResolvedImage;
  gateway: ResolvedImage;
  nginx: ResolvedImage;
  /** Images built by this call (0 when every one was pulled or already there). */
  built: string[];
  /** One line per stand-in: `redis:7.4.6-alpine → vdb-readiness/redis:… (Debian's redis-server)`. */
  standIns: string[];
}

export interface ImageOptions {
  log?: (line: string) => void;
  /** How long one `docker pull` of a pinned image may take before it counts as unavailable. */
  pullTimeoutMs?: number;
  /** Never try a pull: build every stand-in (VDB_CONTAINERS_PULL=never). */
  noPull?: boolean;
  /** Debian mirror for the base image (default: the host's, see sut/images/base/build.sh). */
  mirror?: string;
}

const IMAGES_DIR = join(REPO_ROOT, 'sut', 'images');
const SKIP_DIRS = new Set(['node_modules', '.venv', '__pycache__', 'dist', '.pytest_cache', '.mypy_cache', '.stack']);

/** sha256 over the files under `paths` (relative path and bytes, sorted), and any extra strings. */
export function contentHash(root: string, paths: string[], extra: string[] = []): string {
  const files: string[] = [];
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) if (!SKIP_DIRS.has(name) && !name.endsWith('.lock')) walk(join(p, name));
    } else if (st.isFile()) files.push(p);
  };
  for (const p of paths) if (existsSync(join(root, p))) walk(join(root, p));
  const h = createHash('sha256');
  for (const e of extra) h.update(`extra\0${e}\0`);
  for (const f of files.sort()) h.update(`${relative(root, f)}\0`).update(readFileSync(f)).update('\0');
  return h.digest('hex').slice(0, 12);
}

async function pullable(ref: string, opts: ImageOptions): Promise<boolean> {
  if (await imagePresent(ref)) return true;
  if (opts.noPull) return false;
  const r = await docker(['pull', ref], { timeoutMs: opts.pullTimeoutMs ?? 20_000 });
  if (r.code === 0) return true;
  opts.log?.(`containers: ${ref} cannot be pulled (${r.code === 124 ? 'timed out' : lastLines(r.stderr, 1)})`);
  return false;
}

/** Builds `tag` with `build` unless an image of that tag exists already (the tag is a content hash). */
async function buildOnce(tag: string, what: string, built: string[], opts: ImageOptions, build: () => Promise<void>): Promise<string> {
  if (await imagePresent(tag)) return tag;
  const t0 = Date.now();
  opts.log?.(`containers: building ${tag} (${what})`);
  await build();
  built.push(tag);
  opts.log?.(`containers: built ${tag} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return tag;
}

const labels = (role: string, standInFor?: string): string[] => [
  '--label',
  `${IMAGE_LABEL}=${role}`,
  ...(standInFor ? ['--label', `${STAND_IN_LABEL}=${standInFor}`] : []),
];

function dockerBuild(args: string[], cwd: string): Promise<void> {
  return dockerStream('docker', ['build', '--quiet', '--force-rm', ...args], { cwd, env: { ...process.env, DOCKER_BUILDKIT: '0' } });
}

/** A Debian bookworm base: debootstrap + docker import (sut/images/base/build.sh). */
async function baseImage(built: string[], opts: ImageOptions): Promise<string> {
  const script = join(IMAGES_DIR, 'base', 'build.sh');
  const hostCas = contentHash('/usr/local/share', ['ca-certificates']);
  const tag = `vdb-readiness/base:bookworm-${contentHash(IMAGES_DIR, ['base'], [opts.mirror ?? '', hostCas])}`;
  return buildOnce(tag, 'Debian bookworm by debootstrap', built, opts, () => dockerStream('bash', [script, tag, ...(opts.mirror ? [opts.mirror] : [])]));
}

/**
 * A Node.js of the pinned base's line on the project's Debian base (Debian's nodejs 18 is too old
 * for the gateway): this process's binary when it is of that line, else that line's official build
 * from `scripts/ensure-node.sh`; npm is this host's (it runs on any of the lines).
 */
async function nodeImage(base: string, built: string[], opts: ImageOptions): Promise<{ ref: string; node: string }> {
  const npmDir = join(dirname(dirname(process.execPath)), 'lib', 'node_modules', 'npm');
  if (!existsSync(npmDir)) throw new Error(`no npm beside ${process.execPath} (looked in ${npmDir}): set VDB_GATEWAY_IMAGE to a gateway image instead`);
  const npmVersion = (JSON.parse(readFileSync(join(npmDir, 'package.json'), 'utf8')) as { version: string }).version;
  const nodeBin = nodeOfPinnedLine();
  const nodeVersion = execFileSync(nodeBin, ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
  const nodeSha = createHash('sha256').update(readFileSync(nodeBin)).digest('hex');
  const tag = `vdb-readiness/node:${nodeVersion}-${contentHash(IMAGES_DIR, ['node'], [base, nodeSha, npmVersion])}`;
  const ref = await buildOnce(tag, `Node.js v${nodeVersion} on ${base}`, built, opts, async () => {
    const ctx = mkdtempSync(join(tmpdir(), 'vdb-node-image-'));
    try {
      mkdirSync(join(ctx, 'node', 'bin'), { recursive: true });
      cpSync(nodeBin, join(ctx, 'node', 'bin', 'node'));
      cpSync(npmDir, join(ctx, 'node', 'lib', 'node_modules', 'npm'), { recursive: true, dereference: true });
      cpSync(join(IMAGES_DIR, 'node', 'Dockerfile'), join(ctx, 'Dockerfile'));
      writeFileSync(join(ctx, '.dockerignore'), '');
      await dockerBuild(['--build-arg', `BASE=${base}`, ...labels('node', NODE_BASE_IMAGE), '-t', tag, '.'], ctx);
    } finally {
      rmSync(ctx, { recursive: true, force: true });
    }
  });
  return { ref, node: `v${nodeVersion}` };
}

/** The `node` binary of NODE_BASE_IMAGE's major line. */
function nodeOfPinnedLine(): string {
  const line = nodeLineOf(NODE_BASE_IMAGE);
  if (line === process.versions.node.split('.')[0]) return process.execPath;
  try {
    const bin = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-node.sh'), line], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    return join(bin, 'node');
  } catch (err) {
    const stderr = String((err as { stderr?: unknown }).stderr ?? '').trim().split('\n').pop();
    throw new Error(`no Node.js ${line} for the ${NODE_BASE_IMAGE} stand-in (${stderr || (err as Error).message}): set VDB_GATEWAY_IMAGE to a gateway image instead`);
  }
}

const debianImage = (name: 'redis' | 'nginx', base: string, built: string[], opts: ImageOptions, standInFor?: string): Promise<string> => {
  const tag = `vdb-readiness/${name}:${contentHash(IMAGES_DIR, [name], [base])}`;
  return buildOnce(tag, `Debian's ${name} on ${base}`, built, opts, () =>
    dockerBuild(['--build-arg', `BASE=${base}`, ...labels(name, standInFor), '-t', tag, '.'], join(IMAGES_DIR, name)),
  );
};

/**
 * Every image the containers target runs: the pinned ones where they can be pulled (or are
 * there already), else stand-ins built here from Debian's packages and the project's files,
 * each tagged with a hash of what it was built from, so that a second run builds nothing.
 */
export async function ensureImages(opts: ImageOptions = {}, gatewayOverride: string | null = null): Promise<ImageSet> {
  const built: string[] = [];
  const standIns: string[] = [];
  let base: string | undefined;
  const getBase = async (): Promise<string> => (base ??= await baseImage(built, opts));

  let redis: ResolvedImage = { role: 'redis', ref: REDIS_IMAGE };
  if (!(await pullable(REDIS_IMAGE, opts))) {
    redis = { role: 'redis', ref: await debianImage('redis', await getBase(), built, opts, REDIS_IMAGE), standInFor: REDIS_IMAGE };
    standIns.push(`${REDIS_IMAGE} → ${redis.ref} (Debian's redis-server)`);
  }

  let qdrant: ResolvedImage = { role: 'qdrant', ref: QDRANT_IMAGE, engine: 'qdrant' };
  if (!(await pullable(QDRANT_IMAGE, opts))) {
    const b = await getBase();
    const dir = join(REPO_ROOT, 'sut', 'qdrant-local');
    const tag = `vdb-readiness/qdrant-local:${contentHash(dir, ['Dockerfile', '.dockerignore', 'requirements.txt', 'qdrant_local'], [b])}`;
    await buildOnce(tag, `qdrant-local from sut/qdrant-local on ${b}`, built, opts, () =>
      dockerBuild(['--build-arg', `BASE=${b}`, ...labels('qdrant', QDRANT_IMAGE), '-t', tag, '.'], dir),
    );
    qdrant = { role: 'qdrant', ref: tag, standInFor: QDRANT_IMAGE, engine: 'qdrant-local' };
    standIns.push(`${QDRANT_IMAGE} → ${tag} (qdrant-local, the project's Qdrant-compatible stand-in)`);
  }

  const nginx: ResolvedImage = { role: 'nginx', ref: await debianImage('nginx', await getBase(), built, opts) };

  let gateway: ResolvedImage;
  if (gatewayOverride) gateway = { role: 'gateway', ref: gatewayOverride };
  else {
    let nodeBase = NODE_BASE_IMAGE;
    if (!(await pullable(NODE_BASE_IMAGE, opts))) {
      const stand = await nodeImage(await getBase(), built, opts);
      nodeBase = stand.ref;
      standIns.push(`${NODE_BASE_IMAGE} → ${nodeBase} (Node.js ${stand.node} on Debian bookworm)`);
    }
    const tag = `vdb-readiness/gateway:${contentHash(REPO_ROOT, ['package.json', 'package-lock.json', 'packages', 'sut/gateway', '.dockerignore'], [nodeBase])}`;
    await buildOnce(tag, `${GATEWAY_DOCKERFILE} on ${nodeBase}`, built, opts, () =>
      dockerBuild(['-f', GATEWAY_DOCKERFILE, '--build-arg', `NODE_BASE=${nodeBase}`, ...labels('gateway'), '-t', tag, '.'], REPO_ROOT),
    );
    gateway = { role: 'gateway', ref: tag, ...(nodeBase !== NODE_BASE_IMAGE ? { standInFor: `${GATEWAY_DOCKERFILE} on ${NODE_BASE_IMAGE}` } : {}) };
  }
  return { redis, qdrant, gateway, nginx, built, standIns };
}
