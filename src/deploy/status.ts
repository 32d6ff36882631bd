/**
 * `deploymentStatus`: what serves (the front door's link), the previous version (the running
 * standby, else Redis `vdb:deployment:current`), live instances (registry, else stack.json) and
 * the history (Redis, else the record files), newest first.
 */
import { isAlive } from '@vdb-readiness/local-process';
import { DEFAULT_REGISTRY_PREFIX, readGatewaySettings } from '../launcher/gateway-config.ts';
import { activeSlotOf, gatewayStack } from '../launcher/slots.ts';
import { readHistory, readCurrent, scanInstances, withRedis } from './registry.ts';
import { readRecordFiles } from './record.ts';
import type { DeploymentStatus, InstanceInfo } from './types.ts';

export async function deploymentStatus(dir?: string): Promise<DeploymentStatus> {
  const info = gatewayStack(dir);
  const gw = info.gateway;
  const active = activeSlotOf(gw);
  const activeInfo = gw.slots.find((s) => s.name === active);
  let prefix = DEFAULT_REGISTRY_PREFIX;
  try {
    if (activeInfo?.configDir) prefix = readGatewaySettings(activeInfo.configDir).registryPrefix;
  } catch {
    // the default prefix
  }
  const fromRedis = await withRedis(info.redis.url, async (r) => ({
    instances: (await scanInstances(r, prefix)).filter((i) => i.service === 'gateway'),
    current: await readCurrent(r),
    history: await readHistory(r),
  }));
  const stackInstances: InstanceInfo[] = gw.slots
    .filter((s) => isAlive(s.pid))
    .map((s) => ({
      id: `${s.name}-${s.pid}`,
      service: 'gateway',
      slot: s.name,
      version: s.version,
      url: s.url,
      socket: s.socket,
      pid: s.pid,
      started_at: s.startedAt,
      heartbeat_at: '',
      active: s.name === active,
    }));
  const registered = fromRedis && fromRedis.instances.length > 0;
  // `active` as the front door's link says now (an instance's own flag is as of its last heartbeat)
  const instances = (registered ? fromRedis.instances : stackInstances).map((i) => ({ ...i, active: i.slot === active }));
  const standby = gw.slots.find((s) => s.name !== active && isAlive(s.pid));
  const current = fromRedis?.current ?? null;
  const fromCurrent = current && current.active_slot === active ? current : null;
  return {
    active_slot: active,
    version: activeInfo?.version ?? instances.find((i) => i.slot === active)?.version ?? null,
    previous_slot: standby?.name ?? fromCurrent?.previous_slot ?? null,
    previous_version: standby?.version ?? fromCurrent?.previous_version ?? null,
    instances,
    history: fromRedis ? fromRedis.history : readRecordFiles(info.dir),
    instances_source: registered ? 'registry' : 'stack.json',
    history_source: fromRedis ? 'redis' : 'files',
    current,
  };
}
