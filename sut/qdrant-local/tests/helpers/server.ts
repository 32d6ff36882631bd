/**
 * The server under test for qdrant-local's tests and benchmark: a real `qdrant` when QDRANT_BIN
 * is set or one is on PATH (the same tests must pass against it), else qdrant-local in the venv
 * that `bin/ensure-venv` makes. Always on loopback, on a free port, in the caller's directories;
 * stopped with SIGTERM to its process group, a grace period, then SIGKILL. Imports nothing outside
 * sut/qdrant-local but the shared @vdb-readiness/local-process (ports, process groups, waiting).
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort, startProcessGroup, stopProcessGroup, tailLog, waitUntil } from '@vdb-readiness/local-process';

/** sut/qdrant-local. */
export const QDRANT_LOCAL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const ENSURE_VENV = join(QDRANT_LOCAL_DIR, 'bin', 'ensure-venv');
const READY_TIMEOUT_MS = 90_000;
/** Qdrant flushes every collection on SIGTERM before it exits: give it time before SIGKILL. */
export const STOP_GRACE_MS = 30_000;

/** Exit codes for whoever turns a ServerError into a process exit (the bench). */
export const EXIT = { usage: 2, unreachable: 3, missingTool: 4 } as const;

/** A failure meant for a person: one line naming the fix, an exit code, maybe a log tail. */
export class ServerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'ServerError';
  }
}

export type Engine = 'qdrant' | 'qdrant-local';
export type Runtime = { engine: 'qdrant'; bin: string } | { engine: 'qdrant-local'; python: string };

export interface ServerInfo {
  url: string;
  engine: Engine;
  version: string;
  pid: number;
  log: string;
  storagePath: string;
}

export interface StartedServer {
  info: ServerInfo;
  stop(): Promise<void>;
}

export interface ServerOptions {
  storagePath: string;
  logPath: string;
  /** Default `<storagePath>/../snapshots`. */
  snapshotsPath?: string;
  apiKey?: string;
  /** Loopback only; default 127.0.0.1. */
  host?: string;
  /** Default: a free port. */
  port?: number;
}

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {
      // not here
    }
  }
  return null;
}

/** A real Qdrant binary from `QDRANT_BIN` or PATH, else null. */
export function findQdrantBinary(): string | null {
  const fromEnv = process.env.QDRANT_BIN;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ServerError(`QDRANT_BIN=${fromEnv} does not exist: point it at a qdrant binary, or unset it to use qdrant-local`);
    return fromEnv;
  }
  return onPath('qdrant');
}

/**
 * qdrant-local's venv python, made (or re-made after requirements.txt changed) by
 * `bin/ensure-venv`. Its progress lines go to stderr; a failure is one ServerError.
 */
