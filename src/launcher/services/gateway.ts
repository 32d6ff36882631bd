import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../util/paths.ts';
import { freePort, stopProcessGroup } from '@vdb-readiness/local-process';
import { pickPort } from '../ports.ts';
import { httpOk, spawnService, waitForReady } from '../process.ts';
import { activeLinkPath, linkActive, slotSocketPath } from '../active-link.ts';
import { defaultGatewayConfigDir, readGatewaySettings } from '../gateway-config.ts';
import type { GatewayInfo, QdrantInfo, RedisInfo, SlotInfo, StartedService } from '../types.ts';
import { startNginx } from './nginx.ts';

export type { SlotInfo } from '../types.ts';

export interface GatewayTierOptions {
  dir: string;
  logDir: string;
  /** Where the sockets and the active link live (active-link.ts `makeRunDir`). */
  runDir: string;
  qdrant: QdrantInfo;
  redis: RedisInfo;
  seedPorts: boolean;
}

const HOST = '127.0.0.1';
const SEED_GATEWAY_PORT = 8000;
const SERVER_ENTRY = join(REPO_ROOT, 'sut', 'gateway', 'src', 'server.ts');
// qdrant-local starts one worker per collection: ensuring ten collections can take a while
const SLOT_START_TIMEOUT_MS = 120_000;
/**
 * A stopping slot drains: it waits until nginx has dropped the idle connections it cached to it
 * (nginx's upstream keepalive_timeout, 10 s) or deployment.yaml's drain_timeout_s passes. The
 * grace before SIGKILL covers that.
 */
export const SLOT_STOP_GRACE_MS = 40_000;

/** The key roles of sut/gateway/config/production.yaml (security.rate_limits). */
export const KEY_ROLES = ['load', 'standard', 'limited'] as const;

export interface SlotOptions {
  name: string;
  logDir: string;
  runDir: string;
  qdrant: QdrantInfo;
  redis: RedisInfo;
  keys: Record<string, string>;
  /** The version the slot reports (default: its deployment.yaml's). */
  version?: string;
  /** GATEWAY_CONFIG_DIR (default `GATEWAY_CONFIG_DIR` of this process, else sut/gateway/config). */
  configDir?: string;
  port?: number;
  /** Extra environment (e.g. LOG_LEVEL, GATEWAY_FAULTS); it wins over what the launcher sets. */
  env?: Record<string, string>;
}

/** A slot's process, started, not yet known to be ready. */
export interface SpawnedSlot {
  info: SlotInfo;
  /** Size of its log before it started: what it logged is what follows. */
  logOffset: number;
  /** Graceful: SIGTERM, the slot drains, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Its last log lines, where they are not in a file at `info.log` (a container's). */
  logTail?: () => Promise<string[]>;
}

/** True once the slot's unix socket exists (the front door can reach it). */
export function socketReady(path: string): boolean {
  try {
    return existsSync(path) && statSync(path).isSocket();
  } catch {
    return false;
  }
}

/**
 * Starts one gateway slot (a Node process running sut/gateway/src/server.ts) on loopback: TCP
 * `127.0.0.1:<port>` and the unix socket `<runDir>/gateway-<name>.sock`, told which link makes
 * it active. Does not wait: see `startGatewaySlot`, or the deployer's own start-up wait.
 */
export async function spawnGatewaySlot(opts: SlotOptions): Promise<SpawnedSlot> {
  const port = opts.port ?? (await freePort(HOST));
  const logPath = join(opts.logDir, `gateway-${opts.name}.log`);
  const configDir = opts.configDir ?? defaultGatewayConfigDir();
  const version = opts.version ?? readGatewaySettings(configDir).version;
  const socket = slotSocketPath(opts.runDir, opts.name);
  const logOffset = existsSync(logPath) ? statSync(logPath).size : 0;
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
      GATEWAY_SOCKET: socket,
      GATEWAY_ACTIVE_LINK: activeLinkPath(opts.runDir),
      GATEWAY_VERSION: version,
      GATEWAY_CONFIG_DIR: configDir,
      QDRANT_URL: opts.qdrant.url,
      QDRANT_API_KEY: opts.qdrant.apiKey,
      REDIS_URL: opts.redis.url,
      GATEWAY_API_KEYS: Object.entries(opts.keys).map(([role, key]) => `${role}=${key}`).join(','),
      ...opts.env,
    },
  });
  const envKeys = Object.keys(opts.env ?? {}).sort();
  const info: SlotInfo = {
    name: opts.name,
    pid,
    log: logPath,
    url: `http://${HOST}:${port}`,
    socket,
    version,
    configDir,
    startedAt: new Date().toISOString(),
    ...(envKeys.length ? { envKeys } : {}),
  };
  return { info, logOffset, stop: (graceMs = SLOT_STOP_GRACE_MS) => stopProcessGroup(pid, graceMs) };
}

/** Starts one gateway slot and waits until it answers /health on TCP and listens on its socket. */
export async function startGatewaySlot(opts: SlotOptions): Promise<StartedService<SlotInfo>> {
  const slot = await spawnGatewaySlot(opts);
  const { pid, log, url, socket } = slot.info;
  try {
    await waitForReady({
      name: `gateway-${opts.name}`,
      pid,
      logPath: log,
      timeoutMs: SLOT_START_TIMEOUT_MS,
      intervalMs: 250,
      probe: async () => (await httpOk(`${url}/health`)) && socketReady(socket),
    });
  } catch (err) {
    await stopProcessGroup(pid, 2000);
    throw err;
  }
  return { info: slot.info, stop: () => slot.stop() };
}

/**
 * Starts the gateway tier: slot `blue` and nginx in front of it (the front door, port 8000
 * with seed ports), its one upstream `<runDir>/active.sock` linked to blue's socket. A deploy
 * adds `green` beside it and switches the link (src/launcher/slots.ts `switchActiveSlot`).
 */
export async function startGatewayTier(opts: GatewayTierOptions): Promise<{ info: GatewayInfo; stop(): Promise<void> } | null> {
  const keys = Object.fromEntries(KEY_ROLES.map((role) => [role, `gw-${role}-${randomBytes(18).toString('base64url')}`]));
  const frontPort = await pickPort(opts.seedPorts, SEED_GATEWAY_PORT, 'gateway (nginx)', HOST);
  // linked before blue starts: blue knows itself active from its first request on
  linkActive(opts.runDir, 'blue');
  const blue = await startGatewaySlot({ name: 'blue', logDir: opts.logDir, runDir: opts.runDir, qdrant: opts.qdrant, redis: opts.redis, keys });
  let nginx;
  try {
    const prefix = join(opts.dir, 'nginx');
    mkdirSync(prefix, { recursive: true });
    nginx = await startNginx({
      prefix,
      host: HOST,
      port: frontPort,
      activeSocket: activeLinkPath(opts.runDir),
      logPath: join(opts.logDir, 'nginx.log'),
    });
  } catch (err) {
    await blue.stop();
    throw err;
  }
  const { url, ...nginxInfo } = nginx.info;
  return {
    info: { url, apiKey: keys.load as string, keys, nginx: nginxInfo, runDir: opts.runDir, slots: [blue.info], active: 'blue' },
    stop: async () => {
      await nginx.stop();
      await blue.stop();
    },
  };
}
