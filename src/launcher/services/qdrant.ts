import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { QdrantInfo, StartedService } from '../types.ts';
import { freePort, stopProcessGroup } from '@vdb-readiness/local-process';
import { httpOk, spawnService, waitForReady } from '../process.ts';
import { MissingToolError, UserError } from '../../util/errors.ts';
import { ExitCode } from '../../util/exit-codes.ts';
import { REPO_ROOT, venvDir } from '../../util/paths.ts';

export const QDRANT_SEED_PORT = 6333;
export const QDRANT_GRPC_SEED_PORT = 6334;
export const QDRANT_LOCAL_DIR = join(REPO_ROOT, 'sut', 'qdrant-local');
/**
 * qdrant-local's own script that finds the engine (a real qdrant from QDRANT_BIN or PATH, else
 * qdrant-local in the venv it has bin/ensure-venv make), sets Qdrant's environment and execs it
 * (options and exit codes in its header).
 */
const SERVE = join(QDRANT_LOCAL_DIR, 'bin', 'serve');
const READY_TIMEOUT_MS = 90_000;
/** Qdrant flushes every collection on SIGTERM before it exits: give it time before SIGKILL. */
export const QDRANT_STOP_GRACE_MS = 30_000;

export type QdrantRuntime = { engine: 'qdrant'; bin: string } | { engine: 'qdrant-local'; python: string };

/**
 * serve's failures by exit code (see its header): ensure-venv's missing tool (3 no python3, 4 no
 * venv / pip, 5 pip install failed), or a plain usage error (2, 6 the venv's lock, 7 QDRANT_BIN).
 */
const SERVE_MISSING_TOOL = new Set([3, 4, 5]);

/**
 * Runs `bin/serve --which` (with `args`, which it checks): it picks the engine and, for
 * qdrant-local, makes the venv from its pinned requirements (again when they change, one builder
 * at a time). Progress lines go to our stderr as they come; a failure becomes one UserError with
 * the script's line.
 */
async function whichQdrant(args: string[]): Promise<QdrantRuntime> {
  const child = spawn('bash', [SERVE, '--which', ...args], { cwd: QDRANT_LOCAL_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
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
      reject(err.code === 'ENOENT' ? new MissingToolError('bash is missing: install bash (it runs sut/qdrant-local/bin/serve, which starts Qdrant)') : err),
    );
    child.once('close', (c, s) => resolve([c, s]));
  });
  lines.close();
  if (code === 0) {
    // One line: `qdrant /path/to/qdrant` or `qdrant-local /path/to/python` (a path may hold spaces).
    const answer = stdout.trim().split('\n').pop() ?? '';
    const space = answer.indexOf(' ');
    const [engine, path] = space > 0 ? [answer.slice(0, space), answer.slice(space + 1)] : [answer, ''];
    if (engine === 'qdrant' && path) return { engine, bin: path };
    if (engine === 'qdrant-local' && path) return { engine, python: path };
    throw new UserError(`${SERVE} --which printed ${JSON.stringify(stdout.trim())}, not an engine and its path: run it by hand to see why`);
  }
  const line = message ?? `${SERVE} failed (${signal ? `signal ${signal}` : `exit ${code}`}): run it by hand to see why`;
  if (code !== null && SERVE_MISSING_TOOL.has(code)) throw new MissingToolError(line, details);
  throw new UserError(line, ExitCode.Usage, details);
}

/**
 * Makes the Qdrant engine runnable: a real binary when one is configured or on PATH, else
 * qdrant-local's Python virtual environment (qdrant-local's `bin/serve --which` decides, and
 * has its `bin/ensure-venv` make the venv).
 */
export function ensureQdrantRuntime(): Promise<QdrantRuntime> {
  return whichQdrant(['--venv', venvDir()]);
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

/**
 * Starts Qdrant (real binary or qdrant-local) on loopback through qdrant-local's `bin/serve`
 * and waits for `/readyz`. serve execs the engine, so the pid started here is the server's.
 */
export async function startQdrant(opts: QdrantStartOptions): Promise<StartedService<QdrantInfo>> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const grpcPort = opts.grpcPort ?? (await freePort(host));
  const args = ['--host', host, '--port', String(port), '--grpc-port', String(grpcPort), '--storage', opts.storagePath, '--venv', venvDir()];
  if (opts.snapshotsPath) args.push('--snapshots', opts.snapshotsPath);
  // First with --which: it checks the options and makes the venv, so that a failure is one line
  // here (not a log tail) and a first venv build does not eat into the ready timeout.
  const runtime = await whichQdrant(args);
  // The key goes through the environment, never argv (visible in `ps`).
  const env: NodeJS.ProcessEnv = { ...process.env, ...(opts.apiKey ? { QDRANT__SERVICE__API_KEY: opts.apiKey } : {}) };
  const pid = spawnService({ name: runtime.engine, command: 'bash', args: [SERVE, ...args], env, cwd: QDRANT_LOCAL_DIR, logPath: opts.logPath });
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