export async function ensureVenv(): Promise<string> {
  const child = spawn('bash', [ENSURE_VENV], { cwd: QDRANT_LOCAL_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
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
  const code = await new Promise<number | null>((done, reject) => {
    child.once('error', reject);
    child.once('close', (c) => done(c));
  });
  lines.close();
  const python = stdout.trim().split('\n').pop() ?? '';
  if (code === 0 && python && existsSync(python)) return python;
  // ensure-venv: 3 no python3 >= 3.10, 4 no venv/pip, 5 pip install failed: a missing tool.
  const exitCode = code !== null && [3, 4, 5].includes(code) ? EXIT.missingTool : EXIT.usage;
  throw new ServerError(message ?? `${ENSURE_VENV} failed (exit ${code}): run it by hand to see why`, exitCode, details);
}

/** What the server under test runs on: a real qdrant if there is one, else qdrant-local's venv. */
export async function serverRuntime(): Promise<Runtime> {
  const bin = findQdrantBinary();
  if (bin) return { engine: 'qdrant', bin };
  return { engine: 'qdrant-local', python: await ensureVenv() };
}

/**
 * Starts `command` in its own process group (so that stopping it also stops its workers), stdout
 * and stderr appended to `logPath`. Returns its pid; does not wait for anything.
 */
function spawnProcess(opts: { name: string; command: string; args: string[]; logPath: string; env: NodeJS.ProcessEnv; cwd: string }): number {
  const pid = startProcessGroup(opts);
  if (pid === null) throw new ServerError(`${opts.name} could not be started (${opts.command}): is it installed?`, EXIT.missingTool);
  return pid; // an error after this is seen by the liveness check while waiting for ready
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once none of it is alive. */
export function stopProcess(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  return stopProcessGroup(pid, graceMs);
}

function assertLoopback(host: string): void {
  if (host !== 'localhost' && host !== '::1' && !/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    throw new ServerError(`the server under test listens on loopback only, not ${host}: use 127.0.0.1`);
  }
}

/**
 * Spawns the server under test on `opts.port` without waiting for it (for tests that watch it
 * start). The API key goes through the environment, never argv (visible in `ps`).
 */
export async function spawnServer(runtime: Runtime, opts: ServerOptions & { port: number; grpcPort?: number }): Promise<number> {
  const host = opts.host ?? '127.0.0.1';
  assertLoopback(host);
  const snapshotsPath = opts.snapshotsPath ?? join(opts.storagePath, '..', 'snapshots');
  mkdirSync(opts.storagePath, { recursive: true });
  mkdirSync(snapshotsPath, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    QDRANT__SERVICE__HOST: host,
    QDRANT__SERVICE__HTTP_PORT: String(opts.port),
    QDRANT__SERVICE__GRPC_PORT: String(opts.grpcPort ?? (await freePort(host))),
    QDRANT__STORAGE__STORAGE_PATH: opts.storagePath,
    QDRANT__STORAGE__SNAPSHOTS_PATH: snapshotsPath,
    QDRANT__TELEMETRY_DISABLED: 'true',
    ...(opts.apiKey ? { QDRANT__SERVICE__API_KEY: opts.apiKey } : {}),
  };
  if (runtime.engine === 'qdrant') {
    return spawnProcess({ name: 'qdrant', command: runtime.bin, args: [], env, cwd: join(opts.storagePath, '..'), logPath: opts.logPath });
  }
  return spawnProcess({
    name: 'qdrant-local',
    command: runtime.python,
    args: ['-m', 'qdrant_local', '--host', host, '--port', String(opts.port), '--storage-path', opts.storagePath, '--snapshots-path', snapshotsPath],
    env: { ...env, PYTHONPATH: QDRANT_LOCAL_DIR, PYTHONUNBUFFERED: '1' },
    cwd: QDRANT_LOCAL_DIR,
    logPath: opts.logPath,
  });
}

async function readyz(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

/** Starts the server under test and waits for `/readyz` 200 (failing fast, with its log, if it dies). */
export async function startServer(opts: ServerOptions): Promise<StartedServer> {
  const runtime = await serverRuntime();
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const pid = await spawnServer(runtime, { ...opts, host, port });
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let version = 'unknown';
  try {
    const outcome = await waitUntil({ probe: () => readyz(url), timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, pid });
    if (outcome === 'exited') throw new ServerError(`${runtime.engine} exited during start-up (log: ${opts.logPath}); its last log lines:`, EXIT.unreachable, tailLog(opts.logPath));
    if (outcome === 'timeout') {
      throw new ServerError(`${runtime.engine} did not become ready within ${READY_TIMEOUT_MS / 1000} s (log: ${opts.logPath}); its last log lines:`, EXIT.unreachable, tailLog(opts.logPath));
    }
    const root = (await (await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) })).json()) as { version?: string };
    version = root.version ?? version;
  } catch (err) {
    await stopProcess(pid);
    throw err;
  }
  return {
    info: { url, engine: runtime.engine, version, pid, log: opts.logPath, storagePath: opts.storagePath },
    stop: () => stopProcess(pid, STOP_GRACE_MS),
  };
}
