/**
 * A real redis-server (the OS package) for the gateway's integration tests: loopback, a free
 * port, its data and log in a temp dir, no persistence. The gateway's tests start their own
 * (with the shared @vdb-readiness/local-process, in a process group of its own); they do not use
 * the suite's launcher.
 */
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort, startProcessGroup, stopProcessGroup, tailLog, waitUntil } from '@vdb-readiness/local-process';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;

export interface RedisServer {
  url: string;
  port: number;
  pid: number;
  /** Its data and log (removed by stop). */
  dir: string;
  /** Stops the server (SIGTERM, then SIGKILL) and removes its temp dir. */
  stop(): Promise<void>;
}

/** redis-server on PATH or in sbin (Debian), or null. */
export function findRedisServer(): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/local/sbin', '/sbin']) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'redis-server'), constants.X_OK);
      return join(dir, 'redis-server');
    } catch {
      // not here
    }
  }
  return null;
}

/** true when the server at `port` answers PING with PONG. */
async function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}

/** stop(): SIGTERM to its process group, then SIGKILL after this. */
const STOP_GRACE_MS = 5000;

/** Starts redis-server; retries on another port when the one picked was taken meanwhile. */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server is not installed: apt-get install -y redis-server (the gateway\'s integration tests start a real one)');
  const dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));
  const logPath = join(dir, 'redis.log');
  const log = () => {
    const lines = tailLog(logPath, 5);
    return lines.length ? lines.join('\n') : '(no log)';
  };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(HOST);
    const pid = startProcessGroup({
      command: bin,
      args: ['--bind', HOST, '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'],
      logPath,
    });
    if (pid === null) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server (${bin}) could not be started`);
    }
    if ((await waitUntil({ probe: () => pong(port), timeoutMs: READY_TIMEOUT_MS, intervalMs: 50, pid })) === 'ready') {
      return {
        url: `redis://${HOST}:${port}`,
        port,
        pid,
        dir,
        stop: async () => {
          await stopProcessGroup(pid, STOP_GRACE_MS);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopProcessGroup(pid, STOP_GRACE_MS);
    const lines = log();
    if (attempt >= 3 || !/Address already in use/i.test(lines)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on ${HOST}:${port} within ${READY_TIMEOUT_MS} ms; its log:\n${lines}`);
    }
  }
}
