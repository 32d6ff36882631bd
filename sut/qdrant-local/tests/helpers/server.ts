/**
 * The server under test for qdrant-local's tests and benchmark, started through qdrant-local's
 * own `bin/serve`: a real `qdrant` when QDRANT_BIN is set or one is on PATH (the same tests must
 * pass against it), else qdrant-local in the venv that `bin/ensure-venv` makes. Always on
 * loopback, on a free port, in the caller's directories; stopped with SIGTERM to its process
 * group (serve execs the engine, so that is the server's), a grace period, then SIGKILL. Imports
 * nothing outside sut/qdrant-local but the shared @vdb-readiness/local-process.
 */
import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startProcessGroup, stopProcessGroup, tailLog, waitUntil } from '@vdb-readiness/local-process';
import { EXIT, PersonError } from './errors.ts';

/** sut/qdrant-local. */
export const QDRANT_LOCAL_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SERVE = join(QDRANT_LOCAL_DIR, 'bin', 'serve');
const ENSURE_VENV = join(QDRANT_LOCAL_DIR, 'bin', 'ensure-venv');
const READY_TIMEOUT_MS = 90_000;
/** Qdrant flushes every collection on SIGTERM before it exits: give it time before SIGKILL. */
export const STOP_GRACE_MS = 30_000;

export type Engine = 'qdrant' | 'qdrant-local';
/** The engine `bin/serve` runs, and its executable (the qdrant binary, or the venv's python). */
export interface Runtime {
  engine: Engine;
  path: string;
}

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
  /** Loopback only (bin/serve refuses any other); default 127.0.0.1. */
  host?: string;
  /** Default: a free port. */
  port?: number;
  /** bin/serve's `--engine`: default `auto` (QDRANT_BIN, else qdrant on PATH, else qdrant-local). */
  engine?: 'auto' | Engine;
}

/**
 * Runs one of qdrant-local's `bin/` scripts to its end and returns the last line of its stdout.
 * Both speak the same way on stderr: progress lines (passed on here as they come), and on failure
 * one `error: …` line, maybe followed by indented details, which become the PersonError.
 */
async function runBinScript(script: string, args: string[]): Promise<string> {
  const child = spawn('bash', [script, ...args], { cwd: QDRANT_LOCAL_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    // Whole lines only, and nothing from the error line on (that one is thrown).
    const done = err.lastIndexOf('\n') + 1;
    const failed = err.search(/^error: /m);
    const upTo = failed < 0 ? done : Math.min(done, failed);
    if (upTo > 0) process.stderr.write(err.slice(0, upTo));
    err = err.slice(upTo);
  });
  const code = await new Promise<number | null>((done, reject) => {
    child.once('error', reject);
    child.once('close', (c) => done(c));
  });
  const answer = out.join('').trim().split('\n').pop() ?? '';
  if (code === 0 && answer) {
    process.stderr.write(err);
    return answer;
  }
  const [first = '', ...rest] = err.split('\n').filter((l) => l.trim());
  const message = first.startsWith('error: ') ? first.slice('error: '.length) : `${script} failed (exit ${code}): run it by hand to see why`;
  // ensure-venv's (and so serve's) 3 no python3 >= 3.10, 4 no venv/pip, 5 pip install failed: a missing tool.
  const exitCode = code !== null && [3, 4, 5].includes(code) ? EXIT.missingTool : EXIT.usage;
  throw new PersonError(message, exitCode, rest.map((l) => l.replace(/^ {2}/, '')));
}

/**
 * qdrant-local's venv python, made (or re-made after requirements.txt changed) by
 * `bin/ensure-venv` (the bench's Python client runs in it, whichever engine serves).
 */
export function ensureVenv(): Promise<string> {
  return runBinScript(ENSURE_VENV, []);
}

