/**
 * A real redis-server (the OS package) for the gateway's integration tests: loopback, a free
 * port, its data and log in a temp dir, no persistence. The gateway's tests start their own;
 * they do not use the suite's launcher.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, openSync, closeSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const address = srv.address();
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
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

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (exited(child)) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await gone;
  clearTimeout(timer);
}

/** Starts redis-server; retries on another port when the one picked was taken meanwhile. */
export async function startRedisServer(): Promise<RedisServer> {
  const bin = findRedisServer();
  if (!bin) throw new Error('redis-server is not installed: apt-get install -y redis-server (the gateway\'s integration tests start a real one)');
  const dir = mkdtempSync(join(tmpdir(), 'gw-redis-'));
  const logPath = join(dir, 'redis.log');
  const log = () => {
    try {
      return readFileSync(logPath, 'utf8').trim().split('\n').slice(-5).join('\n');
    } catch {
      return '(no log)';
    }
  };
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const fd = openSync(logPath, 'a');
    const child = spawn(bin, ['--bind', HOST, '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    child.on('error', () => undefined); // seen as an exit below
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!exited(child) && Date.now() < deadline && !(await pong(port))) await sleep(50);
    if (!exited(child) && child.pid !== undefined && (await pong(port))) {
      const pid = child.pid;
      return {
        url: `redis://${HOST}:${port}`,
        port,
        pid,
        dir,
        stop: async () => {
          await stopChild(child);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    await stopChild(child);
    const lines = log();
    if (attempt >= 3 || !/Address already in use/i.test(lines)) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on ${HOST}:${port} within ${READY_TIMEOUT_MS} ms; its log:\n${lines}`);
    }
  }
}
