/**
 * The gateway as a real process (`node --import tsx src/server.ts`, as the launcher starts a
 * slot) on a free loopback port, for the integration tests of what only a process shows:
 * listeners, signals, the service registry over time. With a stub Qdrant and a real Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '@vdb-readiness/local-process';
import { requestOnce } from './http-connection.ts';

const GATEWAY_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SERVER = join(GATEWAY_DIR, 'src', 'server.ts');
const SHIPPED_CONFIG = join(GATEWAY_DIR, 'config');
const START_TIMEOUT_MS = 60_000;

export const TEST_KEY = 'slot-test-key-0123456789abcdef';

export interface GatewayProcess {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Its stdout and stderr so far. */
  output(): string;
  /** Resolves with its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** SIGKILL if still running, and wait for the exit. */
  kill(): Promise<void>;
}

export interface GatewayOptions {
  qdrantUrl: string;
  redisUrl: string;
  configDir?: string;
  env?: Record<string, string>;
  /** Also wait for this unix socket to exist. */
  socket?: string;
}

/** A copy of the shipped configuration with text edits ([file, from, to]); removed by `rm`. */
export function configCopy(edits: Array<[string, string | RegExp, string]>): { dir: string; rm(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'gw-slot-config-'));
  const rm = () => rmSync(dir, { recursive: true, force: true });
  cpSync(SHIPPED_CONFIG, dir, { recursive: true });
  for (const [file, from, to] of edits) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    const next = text.replace(from, to);
    if (next === text) {
      rm();
      throw new Error(`the edit ${String(from)} changed nothing in ${file}`);
    }
    writeFileSync(path, next);
  }
  return { dir, rm };
}

/** Starts the gateway and waits for /health (and the socket, when asked). */
export async function startGateway(opts: GatewayOptions): Promise<GatewayProcess> {
  const port = await freePort('127.0.0.1');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_PORT: String(port),
    QDRANT_URL: opts.qdrantUrl,
    REDIS_URL: opts.redisUrl,
    GATEWAY_API_KEYS: `load=${TEST_KEY}`,
    LOG_LEVEL: 'info',
    ...(opts.configDir ? { GATEWAY_CONFIG_DIR: opts.configDir } : {}),
    ...opts.env,
  };
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], { cwd: GATEWAY_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  const gateway: GatewayProcess = {
    url,
    port,
    pid: child.pid as number,
    child,
    output: () => out,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}:\n${out.slice(-3000)}`);
    // a connection of its own, closed at once: no keep-alive connection left for a drain to wait for
    const ok = await requestOnce({ port }, 'GET', '/health').then((r) => r.status === 200, () => false);
    const socketOk = !opts.socket || (existsSync(opts.socket) && statSync(opts.socket).isSocket());
    // registered once "gateway ready" is logged (after both listeners)
    if (ok && socketOk && out.includes('gateway ready')) return gateway;
    if (Date.now() > deadline) {
      await gateway.kill();
      throw new Error(`the gateway did not get ready within ${START_TIMEOUT_MS} ms:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Polls `probe` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000, what = 'the condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
