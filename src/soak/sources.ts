/**
 * What a soak run can sample on its target: the gateway's /metrics (any target with a gateway),
 * the local stack's pids (stack.json: the active slot, Qdrant), Qdrant's /metrics (a Qdrant URL),
 * Redis (the target's URL, or VDB_REDIS_URL). What no source gives is said, with the fix.
 */
import type { Endpoint, Target } from '../targets/index.ts';
import type { SamplerSources } from './sampler.ts';

export interface SourcesInput {
  /** The gateway the load goes to (absent: the load goes to Qdrant directly). */
  gateway?: Endpoint;
  /** The engine: the target's Qdrant, or the endpoint under load with `--api qdrant`. */
  qdrant?: Endpoint;
  target?: Target;
  env?: NodeJS.ProcessEnv;
}

const metricsUrl = (base: string): string => new URL('/metrics', base).toString();

export function samplerSources(i: SourcesInput): SamplerSources {
  const notSampled: SamplerSources['notSampled'] = [];
  const stack = i.target?.kind === 'local' ? i.target.stack : undefined;
  const slot = stack?.gateway?.slots.find((s) => s.name === stack.gateway?.active);
  const out: SamplerSources = { notSampled };
  if (i.gateway) {
    out.gateway = { metricsUrl: metricsUrl(i.gateway.url), headers: i.gateway.apiKey ? { 'x-api-key': i.gateway.apiKey } : {}, ...(slot ? { pid: slot.pid } : {}) };
  } else {
    for (const name of ['gateway_rss_bytes', 'gateway_open_fds', 'gateway_event_loop_p99_ms'] as const) notSampled.push({ name, reason: 'no gateway: the load went to Qdrant directly (--api qdrant)' });
  }
  const env = i.env ?? process.env;
  // a run given --url has no target: the environment may still name the engine behind it
  const qdrant = i.qdrant ?? (env.VDB_QDRANT_URL ? { url: env.VDB_QDRANT_URL, apiKey: env.VDB_QDRANT_API_KEY ?? env.VDB_API_KEY } : undefined);
  if (stack || qdrant) {
    out.engine = { headers: qdrant?.apiKey ? { 'api-key': qdrant.apiKey } : {}, ...(qdrant ? { metricsUrl: metricsUrl(qdrant.url) } : {}), ...(stack ? { pid: stack.qdrant.pid } : {}) };
  } else {
    for (const name of ['engine_rss_bytes', 'engine_open_fds'] as const) notSampled.push({ name, reason: 'no Qdrant URL for this target: set VDB_QDRANT_URL (and VDB_QDRANT_API_KEY)' });
  }
  const redisUrl = i.target?.redis?.url ?? env.VDB_REDIS_URL;
  if (redisUrl) out.redisUrl = redisUrl;
  else notSampled.push({ name: 'redis_used_memory_bytes', reason: 'no Redis URL for this target: set VDB_REDIS_URL' });
  return out;
}
