/**
 * What a deployer (the suite's `npm run deploy`) records in Redis, read back for
 * `GET /api/v1/deployment/status`: the current deployment and the history, passed through as
 * the deployer wrote them. The gateway never writes these keys.
 */
import type { Redis } from 'ioredis';
import { jsonObject, listInstances } from './instances.ts';

/** JSON `{active_slot, version, previous_slot, previous_version, deployed_at, deployment_id}`. */
export const CURRENT_KEY = 'vdb:deployment:current';
/** A list, newest first (the deployer LPUSHes), of JSON deployment records. */
export const HISTORY_KEY = 'vdb:deployment:history';
/** How many history records the status shows. */
export const HISTORY_SHOWN = 20;

export interface DeploymentView {
  /** False when Redis did not answer (then the rest is empty). */
  registry_available: boolean;
  instances: Array<Record<string, unknown>>;
  current: Record<string, unknown> | null;
  history: Array<Record<string, unknown>>;
}

export async function readDeploymentView(redis: Redis | null, registryPrefix: string): Promise<DeploymentView> {
  const down: DeploymentView = { registry_available: false, instances: [], current: null, history: [] };
  if (!redis || redis.status !== 'ready') return down;
  try {
    const [instances, [current, history]] = await Promise.all([
      listInstances(redis, registryPrefix),
      Promise.all([redis.get(CURRENT_KEY), redis.lrange(HISTORY_KEY, 0, HISTORY_SHOWN - 1)]),
    ]);
    if (instances === null) return down;
    return {
      registry_available: true,
      instances,
      current: jsonObject(current),
      history: history.map(jsonObject).filter((r): r is Record<string, unknown> => r !== null),
    };
  } catch {
    return down;
  }
}
