import { readStackInfo, stackDown, stackStatus, stackUp } from '../launcher/launcher.ts';
import { localControl } from './local-control.ts';
import { localDeployControl } from './local-deploy.ts';
import type { ResolveTargetOptions, Target } from './types.ts';

/** The local stack: reused when it runs healthy, else brought up (and torn down on release unless `keep`). */
export async function resolveLocalTarget(opts: ResolveTargetOptions): Promise<Target> {
  const existing = readStackInfo(opts.dir);
  const reuse = existing !== null && (await stackStatus(opts.dir)).healthy && (opts.gateway === false || existing.gateway !== undefined);
  const info = reuse && existing ? existing : await stackUp({ dir: opts.dir, gateway: opts.gateway, log: opts.log });
  const startedHere = !reuse;
  return {
    kind: 'local',
    stack: info,
    qdrant: { url: info.qdrant.url, apiKey: info.qdrant.apiKey },
    redis: { url: info.redis.url },
    control: localControl(info.dir),
    ...(info.gateway ? { deploy: localDeployControl(info.dir) } : {}),
    ...(info.gateway ? { gateway: { url: info.gateway.url, apiKey: info.gateway.apiKey, keys: info.gateway.keys } } : {}),
    release: async () => {
      if (startedHere && !opts.keep) await stackDown(info.dir);
    },
  };
}
