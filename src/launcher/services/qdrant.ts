import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { QdrantInfo, StartedService } from '../types.ts';
import { freePort } from '../ports.ts';
import { httpOk, isAlive, spawnService, stopProcessGroup, waitForReady } from '../process.ts';
import { findExecutable } from '../system-tools.ts';
import { MissingToolError, UserError } from '../../util/errors.ts';
import { REPO_ROOT, venvDir } from '../../util/paths.ts';

export const QDRANT_SEED_PORT = 6333;
export const QDRANT_GRPC_SEED_PORT = 6334;
export const QDRANT_LOCAL_DIR = join(REPO_ROOT, 'sut', 'qdrant-local');
const REQUIREMENTS = join(QDRANT_LOCAL_DIR, 'requirements.txt');
const READY_TIMEOUT_MS = 90_000;
const VENV_LOCK_WAIT_MS = 15 * 60_000;
/** Qdrant flushes every collection on SIGTERM before it exits: give it time before SIGKILL. */
export const QDRANT_STOP_GRACE_MS = 30_000;

export type QdrantRuntime = { engine: 'qdrant'; bin: string } | { engine: 'qdrant-local'; python: string };

/** A real Qdrant binary from `QDRANT_BIN` or PATH, else null. */
export function findQdrantBinary(): string | null {
  const fromEnv = process.env.QDRANT_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new UserError(`QDRANT_BIN=${fromEnv} does not exist: point it at a qdrant binary, or unset it to use qdrant-local`);
    return fromEnv;
  }
  return findExecutable('qdrant');
}

function requirementsHash(): string {
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
}

function checkPython(): string {
  const python = findExecutable('python3');
  if (!python) throw new MissingToolError('python3 is missing: install Python >= 3.10 (e.g. `apt-get install -y python3 python3-venv`), or set QDRANT_BIN to a qdrant binary');
  const r = spawnSync(python, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
  const [major, minor] = (r.stdout ?? '').trim().split('.').map(Number);
  if (r.status !== 0 || major !== 3 || minor < 10) {
    throw new MissingToolError(`qdrant-local needs Python >= 3.10 with the venv module (found: ${(r.stdout || r.stderr || 'none').trim()}): install python3 and python3-venv`);
  }
  return python;
}

async function withVenvLock<T>(dir: string, fn: () => T): Promise<T> {
  const lock = `${dir}.lock`;
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + VENV_LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      break;
    } catch {
      const owner = Number(readFileSafe(join(lock, 'pid')));
      if (owner && !isAlive(owner)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new UserError(`another process holds ${lock} (creating the qdrant-local venv): wait for it, or remove the folder`);
      await sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/**
 * Makes the Qdrant engine runnable: a real binary when one is configured or on PATH, else
 * qdrant-local's Python virtual environment (created from the pinned requirements, and
 * re-created when they change).
 */
export async function ensureQdrantRuntime(): Promise<QdrantRuntime> {
  const bin = findQdrantBinary();
  if (bin) return { engine: 'qdrant', bin };
  const dir = venvDir();
  const python = join(dir, 'bin', 'python');
  const stamp = join(dir, '.requirements.sha256');
  const wanted = requirementsHash();
  if (existsSync(python) && readFileSafe(stamp) === wanted) return { engine: 'qdrant-local', python };
  const system = checkPython();
  await withVenvLock(dir, () => {
    if (existsSync(python) && readFileSafe(stamp) === wanted) return;
    console.error(`Creating the qdrant-local Python environment in ${dir} (once; about a minute)…`);
    rmSync(dir, { recursive: true, force: true });
    const mk = spawnSync(system, ['-m', 'venv', dir], { encoding: 'utf8' });
    if (mk.status !== 0) throw new MissingToolError(`python3 -m venv failed (${mk.stderr.trim().split('\n').pop()}): install python3-venv`);
    const pip = spawnSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', '-r', REQUIREMENTS], { encoding: 'utf8' });
    if (pip.status !== 0) {
      throw new MissingToolError(`pip install -r ${REQUIREMENTS} failed: check access to PyPI`, pip.stderr.trim().split('\n').slice(-5));
    }
    writeFileSync(stamp, wanted);
  });
  return { engine: 'qdrant-local', python };
}

export interface QdrantStartOptions {
  host?: string;
  port?: number;
  grpcPort?: number;
  storagePath: string;
  snapshotsPath?: string;
  apiKey?: string;
  logPath: string;
}

export async function qdrantReady(url: string, timeoutMs = 2000): Promise<boolean> {
  return httpOk(`${url}/readyz`, { timeoutMs });
}

/** Starts Qdrant (real binary or qdrant-local) on loopback and waits for `/readyz`. */
export async function startQdrant(opts: QdrantStartOptions): Promise<StartedService<QdrantInfo>> {
  const runtime = await ensureQdrantRuntime();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const grpcPort = opts.grpcPort ?? (await freePort(host));
  const snapshotsPath = opts.snapshotsPath ?? join(opts.storagePath, '..', 'snapshots');
  mkdirSync(opts.storagePath, { recursive: true });
  mkdirSync(snapshotsPath, { recursive: true });
  // The key goes through the environment, never argv (visible in `ps`).
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QDRANT__SERVICE__HOST: host,
    QDRANT__SERVICE__HTTP_PORT: String(port),
    QDRANT__SERVICE__GRPC_PORT: String(grpcPort),
    QDRANT__STORAGE__STORAGE_PATH: opts.storagePath,
    QDRANT__STORAGE__SNAPSHOTS_PATH: snapshotsPath,
    QDRANT__TELEMETRY_DISABLED: 'true',
    ...(opts.apiKey ? { QDRANT__SERVICE__API_KEY: opts.apiKey } : {}),
  };
  const pid =
    runtime.engine === 'qdrant'
      ? spawnService({ name: 'qdrant', command: runtime.bin, args: [], env, cwd: join(opts.storagePath, '..'), logPath: opts.logPath })
      : spawnService({
          name: 'qdrant-local',
          command: runtime.python,
          args: ['-m', 'qdrant_local', '--host', host, '--port', String(port), '--storage-path', opts.storagePath, '--snapshots-path', snapshotsPath],
          env: { ...env, PYTHONPATH: QDRANT_LOCAL_DIR, PYTHONUNBUFFERED: '1' },
          cwd: QDRANT_LOCAL_DIR,
          logPath: opts.logPath,
        });
  const url = `http://${host}:${port}`;
  let version = 'unknown';
  try {
    await waitForReady({ name: runtime.engine, probe: () => qdrantReady(url, 1000), timeoutMs: READY_TIMEOUT_MS, pid, logPath: opts.logPath, intervalMs: 200 });
    const root = (await (await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) })).json()) as { version?: string };
    version = root.version ?? version;
  } catch (err) {
    await stopProcessGroup(pid);
    throw err;
  }
  return {
    info: { url, apiKey: opts.apiKey ?? '', engine: runtime.engine, version, storagePath: opts.storagePath, pid, log: opts.logPath },
    stop: () => stopProcessGroup(pid, QDRANT_STOP_GRACE_MS),
  };
}
