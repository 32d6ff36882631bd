import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { StackInfo } from './types.ts';
import { pickPort } from './ports.ts';
import { isAlive, stopProcessGroup } from '@vdb-readiness/local-process';
import { httpOk } from './process.ts';
import { QDRANT_GRPC_SEED_PORT, QDRANT_SEED_PORT, QDRANT_STOP_GRACE_MS, qdrantReady, startQdrant } from './services/qdrant.ts';
import { REDIS_SEED_PORT, redisPing, startRedis } from './services/redis.ts';
import { startGatewayTier } from './services/gateway.ts';
import { makeRunDir, readActiveLink } from './active-link.ts';
import { UnreachableError, UserError } from '../util/errors.ts';
import { stackDir } from '../util/paths.ts';

export const STACK_FILE = 'stack.json';
const HOST = '127.0.0.1';

export interface StackUpOptions {
  /** State directory (default `.stack/` or `VDB_STACK_DIR`). */
  dir?: string;
  /** Use the conventional ports (6333/6334, 6379, 8000) instead of free ones. */
  seedPorts?: boolean;
  /** Start the gateway tier (gateway slots + nginx); default true. */
  gateway?: boolean;
  log?: (line: string) => void;
}

export interface ServiceStatus {
  name: string;
  pid: number;
  alive: boolean;
  healthy: boolean;
  url?: string;
  log: string;
  /** Gateway slots: the version the slot reports (stack.json). */
  version?: string;
  /** Gateway slots: whether the front door's link points at it. */
  active?: boolean;
}

export interface StackStatus {
  dir: string;
  running: boolean;
  healthy: boolean;
  services: ServiceStatus[];
}

const resolveDir = (dir?: string): string => resolve(dir ?? stackDir());

export function readStackInfo(dir?: string): StackInfo | null {
  const file = join(resolveDir(dir), STACK_FILE);
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackInfo;
  } catch {
    throw new UserError(`${file} is not valid JSON: run \`npm run stack -- down\` and \`up\` again`);
  }
}

