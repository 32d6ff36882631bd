/**
 * Deploy controls that lie, wrapped around the local stack's real one, for proving that the
 * rollback group's checks fail when the deployment does not do what it says:
 * - `rollback-noop`: a rollback that reports success and switches nothing;
 * - `no-auto-rollback`: deploys whose post-switch analysis never rolls back (a failing version stays live);
 * - `registry-lingers`: a stopped or killed instance's registry entry is written back with a long
 *   TTL (what a gateway that never deregisters, with a TTL of an hour, looks like).
 */
import { Redis } from 'ioredis';
import type { DeploymentRecord } from '../../../src/deploy/types.ts';
import type { DeployControl } from '../../../src/targets/deploy-control.ts';

export const DEPLOY_LIES = ['rollback-noop', 'no-auto-rollback', 'registry-lingers'] as const;
export type DeployLie = (typeof DEPLOY_LIES)[number];

const REGISTRY_PATTERN = 'vdb:services:gateway:*';
/** How long a lingering entry lives: far beyond any check's wait. */
const LINGER_S = 3600;

export function lyingDeployControl(real: DeployControl, lie: DeployLie, redisUrl: string): DeployControl & { cleanup(): Promise<void> } {
  const written: string[] = [];
  const cleanup = async (): Promise<void> => {
    if (written.length === 0) return;
    const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await r.connect();
    await r.del(...written);
    r.disconnect();
  };
  const base: DeployControl & { cleanup(): Promise<void> } = {
    via: `${real.via} (lying: ${lie})`,
    ...(real.registry ? { registry: real.registry } : {}),
    deploy: (req, log) => real.deploy(req, log),
    rollback: (log) => real.rollback(log),
    status: () => real.status(),
    ...(real.stopSlot ? { stopSlot: real.stopSlot.bind(real) } : {}),
    cleanup,
  };
  switch (lie) {
    case 'rollback-noop':
      return {
        ...base,
        async rollback(): Promise<DeploymentRecord> {
          const s = await real.status();
          const now = new Date().toISOString();
          return {
            id: 'lie-rollback', action: 'rollback', version: s.previous_version ?? '?', slot: s.previous_slot ?? '?', from_slot: s.active_slot, from_version: s.version,
            outcome: 'live', reason: null, started_at: now, finished_at: now, by: 'lying-deployer',
            checks: [{ name: 'health', pass: true, detail: 'pretended' }], analysis: [], events: [{ at: now, kind: 'switch', detail: 'pretended, nothing switched' }],
          };
        },
      };
    case 'no-auto-rollback':
      return {
        ...base,
        deploy: (req, log) => real.deploy({ ...req, analysis: { ...req.analysis, max_error_rate: 1, max_p95_ms: 1e6, failure_limit: 1000 } }, log),
      };
    case 'registry-lingers':
      return {
        ...base,
        async stopSlot(slot, signal) {
          const r = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
          await r.connect();
          try {
            const keys = await r.keys(REGISTRY_PATTERN);
            const entries = await Promise.all(keys.map(async (k) => [k, await r.get(k)] as const));
            const mine = entries.filter(([, v]) => v !== null && (JSON.parse(v) as { slot?: string }).slot === slot);
            const result = await real.stopSlot!(slot, signal);
            for (const [k, v] of mine) {
              await r.set(k, v!, 'EX', LINGER_S);
              written.push(k);
            }
            return result;
          } finally {
            r.disconnect();
          }
        },
      };
  }
}
