/**
 * Gathers a `DiagnoseSnapshot` from a local stack: stack.json and the launcher's own status
 * (`stackStatus`: pid alive, health probe), the logs of unhealthy services (`tailLog`), each
 * gateway slot's status, diagnostics and environment endpoints on its own port, the front door,
 * the active-slot link, the service registry and the deployer's records in Redis. Reads only;
 * every probe has a short timeout and a failure becomes data, never an exception. Throws an
 * UnreachableError (exit 3) only when there is no stack to look at.
 */
import { existsSync, lstatSync, readFileSync, readdirSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { parse as parseYaml } from 'yaml';
import { isAlive, tailLog } from '@vdb-readiness/local-process';
import { readStackInfo, stackStatus } from '../../launcher/launcher.ts';
import type { ServiceStatus } from '../../launcher/launcher.ts';
import type { StackInfo } from '../../launcher/types.ts';
import { isLoopbackHost } from '../../targets/remote-guard.ts';
import { CURRENT_KEY, HISTORY_KEY } from '../../deploy/registry.ts';
import { UnreachableError, errorMessage } from '../../util/errors.ts';
import { connectRedis } from '../../util/redis.ts';
import { REPO_ROOT } from '../../util/paths.ts';
import { errorLines } from './logs.ts';
import type {
  ActiveSources, DeploymentsSnapshot, DiagnoseSnapshot, HttpAnswer, RegistryEntry, RegistrySettings, RegistrySnapshot, ServiceSnapshot, SlotSnapshot,
} from './types.ts';

/** The gateway's own configuration directory, read as data when a slot does not say which it uses. */
export const DEFAULT_GATEWAY_CONFIG_DIR = join(REPO_ROOT, 'sut', 'gateway', 'config');
/** The contract's defaults (service-orchestration.yaml `service_registry`). */
export const REGISTRY_DEFAULTS = { prefix: 'vdb:services:', heartbeatS: 2, ttlS: 6 } as const;

const HTTP_TIMEOUT_MS = 3000;
const REDIS_TIMEOUT_MS = 2000;
const HISTORY_SHOWN = 5;
const LOG_SCAN_LINES = 300;

export const NO_STACK_FIX = 'run `npm run stack -- up`';

/** GET `url` as JSON; never throws. */
export async function getJson(url: string, apiKey?: string, timeoutMs = HTTP_TIMEOUT_MS): Promise<HttpAnswer> {
  try {
    const res = await fetch(url, { headers: apiKey ? { 'x-api-key': apiKey } : {}, signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const headers: Record<string, string> = {};
    res.headers.forEach((v, k) => (headers[k] = v));
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    return { status: res.status, headers, body };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const why = (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause?.code ?? cause?.message ?? errorMessage(err));
    return { status: 0, error: why, headers: {}, body: null };
  }
}

/** One variable of a local process's environment (from /proc; only `name` is read out): its value, `''` when unset, null when unreadable. */
export function processEnvVar(pid: number, name: string): string | null {
  try {
    const prefix = `${name}=`;
    const entry = readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').find((e) => e.startsWith(prefix));
    return entry === undefined ? '' : entry.slice(prefix.length);
  } catch {
    return null;
  }
}

function kindOf(name: string): ServiceSnapshot['kind'] {
  if (name === 'redis') return 'redis';
  if (name === 'nginx') return 'nginx';
  if (name.startsWith('gateway-')) return 'gateway';
  return 'qdrant';
}

/** nginx writes its errors to `<prefix>/logs/error.log` (its stdout log is mostly empty). */
function nginxErrorLog(info: StackInfo): string | null {
  const conf = info.gateway?.nginx.configPath;
  return conf ? join(dirname(dirname(conf)), 'logs', 'error.log') : null;
}

function serviceSnapshot(s: ServiceStatus, info: StackInfo): ServiceSnapshot {
  const kind = kindOf(s.name);
  let logTail: string[] = [];
  if (!s.healthy) {
    const lines = [...tailLog(s.log, LOG_SCAN_LINES)];
    const extra = kind === 'nginx' ? nginxErrorLog(info) : null;
    if (extra) lines.push(...tailLog(extra, LOG_SCAN_LINES));
    logTail = errorLines(lines);
  }
  return { name: s.name, kind, ...(kind === 'gateway' ? { slot: s.name.slice('gateway-'.length) } : {}), pid: s.pid, alive: s.alive, healthy: s.healthy, url: s.url, log: s.log, logTail };
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** The runDir of the contract (stack.json `gateway.runDir`), when the stack has one. */
function runDirOf(info: StackInfo): string | null {
  return str((info.gateway as unknown as Record<string, unknown> | undefined)?.runDir);
}

export function readActiveLink(path: string): NonNullable<ActiveSources['link']> {
  try {
    lstatSync(path);
  } catch {
    return { path, target: null, slot: null, error: 'missing' };
  }
  let target: string;
  try {
    target = readlinkSync(path);
  } catch {
    return { path, target: null, slot: null, error: 'not a symlink' };
  }
  const slot = /^gateway-(.+)\.sock$/.exec(basename(target))?.[1] ?? null;
  try {
    realpathSync(path);
  } catch {
    return { path, target, slot, error: `dangling: ${target} does not exist` };
  }
  return { path, target, slot };
}

/** The slot of `proxy_pass http://gateway_<slot>;` in nginx's configuration (one distinct), or null. */
export function nginxConfActive(text: string): string | null {
  const slots = new Set([...text.matchAll(/proxy_pass\s+http:\/\/gateway_([A-Za-z0-9_-]+)\s*;/g)].map((m) => m[1] as string));
  return slots.size === 1 ? ([...slots][0] as string) : null;
}

function activeSources(info: StackInfo): ActiveSources {
  const gw = info.gateway;
  const runDir = runDirOf(info);
  let nginxConf: string | null = null;
  try {
    if (gw?.nginx.configPath) nginxConf = nginxConfActive(readFileSync(gw.nginx.configPath, 'utf8'));
  } catch {
    nginxConf = null;
  }
  return { stackJson: str(gw?.active), link: runDir ? readActiveLink(join(runDir, 'active.sock')) : null, nginxConf };
}

async function slotSnapshot(slot: NonNullable<StackInfo['gateway']>['slots'][number], info: StackInfo): Promise<SlotSnapshot> {
  const alive = isAlive(slot.pid);
  const runDir = runDirOf(info);
  // Newer launchers record more per slot (socket, version, configDir, envKeys): read them as optional.
  const extra = slot as unknown as Record<string, unknown>;
  const socket = str(extra.socket) ?? (runDir ? join(runDir, `gateway-${slot.name}.sock`) : null);
  const key = info.gateway?.apiKey;
  const [status, diagnostics, environment] = alive
    ? await Promise.all([
        getJson(`${slot.url}/api/v1/deployment/status`, key),
        getJson(`${slot.url}/api/v1/deployment/diagnostics`, key),
        getJson(`${slot.url}/api/v1/environment/status`, key),
      ])
    : [null, null, null];
  return {
    name: slot.name,
    url: slot.url,
    pid: slot.pid,
    alive,
    socket,
    socketExists: socket ? existsSync(socket) : null,
    status,
    diagnostics,
    environment,
    faultsEnv: alive ? processEnvVar(slot.pid, 'GATEWAY_FAULTS') : null,
    envKeys: Array.isArray(extra.envKeys) ? extra.envKeys.filter((k): k is string => typeof k === 'string') : [],
    configDir: str(extra.configDir),
  };
}

const positiveNumber = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback);

/** service-orchestration.yaml's `service_registry`, read as data (contract defaults where absent). */
export function registrySettingsFrom(yamlText: string | null, source: string): RegistrySettings {
  let reg: Record<string, unknown> = {};
  if (yamlText !== null) {
    try {
      const doc = parseYaml(yamlText) as { service_orchestration?: { service_registry?: Record<string, unknown> } } | null;
      reg = doc?.service_orchestration?.service_registry ?? {};
    } catch {
      reg = {};
    }
  }
  return {
    enabled: reg.enabled !== false,
    prefix: str(reg.key_prefix) ?? REGISTRY_DEFAULTS.prefix,
    heartbeatS: positiveNumber(reg.heartbeat_s, REGISTRY_DEFAULTS.heartbeatS),
    ttlS: positiveNumber(reg.ttl_s, REGISTRY_DEFAULTS.ttlS),
    source: yamlText === null ? 'defaults' : source,
  };
}

function readRegistrySettings(slots: SlotSnapshot[]): RegistrySettings {
  const fromSlot = slots
    .flatMap((s) => [s.configDir, (s.environment?.body as { config_dir?: unknown } | null)?.config_dir])
    .find((d): d is string => typeof d === 'string' && d !== '');
  const file = join(resolve(fromSlot ?? DEFAULT_GATEWAY_CONFIG_DIR), 'service-orchestration.yaml');
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    text = null;
  }
  return registrySettingsFrom(text, file);
}

function parseJson(raw: string | null): unknown {
  if (raw === null) return null;
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}

function localPidAlive(value: unknown): boolean | null {
  if (!value || typeof value !== 'object') return null;
  const v = value as Record<string, unknown>;
  if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return null;
  if (typeof v.url === 'string') {
    try {
      if (!isLoopbackHost(new URL(v.url).hostname)) return null;
    } catch {
      // a bad url: the pid is still ours to check
    }
  }
  return isAlive(v.pid);
}

/** The deployer's own copies (`<stack dir>/deployments/<id>.json`), newest first, for when Redis cannot be read. */
function deploymentFiles(dir: string): unknown[] {
  const d = join(dir, 'deployments');
  try {
    return readdirSync(d)
      .filter((f) => f.endsWith('.json'))
      .map((f) => ({ f, t: statSync(join(d, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t)
      .slice(0, HISTORY_SHOWN)
      .map(({ f }) => parseJson(readFileSync(join(d, f), 'utf8')))
      .filter((r) => r !== null);
  } catch {
    return [];
  }
}

async function readRedis(url: string, settings: RegistrySettings, dir: string): Promise<{ registry: RegistrySnapshot; deployments: DeploymentsSnapshot }> {
  let client: Redis | null = null;
  try {
    client = await connectRedis(url, REDIS_TIMEOUT_MS);
    const c = client;
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await c.scan(cursor, 'MATCH', `${settings.prefix}gateway:*`, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0' && keys.length < 1000);
    keys.sort();
    const entries: RegistryEntry[] = await Promise.all(
      keys.map(async (key) => {
        const [raw, ttl] = await Promise.all([c.get(key).catch(() => null), c.ttl(key).catch(() => null)]);
        const value = parseJson(raw);
        return { key, ttlS: ttl, value, raw, pidAlive: localPidAlive(value) };
      }),
    );
    const current = parseJson(await c.get(CURRENT_KEY).catch(() => null));
    const history = (await c.lrange(HISTORY_KEY, 0, HISTORY_SHOWN - 1).catch(() => [] as string[])).map((r) => parseJson(r) ?? r);
    return { registry: { available: true, entries }, deployments: { current, history, source: 'redis' } };
  } catch (err) {
    const history = deploymentFiles(dir);
    return {
      registry: { available: false, error: errorMessage(err), entries: [] },
      deployments: { current: null, history, source: history.length ? 'files' : 'none' },
    };
  } finally {
    client?.disconnect();
  }
}

/** Everything diagnose looks at, from the stack in `dir`; an UnreachableError when no stack runs there. */
export async function collectSnapshot(dir: string): Promise<DiagnoseSnapshot> {
  const info = readStackInfo(dir);
  if (!info) throw new UnreachableError(`no stack in ${dir}: ${NO_STACK_FIX}`);
  const status = await stackStatus(dir);
  if (!status.running) throw new UnreachableError(`no stack running in ${dir} (stack.json is left over, every pid in it is gone): ${NO_STACK_FIX}`);
  const services = status.services.map((s) => serviceSnapshot(s, info));
  let gateway: DiagnoseSnapshot['gateway'] = null;
  if (info.gateway) {
    const [frontAnswer, slots] = await Promise.all([
      getJson(`${info.gateway.url}/api/v1/deployment/status`, info.gateway.apiKey),
      Promise.all(info.gateway.slots.map((s) => slotSnapshot(s, info))),
    ]);
    gateway = { frontDoor: { url: info.gateway.url, answer: frontAnswer }, slots, active: activeSources(info) };
  }
  const registrySettings = readRegistrySettings(gateway?.slots ?? []);
  const { registry, deployments } = await readRedis(info.redis.url, registrySettings, status.dir);
  return { dir: status.dir, now: Date.now(), stack: info, services, gateway, registrySettings, registry, deployments };
}
