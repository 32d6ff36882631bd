/**
 * The running slots, from the service registry (Redis SCAN `<prefix>gateway:*`), completed by
 * stack.json for slots the registry does not (yet) list, or from stack.json alone when Redis is
 * down or nothing registered. Which one is active comes from the front door's link.
 */
import { isAlive } from '@vdb-readiness/local-process';
import { activeSlotOf } from '../launcher/slots.ts';
import type { GatewayInfo, StackInfo } from '../launcher/types.ts';
import type { SlotView } from './plan.ts';
import { scanInstances, withRedis } from './registry.ts';
import type { InstanceInfo } from './types.ts';

export interface LiveSlots {
  active: string;
  slots: SlotView[];
  /** What the registry listed (empty when Redis is down). */
  instances: InstanceInfo[];
  source: 'registry' | 'stack.json';
}

/**
 * Merges registry instances with stack.json's slots (pure; `alive` says whether a pid runs).
 * `containers`: the slots run as containers, whose registry entries carry pids and URLs of
 * the containers' own namespaces; only stack.json's (host pids, published ports) are used.
 */
export function mergeSlots(gw: GatewayInfo, active: string, instances: InstanceInfo[], alive: (pid: number) => boolean, containers = false): SlotView[] {
  const out: SlotView[] = [];
  for (const i of containers ? [] : instances) {
    // one per slot (the registry's first); an entry outliving its process (killed, not yet expired) is not a slot
    if (out.some((s) => s.slot === i.slot) || !alive(i.pid)) continue;
    out.push({ slot: i.slot, version: i.version || null, pid: i.pid, url: i.url, socket: i.socket, active: i.slot === active, source: 'registry' });
  }
  for (const s of gw.slots) {
    if (out.some((v) => v.slot === s.name) || !alive(s.pid)) continue;
    out.push({ slot: s.name, version: s.version ?? null, pid: s.pid, url: s.url, socket: s.socket ?? null, active: s.name === active, source: 'stack.json' });
  }
  return out.sort((a, b) => a.slot.localeCompare(b.slot));
}

export async function liveSlots(info: StackInfo & { gateway: GatewayInfo }, registryPrefix: string): Promise<LiveSlots> {
  const active = activeSlotOf(info.gateway);
  const instances = (await withRedis(info.redis.url, (r) => scanInstances(r, registryPrefix))) ?? [];
  const gateway = instances.filter((i) => i.service === 'gateway');
  return {
    active,
    slots: mergeSlots(info.gateway, active, gateway, isAlive, Boolean(info.containers)),
    instances: gateway,
    source: gateway.length > 0 && !info.containers ? 'registry' : 'stack.json',
  };
}
