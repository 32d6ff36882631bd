import { spawn } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { QdrantInfo, StartedService } from '../types.ts';
import { freePort, stopProcessGroup } from '@vdb-readiness/local-process';
import { httpOk, spawnService, waitForReady } from '../process.ts';
import { findExecutable } from '../system-tools.ts';
import { MissingToolError, UserError } from '../../util/errors.ts';
import { ExitCode } from '../../util/exit-codes.ts';
import { REPO_ROOT, venvDir } from '../../util/paths.ts';

export const QDRANT_SEED_PORT = 6333;
export const QDRANT_GRPC_SEED_PORT = 6334;
export const QDRANT_LOCAL_DIR = join(REPO_ROOT, 'sut', 'qdrant-local');
/** qdrant-local's own script that makes its venv and prints its python (exit codes in its header). */
const ENSURE_VENV = join(QDRANT_LOCAL_DIR, 'bin', 'ensure-venv');
const READY_TIMEOUT_MS = 90_000;
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

/** Venv failures by ensure-venv's exit code (see its header): a missing tool, or a plain usage error. */
const ENSURE_VENV_MISSING_TOOL = new Set([3, 4, 5]);

/**
 * Runs qdrant-local's own `bin/ensure-venv` (it creates the venv from its pinned requirements,
 * again when they change, one builder at a time) and returns the venv's python. Progress lines
 * go to our stderr as they come; a failure becomes one UserError with the script's line.
 */
async function ensureQdrantLocalVenv(): Promise<string> {
  const child = spawn('bash', [ENSURE_VENV, '--venv', venvDir()], { cwd: QDRANT_LOCAL_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let message: string | undefined;
  const details: string[] = [];
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    if (line.startsWith('error: ')) message = line.slice('error: '.length);
    else if (message !== undefined && line.startsWith('  ')) details.push(line.slice(2));
    else if (line.trim()) console.error(line);
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new MissingToolError('bash is missing: install bash (it runs sut/qdrant-local/bin/ensure-venv), or set QDRANT_BIN to a qdrant binary') : err),
    );
    child.once('close', (c, s) => resolve([c, s]));
  });
  lines.close();
  if (code === 0) {
    const python = stdout.trim().split('\n').pop() ?? '';
    if (python && existsSync(python)) return python;
    throw new UserError(`${ENSURE_VENV} printed no python path (got ${JSON.stringify(stdout.trim())}): run it by hand to see why`);
  }
  const line = message ?? `${ENSURE_VENV} failed (${signal ? `signal ${signal}` : `exit ${code}`}): run it by hand to see why`;
  if (code !== null && ENSURE_VENV_MISSING_TOOL.has(code)) throw new MissingToolError(line, details);
  throw new UserError(line, ExitCode.Usage, details);
}

/**
 * Makes the Qdrant engine runnable: a real binary when one is configured or on PATH, else
 * qdrant-local's Python virtual environment, which qdrant-local's own `bin/ensure-venv` makes.
 */
export async function ensureQdrantRuntime(): Promise<QdrantRuntime> {
  const bin = findQdrantBinary();
  if (bin) return { engine: 'qdrant', bin };
  return { engine: 'qdrant-local', python: await ensureQdrantLocalVenv() };
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
