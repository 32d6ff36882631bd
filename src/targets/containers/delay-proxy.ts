import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { freePort } from '@vdb-readiness/local-process';
import { REPO_ROOT } from '../../util/paths.ts';
import { labelArgs } from './cleanup.ts';
import { dockerOk, lastLines } from './docker.ts';
import type { QdrantDelay } from './service-control.ts';

/**
 * Where the kernel has no netem (tc), the containers target slows Qdrant with Toxiproxy (Shopify's
 * TCP proxy for faults, a Go module) put between the gateway and Qdrant: Qdrant answers as
 * `qdrant-upstream` on the stack's network, the proxy as `qdrant` (what the gateway dials), and
 * `on` adds a latency toxic to what Qdrant sends back (the direction netem delays), `off` removes it.
 * The binary is built on the host from the pinned module (`delay-proxy/go.mod`, `go.sum`) once per
 * version, static, and run bind-mounted in an image the target has anyway: no new image, no pull.
 * `VDB_TOXIPROXY_BIN` names a toxiproxy-server binary (static, linux) to use instead of building one.
 */
export const UPSTREAM_ALIAS = 'qdrant-upstream';
const MODULE_DIR = join(REPO_ROOT, 'src', 'targets', 'containers', 'delay-proxy');
const PACKAGE = 'github.com/Shopify/toxiproxy/v2/cmd/server';
const API_PORT = 8474;
const PROXY = 'qdrant';
const TOXIC = 'qdrant-speed';
const BUILD_TIMEOUT_MS = 300_000;

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: opts.cwd, env: opts.env, timeout: opts.timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (!err) return resolve();
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not on PATH` : err.killed ? `timed out after ${opts.timeoutMs / 1000} s` : lastLines(String(stderr || stdout) || err.message);
      reject(new Error(`${cmd} ${args.slice(0, 1).join(' ')}: ${why}`));
    });
  });
}

/** The toxiproxy-server binary: VDB_TOXIPROXY_BIN, or built once per go.sum into node_modules/.cache. */
export async function toxiproxyBinary(log: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.VDB_TOXIPROXY_BIN) {
    if (!existsSync(env.VDB_TOXIPROXY_BIN)) throw new Error(`VDB_TOXIPROXY_BIN=${env.VDB_TOXIPROXY_BIN} does not exist`);
    return env.VDB_TOXIPROXY_BIN;
  }
  const hash = createHash('sha256').update(readFileSync(join(MODULE_DIR, 'go.mod'))).update(readFileSync(join(MODULE_DIR, 'go.sum'))).digest('hex').slice(0, 12);
  const dir = join(REPO_ROOT, 'node_modules', '.cache', 'vdb-readiness', `toxiproxy-${hash}`);
  const bin = join(dir, 'toxiproxy-server');
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const t0 = Date.now();
  log(`containers: building toxiproxy-server (the Qdrant delay proxy) with go from ${MODULE_DIR}`);
  try {
    // Static (no cgo), so it runs in any image; the module's go.sum pins every dependency.
    await run('go', ['build', '-trimpath', '-o', tmp, PACKAGE], {
      cwd: MODULE_DIR,
      env: { ...process.env, CGO_ENABLED: '0', GOOS: 'linux', GOWORK: 'off', GOFLAGS: '-mod=readonly' },
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    chmodSync(tmp, 0o755);
    renameSync(tmp, bin);
  } finally {
    rmSync(tmp, { force: true });
  }
  log(`containers: built toxiproxy-server in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return bin;
}

/** `on(ms)`: every chunk Qdrant sends is held back `ms` before it is passed on; `off`: none (idempotent). */
export interface DelayProxy extends QdrantDelay {
  via: 'proxy';
  id: string;
  /** Toxiproxy's API on the host (127.0.0.1). */
  apiUrl: string;
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    signal: AbortSignal.timeout(10_000),
  });
}

async function apiOk(base: string, method: string, path: string, body?: unknown, alsoOk: number[] = []): Promise<void> {
  const r = await api(base, method, path, body);
  if (!r.ok && !alsoOk.includes(r.status)) throw new Error(`toxiproxy ${method} ${path}: ${r.status} ${(await r.text()).slice(0, 200)}`);
}

/**
 * Starts the proxy container on `network` as `qdrant`, forwarding to `qdrant-upstream:6333`, with
 * the run's labels (removed with the run). Its API is published on 127.0.0.1 only.
 */
export async function startDelayProxy(opts: { binary: string; image: string; network: string; labels: Record<string, string>; name: string }): Promise<DelayProxy> {
  const port = await freePort('127.0.0.1');
  const id = await dockerOk(
    [
      'run', '-d',
      '--name', opts.name,
      ...labelArgs(opts.labels),
      '--network', opts.network,
      '--network-alias', PROXY,
      '--publish', `127.0.0.1:${port}:${API_PORT}`,
      '--mount', `type=bind,source=${opts.binary},target=/toxiproxy-server,readonly`,
      '--user', '65534:65534',
      '--entrypoint', '/toxiproxy-server',
      opts.image,
      '-host', '0.0.0.0', '-port', String(API_PORT),
    ],
    { timeoutMs: 60_000 },
  );
  const apiUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await api(apiUrl, 'GET', '/version').then((r) => r.ok, () => false))) {
    if (Date.now() > deadline) {
      const logs = await dockerOk(['logs', '--tail', '5', id]).catch(() => '');
      throw new Error(`the Qdrant delay proxy (toxiproxy) does not answer ${apiUrl}/version after 30 s: ${logs.replace(/\s+/g, ' ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await apiOk(apiUrl, 'POST', '/proxies', { name: PROXY, listen: '0.0.0.0:6333', upstream: `${UPSTREAM_ALIAS}:6333`, enabled: true });
  return {
    via: 'proxy',
    id,
    apiUrl,
    async on(ms) {
      await apiOk(apiUrl, 'DELETE', `/proxies/${PROXY}/toxics/${TOXIC}`, undefined, [404]);
      await apiOk(apiUrl, 'POST', `/proxies/${PROXY}/toxics`, { name: TOXIC, type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: ms, jitter: 0 } });
    },
    async off() {
      await apiOk(apiUrl, 'DELETE', `/proxies/${PROXY}/toxics/${TOXIC}`, undefined, [404]);
    },
  };
}
