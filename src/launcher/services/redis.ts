import { mkdirSync } from 'node:fs';
import { openRedis } from '../../util/redis.ts';
import type { RedisInfo, StartedService } from '../types.ts';
import { freePort, stopProcessGroup } from '@vdb-readiness/local-process';
import { spawnService, waitForReady } from '../process.ts';
import { ensureSystemTools } from '../system-tools.ts';

export const REDIS_SEED_PORT = 6379;
const READY_TIMEOUT_MS = 15_000;

export interface RedisStartOptions {
  host?: string;
  port?: number;
  dataDir: string;
  logPath: string;
}

/** PING with a timeout; true on PONG. */
export async function redisPing(url: string, timeoutMs = 2000): Promise<boolean> {
  const client = await openRedis(url, timeoutMs);
  client?.disconnect();
  return client !== null;
}

/** Starts redis-server (OS package) on loopback, no persistence: it is a cache and counter store. */
export async function startRedis(opts: RedisStartOptions): Promise<StartedService<RedisInfo>> {
  const { 'redis-server': bin } = await ensureSystemTools(['redis-server']);
  const host = opts.host ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(host));
  mkdirSync(opts.dataDir, { recursive: true });
  const pid = spawnService({
    name: 'redis',
    command: bin,
    args: ['--bind', host, '--port', String(port), '--dir', opts.dataDir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'],
    logPath: opts.logPath,
  });
  const url = `redis://${host}:${port}`;
  try {
    await waitForReady({ name: 'redis', probe: () => redisPing(url, 500), timeoutMs: READY_TIMEOUT_MS, pid, logPath: opts.logPath });
  } catch (err) {
    await stopProcessGroup(pid);
    throw err;
  }
  return { info: { url, pid, log: opts.logPath }, stop: () => stopProcessGroup(pid) };
}
