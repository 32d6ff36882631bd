import { join } from 'node:path';
import { readStackInfo, writeStackInfo } from '../launcher/launcher.ts';
import { stopProcessGroup } from '@vdb-readiness/local-process';
import { QDRANT_STOP_GRACE_MS, startQdrant } from '../launcher/services/qdrant.ts';
import { startRedis } from '../launcher/services/redis.ts';
import type { StackInfo } from '../launcher/types.ts';
import type { ServiceControl } from './control.ts';

/**
 * Stops and restarts Redis or Qdrant of a local stack on the same port, data and key, and keeps
 * stack.json's pids current so `stack down` still stops everything.
 */
export function localControl(dir: string): ServiceControl {
  const load = (): StackInfo => {
    const info = readStackInfo(dir);
    if (!info) throw new Error(`no local stack in ${dir}`);
    return info;
  };
  const save = (info: StackInfo, oldPid: number, newPid: number): void => {
    info.pids = info.pids.map((p) => (p === oldPid ? newPid : p));
    writeStackInfo(info);
  };
  return {
    services: ['redis', 'qdrant'],
    async stop(service) {
      const info = load();
      if (service === 'redis') await stopProcessGroup(info.redis.pid);
      else if (service === 'qdrant') await stopProcessGroup(info.qdrant.pid, QDRANT_STOP_GRACE_MS);
      else throw new Error(`cannot stop ${service}`);
    },
    async start(service) {
      const info = load();
      if (service === 'redis') {
        const u = new URL(info.redis.url);
        const started = await startRedis({ host: u.hostname, port: Number(u.port), dataDir: join(info.dir, 'data', 'redis'), logPath: info.redis.log });
        const old = info.redis.pid;
        info.redis = started.info;
        save(info, old, started.info.pid);
      } else if (service === 'qdrant') {
        const u = new URL(info.qdrant.url);
        const started = await startQdrant({
          host: u.hostname,
          port: Number(u.port),
          storagePath: info.qdrant.storagePath,
          snapshotsPath: join(info.dir, 'data', 'qdrant', 'snapshots'),
          apiKey: info.qdrant.apiKey,
          logPath: info.qdrant.log,
        });
        const old = info.qdrant.pid;
        info.qdrant = started.info;
        save(info, old, started.info.pid);
      } else throw new Error(`cannot start ${service}`);
    },
  };
}