/** bin/serve's options; the API key is not one of them (it goes through the environment). */
function serveArgs(opts: ServerOptions & { port: number; grpcPort: number }): string[] {
  const args = ['--host', opts.host ?? '127.0.0.1', '--port', String(opts.port), '--grpc-port', String(opts.grpcPort), '--storage', opts.storagePath];
  if (opts.engine && opts.engine !== 'auto') args.push('--engine', opts.engine);
  return opts.snapshotsPath ? [...args, '--snapshots', opts.snapshotsPath] : args;
}

/**
 * What the server under test runs on (`bin/serve --which`, which also checks `args`): a real
 * qdrant if there is one, else qdrant-local, whose venv it makes if needed.
 */
export async function serverRuntime(args: string[] = []): Promise<Runtime> {
  const answer = await runBinScript(SERVE, ['--which', ...args]);
  const engine = answer.slice(0, answer.indexOf(' '));
  if (engine !== 'qdrant' && engine !== 'qdrant-local') throw new PersonError(`${SERVE} --which answered ${JSON.stringify(answer)}: run it by hand to see why`);
  return { engine, path: answer.slice(engine.length + 1) };
}

/** SIGTERM to the process group, SIGKILL after `graceMs`; resolves once none of it is alive. */
export function stopProcess(pid: number, graceMs = STOP_GRACE_MS): Promise<void> {
  return stopProcessGroup(pid, graceMs);
}

/** Starts `bin/serve <args>` in its own process group, stdout and stderr appended to `logPath`. */
function spawnServe(args: string[], opts: { apiKey?: string; logPath: string }): number {
  // The API key goes through the environment, never argv (visible in `ps`).
  const env = { ...process.env, ...(opts.apiKey ? { QDRANT__SERVICE__API_KEY: opts.apiKey } : {}) };
  const pid = startProcessGroup({ command: 'bash', args: [SERVE, ...args], env, cwd: QDRANT_LOCAL_DIR, logPath: opts.logPath });
  if (pid === null) throw new PersonError(`${SERVE} could not be started: is bash installed?`, EXIT.missingTool);
  return pid; // an error after this is seen by the liveness check while waiting for ready
}

/** Spawns the server under test on `opts.port` without waiting for it (for tests that watch it start). */
export async function spawnServer(opts: ServerOptions & { port: number; grpcPort?: number }): Promise<number> {
  const grpcPort = opts.grpcPort ?? (await freePort(opts.host ?? '127.0.0.1'));
  return spawnServe(serveArgs({ ...opts, grpcPort }), opts);
}

/** The server's version once `/readyz` answers 200 (from `GET /`), else undefined. */
async function readyVersion(url: string): Promise<string | undefined> {
  const ready = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(1000) });
  await ready.arrayBuffer();
  if (ready.status !== 200) return undefined;
  const root = (await (await fetch(`${url}/`, { signal: AbortSignal.timeout(2000) })).json()) as { version?: string };
  return root.version ?? 'unknown';
}

/** Starts the server under test and waits for `/readyz` 200 (failing fast, with its log, if it dies). */
export async function startServer(opts: ServerOptions): Promise<StartedServer> {
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  const args = serveArgs({ ...opts, host, port, grpcPort: await freePort(host) });
  // --which first: it checks the options and makes the venv if needed, before the ready timeout runs.
  const runtime = await serverRuntime(args);
  const pid = spawnServe(args, opts);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  let version: string | undefined;
  const outcome = await waitUntil({ probe: async () => (version = await readyVersion(url)) !== undefined, timeoutMs: READY_TIMEOUT_MS, intervalMs: 200, pid });
  if (outcome !== 'ready' || version === undefined) {
    const lines = tailLog(opts.logPath);
    await stopProcess(pid);
    const what = outcome === 'exited' ? 'exited during start-up' : `did not become ready within ${READY_TIMEOUT_MS / 1000} s`;
    throw new PersonError(`${runtime.engine} ${what} (log: ${opts.logPath}); its last log lines:`, EXIT.unreachable, lines);
  }
  return {
    info: { url, engine: runtime.engine, version, pid, log: opts.logPath, storagePath: opts.storagePath },
    stop: () => stopProcess(pid, STOP_GRACE_MS),
  };
}