export function writeStackInfo(info: StackInfo): void {
  // It holds API keys: readable by the owner only. Written whole and renamed: a reader never sees half a file.
  const file = join(info.dir, STACK_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}

/** Reads stack.json, lets `change` edit it and writes it back (the deployer keeps slots, active and pids current this way). */
export function updateStackInfo(dir: string | undefined, change: (info: StackInfo) => void): StackInfo {
  const info = readStackInfo(dir);
  if (!info) throw new UnreachableError(`no local stack in ${resolveDir(dir)}: start one with \`npm run stack -- up\``);
  change(info);
  writeStackInfo(info);
  return info;
}

/**
 * Brings the local stack up (Redis, Qdrant, and the gateway tier) and writes `stack.json`.
 * Idempotent: a healthy running stack is returned as it is; a broken one is stopped and started anew.
 */
export async function stackUp(opts: StackUpOptions = {}): Promise<StackInfo> {
  const dir = resolveDir(opts.dir);
  const log = opts.log ?? (() => undefined);
  if (readStackInfo(dir)) {
    const status = await stackStatus(dir);
    if (status.healthy) {
      log(`stack already running in ${dir}`);
      return readStackInfo(dir) as StackInfo;
    }
    log('a previous stack is not healthy: stopping it and starting anew');
    await stackDown(dir);
  }
  const logDir = join(dir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const seed = opts.seedPorts ?? false;
  const stops: Array<() => Promise<void>> = [];
  let runDir: string | null = null;
  try {
    const redisPort = await pickPort(seed, REDIS_SEED_PORT, 'redis', HOST);
    const redis = await startRedis({ host: HOST, port: redisPort, dataDir: join(dir, 'data', 'redis'), logPath: join(logDir, 'redis.log') });
    stops.push(redis.stop);
    log(`redis   ${redis.info.url} (pid ${redis.info.pid})`);

    const qdrant = await startQdrant({
      host: HOST,
      port: await pickPort(seed, QDRANT_SEED_PORT, 'qdrant http', HOST),
      grpcPort: await pickPort(seed, QDRANT_GRPC_SEED_PORT, 'qdrant grpc', HOST),
      storagePath: join(dir, 'data', 'qdrant', 'storage'),
      snapshotsPath: join(dir, 'data', 'qdrant', 'snapshots'),
      apiKey: randomBytes(24).toString('hex'),
      logPath: join(logDir, 'qdrant.log'),
    });
    stops.push(qdrant.stop);
    log(`qdrant  ${qdrant.info.url} (${qdrant.info.engine} ${qdrant.info.version}, pid ${qdrant.info.pid})`);

    const info: StackInfo = {
      schemaVersion: 1,
      dir,
      startedAt: new Date().toISOString(),
      qdrant: qdrant.info,
      redis: redis.info,
      pids: [redis.info.pid, qdrant.info.pid],
    };
    writeStackInfo(info); // written early so a failing gateway still leaves `down` able to clean up

    if (opts.gateway !== false) {
      runDir = makeRunDir();
      const tier = await startGatewayTier({ dir, logDir, runDir, qdrant: qdrant.info, redis: redis.info, seedPorts: seed });
      if (tier) {
        stops.push(tier.stop);
        info.gateway = tier.info;
        info.pids.push(...tier.info.slots.map((s) => s.pid), tier.info.nginx.pid);
        log(`gateway ${tier.info.url} (nginx pid ${tier.info.nginx.pid}; slots ${tier.info.slots.map((s) => `${s.name} ${s.version} pid ${s.pid}`).join(', ')}; sockets in ${runDir})`);
      }
    }
    writeStackInfo(info);
    return info;
  } catch (err) {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    rmSync(join(dir, STACK_FILE), { force: true });
    if (runDir) rmSync(runDir, { recursive: true, force: true });
    throw err;
  }
}

/** Stops every process the stack started (newest first) and removes `stack.json` and the sockets' run directory; data and logs stay. */
export async function stackDown(dir?: string): Promise<{ stopped: number[] }> {
  const d = resolveDir(dir);
  const info = readStackInfo(d);
  if (!info) return { stopped: [] };
  const pids = [...info.pids].reverse();
  // A stopped process returns at once; the grace only matters for one still flushing (Qdrant).
  for (const pid of pids) await stopProcessGroup(pid, pid === info.qdrant.pid ? QDRANT_STOP_GRACE_MS : 10_000);
  const survivors = pids.filter(isAlive);
  if (survivors.length > 0) throw new UserError(`could not stop pid(s) ${survivors.join(', ')}: kill them by hand`);
  await waitUntilReaped(pids);
  const runDir = info.gateway?.runDir;
  if (runDir && /vdb-gw-/.test(runDir)) rmSync(runDir, { recursive: true, force: true });
  rmSync(join(d, STACK_FILE), { force: true });
  return { stopped: pids };
}

/**
 * An exited service stays a zombie until its parent (init, for a detached service) reaps it, and
 * `kill -0` still answers for it: wait briefly so that after `down` its pid is gone altogether.
 */
async function waitUntilReaped(pids: number[], timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some((p) => existsSync(`/proc/${p}`)) && Date.now() < deadline) await sleep(25);
}

/** What runs and whether it answers its health probe. */
export async function stackStatus(dir?: string): Promise<StackStatus> {
  const d = resolveDir(dir);
  const info = readStackInfo(d);
  if (!info) return { dir: d, running: false, healthy: false, services: [] };
  const probe = async (name: string, pid: number, log: string, url: string | undefined, check: () => Promise<boolean>): Promise<ServiceStatus> => {
    const alive = isAlive(pid);
    const healthy = alive && (await check().catch(() => false));
    return { name, pid, alive, healthy, url, log };
  };
  const services = await Promise.all([
    probe('redis', info.redis.pid, info.redis.log, info.redis.url, () => redisPing(info.redis.url)),
    probe(info.qdrant.engine, info.qdrant.pid, info.qdrant.log, info.qdrant.url, () => qdrantReady(info.qdrant.url)),
    ...(info.gateway
      ? [
          probe('nginx', info.gateway.nginx.pid, info.gateway.nginx.log, info.gateway.url, () => httpOk(`${info.gateway?.url}/health`)),
          ...info.gateway.slots.map(async (s) => {
            const gw = info.gateway as NonNullable<StackInfo['gateway']>;
            const active = (gw.runDir ? readActiveLink(gw.runDir) : null) ?? gw.active;
            return { ...(await probe(`gateway-${s.name}`, s.pid, s.log, s.url, () => httpOk(`${s.url}/health`))), version: s.version, active: s.name === active };
          }),
        ]
      : []),
  ]);
  return { dir: d, running: services.some((s) => s.alive), healthy: services.every((s) => s.healthy), services };
}
