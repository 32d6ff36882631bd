/**
 * The service registry (service-orchestration.yaml `service_registry`, Redis): every gateway
 * slot announces itself under `<key_prefix>gateway:<instance id>` with a TTL and renews it every
 * heartbeat, so that a deployer (and `GET /api/v1/deployment/status`) sees which slots live,
 * which version each runs and which one is active. A graceful stop DELs the key first; a killed
 * slot's key expires after ttl_s.
 */
import type { Redis } from 'ioredis';

/** One registry entry, as stored (JSON) and as listed. */
export interface InstanceEntry {
  id: string;
  service: 'gateway';
  slot: string;
  version: string;
  /** The TCP url (`http://host:port`). */
  url: string;
  /** The unix socket path, or null. */
  socket: string | null;
  pid: number;
  started_at: string;
  heartbeat_at: string;
  /** Whether the front door's link pointed at this slot at this heartbeat. */
  active: boolean;
}

export interface RegistryOptions {
  redis: Redis | null;
  /** service_registry.enabled: false → never written (still listed). */
  enabled: boolean;
  /** service_registry.key_prefix (`vdb:services:`). */
  prefix: string;
  heartbeatS: number;
  ttlS: number;
  instanceId: string;
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };
}

/** The registry key of a gateway instance. */
export function instanceKey(prefix: string, instanceId: string): string {
  return `${prefix}gateway:${instanceId}`;
}

export class InstanceRegistry {
  readonly key: string;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<boolean> | null = null;
  private describe: (() => Omit<InstanceEntry, 'heartbeat_at'>) | null = null;
  private failing = false;
  private stopped = false;

  constructor(private readonly opts: RegistryOptions) {
    this.key = instanceKey(opts.prefix, opts.instanceId);
  }

  /**
   * Registers now (awaited; a Redis outage is logged once and retried at the next beat) and
   * every heartbeat_s after that. `describe` gives the entry's current fields.
   */
  async start(describe: () => Omit<InstanceEntry, 'heartbeat_at'>): Promise<void> {
    const redis = this.opts.redis;
    if (!this.opts.enabled || !redis || this.stopped) return;
    this.describe = describe;
    // the connection is made at start-up: give it a moment before the first beat
    if (redis.status !== 'ready') await readyWithin(redis, FIRST_BEAT_WAIT_MS);
    if (this.stopped) return; // deregistered meanwhile
    // back after an outage: register at once, not a heartbeat later
    redis.on('ready', this.onRedisReady);
    await this.beat();
    if (this.stopped) return;
    this.timer = setInterval(() => void this.beat(), this.opts.heartbeatS * 1000);
    this.timer.unref();
  }

  private readonly onRedisReady = (): void => {
    void this.beat();
  };

  /** One heartbeat: SET key json EX ttl_s. False when Redis did not take it (or a beat was still out). */
  beat(): Promise<boolean> {
    const redis = this.opts.redis;
    if (!redis || !this.describe || this.stopped) return Promise.resolve(false);
    if (this.inFlight) return Promise.resolve(false);
    const entry: InstanceEntry = { ...this.describe(), heartbeat_at: new Date().toISOString() };
    this.inFlight = redis.set(this.key, JSON.stringify(entry), 'EX', this.opts.ttlS).then(
      () => {
        if (this.failing) this.opts.log.info({ key: this.key }, 'service registry: registered again');
        this.failing = false;
        return true;
      },
      (err: unknown) => {
        // one line per outage, not one per beat
        if (!this.failing) this.opts.log.warn({ key: this.key, err: (err as Error).message }, 'service registry: heartbeat skipped (Redis unavailable), retrying every beat');
        this.failing = true;
        return false;
      },
    ).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Stops the heartbeat and DELs the entry (after a beat still out, so that it cannot come back). */
  async deregister(): Promise<boolean> {
    this.halt();
    const redis = this.opts.redis;
    if (!this.opts.enabled || !redis) return false;
    await this.inFlight;
    try {
      await redis.del(this.key);
      return true;
    } catch (err) {
      this.opts.log.warn({ key: this.key, err: (err as Error).message }, 'service registry: could not deregister (Redis unavailable); the entry expires by itself');
      return false;
    }
  }

  /** Stops the heartbeat without touching Redis (app close). */
  halt(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.opts.redis?.off('ready', this.onRedisReady);
  }
}

/** How long the first heartbeat waits for the Redis connection to be made. */
const FIRST_BEAT_WAIT_MS = 2000;

function readyWithin(redis: Redis, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    redis.once('ready', done);
  });
}

/** Glob characters of a key prefix, escaped for SCAN MATCH. */
function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** At most this many SCAN rounds per listing (100 keys asked for each). */
const MAX_SCAN_ROUNDS = 50;

/**
 * The live gateway entries under `prefix`, sorted by slot (then id); null when Redis did not
 * answer. Entries that are not JSON objects are left out.
 */
export async function listInstances(redis: Redis | null, prefix: string): Promise<Array<Record<string, unknown>> | null> {
  if (!redis || redis.status !== 'ready') return null;
  try {
    const keys: string[] = [];
    let cursor = '0';
    for (let round = 0; round < MAX_SCAN_ROUNDS; round++) {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${globEscape(prefix)}gateway:*`, 'COUNT', 100);
      keys.push(...batch);
      cursor = next;
      if (cursor === '0') break;
    }
    const unique = [...new Set(keys)];
    const values = unique.length > 0 ? await redis.mget(...unique) : [];
    const entries: Array<Record<string, unknown>> = [];
    for (const value of values) {
      const entry = jsonObject(value);
      if (entry) entries.push(entry);
    }
    return entries.sort((a, b) => String(a.slot).localeCompare(String(b.slot)) || String(a.id).localeCompare(String(b.id)));
  } catch {
    return null;
  }
}

/** A JSON object from a Redis value, else null. */
export function jsonObject(value: string | null | undefined): Record<string, unknown> | null {
  if (typeof value !== 'string') return null;
  try {
    const parsed: unknown = JSON.parse(value);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
