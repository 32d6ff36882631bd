/**
 * The deployer's Redis: the gateway's service registry (`<prefix>gateway:<instance id>`, written
 * by every slot), and the deployment keys the deployer writes and the gateway reads
 * (`vdb:deployment:current`, `vdb:deployment:history`). Redis down is an answer, not an error:
 * `openRedis` says null and callers fall back to stack.json and the record files.
 */
import type { Redis } from 'ioredis';
import { openRedis } from '../util/redis.ts';
import type { DeploymentCurrent, DeploymentRecord, InstanceInfo } from './types.ts';

export const CURRENT_KEY = 'vdb:deployment:current';
export const HISTORY_KEY = 'vdb:deployment:history';
/** The history list keeps this many records (LTRIM 0 49). */
export const HISTORY_KEEP = 50;

/** Runs `fn` with a client; null when Redis is down (or fails midway). */
export async function withRedis<T>(url: string, fn: (r: Redis) => Promise<T>): Promise<T | null> {
  const r = await openRedis(url);
  if (!r) return null;
  try {
    return await fn(r);
  } catch {
    return null;
  } finally {
    r.disconnect();
  }
}

/** A registry entry with the fields the deployer relies on (slot, url, pid); the others defaulted. */
function asInstance(x: unknown): InstanceInfo | null {
  const o = x as Partial<InstanceInfo> | null;
  if (!o || typeof o.slot !== 'string' || typeof o.url !== 'string' || typeof o.pid !== 'number') return null;
  const defaults: InstanceInfo = { id: '', service: 'gateway', slot: o.slot, version: '', url: o.url, socket: null, pid: o.pid, started_at: '', heartbeat_at: '', active: false };
  return { ...defaults, ...o } as InstanceInfo;
}

/** Live gateway instances of the registry (SCAN `<prefix>gateway:*`), sorted by slot. */
export async function scanInstances(redis: Redis, prefix: string): Promise<InstanceInfo[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}gateway:*`, 'COUNT', 100);
    cursor = next;
    keys.push(...batch);
  } while (cursor !== '0');
  if (keys.length === 0) return [];
  const values = await redis.mget(...keys);
  const out: InstanceInfo[] = [];
  for (const v of values) {
    if (!v) continue; // expired between SCAN and MGET
    try {
      const i = asInstance(JSON.parse(v));
      if (i) out.push(i);
    } catch {
      // not an instance entry
    }
  }
  return out.sort((a, b) => a.slot.localeCompare(b.slot) || a.id.localeCompare(b.id));
}

export async function readCurrent(redis: Redis): Promise<DeploymentCurrent | null> {
  const v = await redis.get(CURRENT_KEY);
  if (!v) return null;
  try {
    return JSON.parse(v) as DeploymentCurrent;
  } catch {
    return null;
  }
}

/** The history list, newest first. */
export async function readHistory(redis: Redis, count = HISTORY_KEEP): Promise<DeploymentRecord[]> {
  const items = await redis.lrange(HISTORY_KEY, 0, count - 1);
  const out: DeploymentRecord[] = [];
  for (const v of items) {
    try {
      out.push(JSON.parse(v) as DeploymentRecord);
    } catch {
      // skip what is not a record
    }
  }
  return out;
}

/** LPUSH the record (LTRIM to the newest 50) and, when given, set `current`, in one transaction. */
export async function storeRecord(redis: Redis, record: DeploymentRecord, current: DeploymentCurrent | null): Promise<void> {
  const m = redis.multi().lpush(HISTORY_KEY, JSON.stringify(record)).ltrim(HISTORY_KEY, 0, HISTORY_KEEP - 1);
  if (current) m.set(CURRENT_KEY, JSON.stringify(current));
  const res = await m.exec();
  const failed = res?.find(([err]) => err);
  if (!res || failed) throw failed?.[0] ?? new Error('Redis transaction aborted');
}
