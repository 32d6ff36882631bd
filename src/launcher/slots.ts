/**
 * Gateway slots of a running local stack (blue/green): add one beside the active slot, switch
 * the front door to it, stop one. stack.json stays current after every step (`slots`, `active`,
 * `pids`), so `stack down` stops whatever a deployer left running, even after a crash.
 */
import { join } from 'node:path';
import { isAlive, stopProcessGroup } from '@vdb-readiness/local-process';
import { UnreachableError, UserError } from '../util/errors.ts';
import { linkActive, readActiveLink } from './active-link.ts';
import { readStackInfo, updateStackInfo } from './launcher.ts';
import { reloadNginx } from './services/nginx.ts';
import { SLOT_STOP_GRACE_MS, socketReady, spawnGatewaySlot, type SpawnedSlot } from './services/gateway.ts';
import { spawnContainerSlot, stopContainerSlot } from './services/gateway-container.ts';
import { defaultGatewayConfigDir } from './gateway-config.ts';
import type { GatewayInfo, SlotInfo, StackInfo } from './types.ts';

export interface AddSlotOptions {
  name: string;
  /** The version it reports (default: its deployment.yaml's). */
  version?: string;
  /** GATEWAY_CONFIG_DIR (default: the active slot's). */
  configDir?: string;
  /** Extra environment, over what the launcher sets. */
  env?: Record<string, string>;
}

/** How a switch reaches nginx: `link` (the contract: rename the link, no reload) or `reload` (rename and `nginx -s reload`; only to prove what a reload does to idle connections). */
export type SwitchMode = 'link' | 'reload';

export interface SwitchResult {
  from: string;
  to: string;
  /** How long the switch itself took (the rename, plus the reload in `reload` mode). */
  ms: number;
}

/** The stack and its gateway tier, or one clear line saying how to get them. */
export function gatewayStack(dir?: string): StackInfo & { gateway: GatewayInfo } {
  const info = readStackInfo(dir);
  if (!info) throw new UnreachableError(`no local stack in ${dir ?? 'the default stack dir'}: start one with \`npm run stack -- up\``);
  if (!info.gateway) throw new UnreachableError(`the stack in ${info.dir} runs without its gateway tier: restart it with \`npm run stack -- down\` and \`npm run stack -- up\``);
  if (!info.gateway.runDir) {
    throw new UserError(`the stack in ${info.dir} was started by an older launcher (no socket directory): restart it with \`npm run stack -- down\` and \`npm run stack -- up\``);
  }
  return info as StackInfo & { gateway: GatewayInfo };
}

/** The slot `active.sock` points at (the truth the front door follows), else stack.json's `active`. */
export function activeSlotOf(gw: GatewayInfo): string {
  return readActiveLink(gw.runDir) ?? gw.active;
}

/** Pids in stack.json keep the order `down` relies on: a new slot's pid goes before nginx's (stopped first). */
function withPid(pids: number[], pid: number, nginxPid: number): number[] {
  const rest = pids.filter((p) => p !== pid);
  const at = rest.indexOf(nginxPid);
  if (at < 0) return [...rest, pid];
  return [...rest.slice(0, at), pid, ...rest.slice(at)];
}

/**
 * Starts slot `name` beside the running ones (its socket in the stack's run directory, the same
 * Qdrant, Redis and keys) and records it in stack.json at once. It may not be ready yet: the
 * caller waits (and calls `removeSlot` if it never gets ready).
 */
export async function addSlot(dir: string | undefined, opts: AddSlotOptions): Promise<SpawnedSlot> {
  const info = gatewayStack(dir);
  const gw = info.gateway;
  const existing = gw.slots.find((s) => s.name === opts.name);
  if (existing && isAlive(existing.pid)) throw new UserError(`slot ${opts.name} already runs (pid ${existing.pid}): stop it first`);
  const active = gw.slots.find((s) => s.name === activeSlotOf(gw));
  const configDir = opts.configDir ?? active?.configDir;
  const slot = info.containers
    ? await spawnContainerSlot({
        name: opts.name,
        runDir: gw.runDir,
        containers: info.containers,
        configDir: configDir ?? defaultGatewayConfigDir(),
        ...(opts.version ? { version: opts.version } : {}),
        ...(opts.env ? { env: opts.env } : {}),
      })
    : await spawnGatewaySlot({
        name: opts.name,
        logDir: join(info.dir, 'logs'),
        runDir: gw.runDir,
        qdrant: info.qdrant,
        redis: info.redis,
        keys: gw.keys ?? { load: gw.apiKey },
        version: opts.version,
        configDir,
        env: opts.env,
      });
  updateStackInfo(info.dir, (s) => {
    const g = s.gateway as GatewayInfo;
    g.slots = [...g.slots.filter((x) => x.name !== opts.name), slot.info].sort((a, b) => a.name.localeCompare(b.name));
    // a container slot is not a process of this stack's: `down` must not signal it
    if (!slot.info.container) s.pids = withPid(s.pids.filter((p) => p !== existing?.pid), slot.info.pid, g.nginx.pid);
  });
  return slot;
}

/** Stops slot `name` gracefully (SIGTERM: it deregisters and drains) and takes it out of stack.json. Refuses the active slot. */
export async function removeSlot(dir: string | undefined, name: string, graceMs = SLOT_STOP_GRACE_MS): Promise<SlotInfo | null> {
  const info = gatewayStack(dir);
  const slot = info.gateway.slots.find((s) => s.name === name);
  if (!slot) return null;
  if (activeSlotOf(info.gateway) === name && isAlive(slot.pid)) throw new UserError(`slot ${name} is the active one: switch to another slot before stopping it`);
  if (slot.container) await stopContainerSlot(slot.container, graceMs);
  else await stopProcessGroup(slot.pid, graceMs);
  updateStackInfo(info.dir, (s) => {
    const g = s.gateway as GatewayInfo;
    g.slots = g.slots.filter((x) => x.name !== name);
    s.pids = s.pids.filter((p) => p !== slot.pid);
  });
  return slot;
}

/**
 * Switches the front door to slot `name`: links `active.sock` to its socket (atomic rename; nginx
 * is not reloaded) and records it as `active` in stack.json. New upstream connections go to it
 * at once; nginx's cached connections to the old slot are answered with `Connection: close` by
 * it and dropped. The slot must run and listen on its socket.
 */
export async function switchActiveSlot(dir: string | undefined, name: string, opts: { mode?: SwitchMode } = {}): Promise<SwitchResult> {
  const info = gatewayStack(dir);
  const gw = info.gateway;
  const slot = gw.slots.find((s) => s.name === name);
  if (!slot) throw new UserError(`no slot ${name} in ${info.dir} (running: ${gw.slots.map((s) => s.name).join(', ') || 'none'})`);
  if (!isAlive(slot.pid)) throw new UserError(`slot ${name} (pid ${slot.pid}) is not running: start it before switching to it`);
  if (!socketReady(slot.socket)) throw new UserError(`slot ${name} does not listen on ${slot.socket}: is its gateway one that honours GATEWAY_SOCKET?`);
  const from = activeSlotOf(gw);
  const t0 = performance.now();
  linkActive(gw.runDir, name);
  if (opts.mode === 'reload') await reloadNginx({ prefix: join(info.dir, 'nginx'), configPath: gw.nginx.configPath });
  const ms = performance.now() - t0;
  updateStackInfo(info.dir, (s) => {
    (s.gateway as GatewayInfo).active = name;
  });
  return { from, to: name, ms };
}
