import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../util/paths.ts';
import { freePort, stopProcessGroup } from '@vdb-readiness/local-process';
import { pickPort } from '../ports.ts';
import { httpOk, spawnService, waitForReady } from '../process.ts';
import type { GatewayInfo, ProcessInfo, QdrantInfo, RedisInfo, StartedService } from '../types.ts';
import { startNginx } from './nginx.ts';

export interface GatewayTierOptions {
  dir: string;
  logDir: string;
  qdrant: QdrantInfo;
  redis: RedisInfo;
  seedPorts: boolean;
}

const HOST = '127.0.0.1';
const SEED_GATEWAY_PORT = 8000;
const SERVER_ENTRY = join(REPO_ROOT, 'sut', 'gateway', 'src', 'server.ts');
// qdrant-local starts one worker per collection: ensuring ten collections can take a while
const SLOT_START_TIMEOUT_MS = 120_000;

/** The key roles of sut/gateway/config/production.yaml (security.rate_limits). */
export const KEY_ROLES = ['load', 'standard', 'limited'] as const;

export type SlotInfo = ProcessInfo & { name: string; url: string };

export interface SlotOptions {
  name: string;
  logDir: string;
  qdrant: QdrantInfo;
  redis: RedisInfo;
  keys: Record<string, string>;
  port?: number;
  /** Extra environment (e.g. GATEWAY_CONFIG_DIR, LOG_LEVEL). */
  env?: Record<string, string>;
}

/** Starts one gateway slot (a Node process running sut/gateway/src/server.ts) on loopback. */
export async function startGatewaySlot(opts: SlotOptions): Promise<StartedService<SlotInfo>> {
  const port = opts.port ?? (await freePort(HOST));
  const logPath = join(opts.logDir, `gateway-${opts.name}.log`);
  const pid = spawnService({
    name: `gateway-${opts.name}`,
    command: process.execPath,
    args: ['--import', 'tsx', SERVER_ENTRY],
    cwd: REPO_ROOT,
    logPath,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      GATEWAY_HOST: HOST,
      GATEWAY_PORT: String(port),
      GATEWAY_SLOT: opts.name,
      QDRANT_URL: opts.qdrant.url,
      QDRANT_API_KEY: opts.qdrant.apiKey,
      REDIS_URL: opts.redis.url,
      GATEWAY_API_KEYS: Object.entries(opts.keys).map(([role, key]) => `${role}=${key}`).join(','),
      ...opts.env,
    },
  });
  const url = `http://${HOST}:${port}`;
  try {
    await waitForReady({ name: `gateway-${opts.name}`, pid, logPath, timeoutMs: SLOT_START_TIMEOUT_MS, intervalMs: 250, probe: () => httpOk(`${url}/health`) });
  } catch (err) {
    await stopProcessGroup(pid, 2000);
    throw err;
  }
  return { info: { name: opts.name, pid, log: logPath, url }, stop: () => stopProcessGroup(pid, 15_000) };
}

/**
 * Starts the gateway tier: slot `blue` and nginx in front of it (the front door, port 8000
 * with seed ports). nginx has one upstream per slot, so a `green` slot can be added and
 * switched to with `switchActiveSlot` (services/nginx.ts).
 */
export async function startGatewayTier(opts: GatewayTierOptions): Promise<{ info: GatewayInfo; stop(): Promise<void> } | null> {
  const keys = Object.fromEntries(KEY_ROLES.map((role) => [role, `gw-${role}-${randomBytes(18).toString('base64url')}`]));
  const frontPort = await pickPort(opts.seedPorts, SEED_GATEWAY_PORT, 'gateway (nginx)', HOST);
  const blue = await startGatewaySlot({ name: 'blue', logDir: opts.logDir, qdrant: opts.qdrant, redis: opts.redis, keys });
  let nginx;
  try {
    const prefix = join(opts.dir, 'nginx');
    mkdirSync(prefix, { recursive: true });
    nginx = await startNginx({
      prefix,
      host: HOST,
      port: frontPort,
      slots: [{ name: 'blue', address: blue.info.url.replace(/^http:\/\//, '') }],
      active: 'blue',
      logPath: join(opts.logDir, 'nginx.log'),
    });
  } catch (err) {
    await blue.stop();
    throw err;
  }
  const { url, ...nginxInfo } = nginx.info;
  return {
    info: { url, apiKey: keys.load as string, keys, nginx: nginxInfo, slots: [blue.info], active: 'blue' },
    stop: async () => {
      await nginx.stop();
      await blue.stop();
    },
  };
}
