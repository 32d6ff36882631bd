/**
 * The preflight as each command other than readiness asks for it: what it sends load or data to,
 * with the names (variable or flag) a person set it with. Each throws the first problem as the
 * CLI's one line (exit 2 or 3) before anything is sent or written.
 */
import { resolveExternalTarget } from '../targets/external.ts';
import { assertLoadAllowed } from '../targets/remote-guard.ts';
import type { Target } from '../targets/types.ts';
import { assertPreflight } from './index.ts';
import { externalNames } from './types.ts';
import type { Names, PreflightReport } from './types.ts';

type Endpoints = Pick<Target, 'gateway' | 'qdrant' | 'redis'>;

/**
 * `bench` with `--url` or `--target external`: the one API it searches (`--api gateway|qdrant`),
 * its key from `--api-key` or the environment as bench reads them.
 */
export async function preflightBench(o: { url?: string; target: string; api: 'gateway' | 'qdrant'; apiKey?: string; allowRemoteLoad?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<PreflightReport | undefined> {
  if (!o.url && o.target !== 'external') return undefined;
  const keyName = o.apiKey !== undefined ? '--api-key' : undefined;
  let t: Endpoints;
  let names: Names;
  if (o.url) {
    const key = o.apiKey ?? (o.api === 'gateway' ? env.VDB_API_KEY : (env.VDB_QDRANT_API_KEY ?? env.VDB_API_KEY));
    t = o.api === 'gateway' ? { gateway: { url: o.url.replace(/\/$/, ''), apiKey: key ?? '' } } : { qdrant: { url: o.url.replace(/\/$/, ''), ...(key ? { apiKey: key } : {}) } };
    names = externalNames(env, { gatewayUrl: '--url', qdrantUrl: '--url', ...(keyName ? { apiKey: keyName, qdrantKey: keyName, qdrantKeyFrom: 'own' as const } : {}) });
  } else {
    const ext = resolveExternalTarget(env);
    t = o.api === 'gateway'
      ? { ...(ext.gateway ? { gateway: { ...ext.gateway, apiKey: o.apiKey ?? ext.gateway.apiKey } } : {}) }
      : { ...(ext.qdrant ? { qdrant: { ...ext.qdrant, ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}) } } : {}) };
    names = externalNames(env, keyName ? { apiKey: keyName, qdrantKey: keyName, qdrantKeyFrom: 'own' } : {});
  }
  const url = o.api === 'gateway' ? t.gateway?.url : t.qdrant?.url;
  // the remote guard says first: the preflight's few requests are not load, but its line is the one to fix first
  if (url) assertLoadAllowed(url, { allowRemoteLoad: o.allowRemoteLoad });
  return assertPreflight(t, { needs: { [o.api]: 'required' }, names, anyServer: true });
}

/** `k6 --target external`: the gateway and its key, the only things k6 is given. */
export async function preflightK6(target: string, allowRemoteLoad: boolean, env: NodeJS.ProcessEnv = process.env): Promise<PreflightReport | undefined> {
  if (target !== 'external') return undefined;
  const ext = resolveExternalTarget(env);
  if (ext.gateway) assertLoadAllowed(ext.gateway.url, { allowRemoteLoad });
  return assertPreflight({ ...(ext.gateway ? { gateway: ext.gateway } : {}) }, { needs: { gateway: 'required' }, names: externalNames(env) });
}

/**
 * `fixtures load`: the Qdrant it loads into, given by `--qdrant-url` or the external target, its key
 * by `--api-key`, VDB_QDRANT_API_KEY, or (the external target only) VDB_API_KEY in its place.
 */
export async function preflightFixturesLoad(o: { url: string; apiKey?: string; urlFlag: boolean; keyFlag: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<PreflightReport> {
  const fallback = !o.urlFlag && !env.VDB_QDRANT_API_KEY && Boolean(env.VDB_API_KEY);
  const qdrantKeyFrom = !o.apiKey ? 'none' : !o.keyFlag && fallback ? 'gateway-key' : 'own';
  const names = externalNames(env, { ...(o.urlFlag ? { qdrantUrl: '--qdrant-url' } : {}), ...(o.keyFlag ? { qdrantKey: '--api-key' } : {}), qdrantKeyFrom });
  return assertPreflight({ qdrant: { url: o.url.replace(/\/$/, ''), ...(o.apiKey ? { apiKey: o.apiKey } : {}) } }, { needs: { qdrant: 'required' }, names });
}

/** The local stack's names: everything comes from `.stack/stack.json`, and the fix is the stack itself. */
const STACK_NAMES: Names = {
  gatewayUrl: "the stack's front door (stack.json gateway.url)",
  apiKey: "the stack's load key (stack.json gateway.apiKey)",
  roleKeys: "the stack's keys (stack.json gateway.keys)",
  qdrantUrl: "the stack's Qdrant (stack.json qdrant.url)",
  qdrantKey: "the stack's Qdrant key (stack.json qdrant.apiKey)",
  redisUrl: "the stack's Redis (stack.json redis.url)",
  start: 'bring the stack up with `npm run stack -- up`',
};

/**
 * `deploy` and `rollback` on the local stack: the front door answers (unreachable: exit 3, the
 * stack to bring up) and Redis, advisory (the deployer records to a file when Redis is down).
 */
export async function preflightStack(stack: { gateway: { url: string; apiKey: string }; redis: { url: string } }, warn: (line: string) => void): Promise<PreflightReport> {
  return assertPreflight({ gateway: stack.gateway, redis: stack.redis }, { needs: { gateway: 'required', redis: 'advisory' }, gatewayKey: false, names: STACK_NAMES, warn });
}
