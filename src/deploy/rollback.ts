/**
 * `rollback`: the front door back to the standby (the previous version), when it runs and
 * answers /health; zero-loss like any switch (the link, no reload). The slot it leaves keeps
 * running as the new standby. Nothing to go back to (or an unhealthy standby) is a UserError
 * saying why, and nothing changes.
 */
import { readGatewaySettings, DEFAULT_REGISTRY_PREFIX } from '../launcher/gateway-config.ts';
import { socketReady } from '../launcher/services/gateway.ts';
import { UserError, errorMessage } from '../util/errors.ts';
import { ExitCode } from '../util/exit-codes.ts';
import { reachableStack } from './common.ts';
import { acquireLock } from './lock.ts';
import { planRollback } from './plan.ts';
import { RecordBuilder, saveRecord } from './record.ts';
import { liveSlots } from './slots.ts';
import { switchTo } from './switch.ts';
import type { DeploymentRecord, RollbackOptions } from './types.ts';

async function healthy(url: string): Promise<string | null> {
  try {
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(3000) });
    await res.arrayBuffer();
    return res.status === 200 ? null : `/health answered ${res.status}`;
  } catch (err) {
    return errorMessage((err as { cause?: unknown }).cause ?? err);
  }
}

export async function rollback(opts: RollbackOptions = {}): Promise<DeploymentRecord> {
  const log = opts.log ?? (() => undefined);
  const info = await reachableStack(opts.dir);
  const gw = info.gateway;
  const release = acquireLock(info.dir, 'rollback');
  try {
    const activeInfo = gw.slots.find((s) => s.name === gw.active);
    let prefix = DEFAULT_REGISTRY_PREFIX;
    try {
      if (activeInfo?.configDir) prefix = readGatewaySettings(activeInfo.configDir).registryPrefix;
    } catch {
      // the default prefix
    }
    const live = await liveSlots(info, prefix);
    const plan = planRollback(live.active, live.slots);
    if ('reason' in plan) throw new UserError(`cannot roll back: ${plan.reason}`, ExitCode.Failed);
    const target = plan.target;
    const sick = (await healthy(target.url)) ?? (target.socket && !socketReady(target.socket) ? `it does not listen on ${target.socket}` : null);
    if (sick) throw new UserError(`cannot roll back: the previous slot ${target.slot} (${target.version ?? '?'}, pid ${target.pid}) is not healthy: ${sick}`, ExitCode.Failed);

    const rec = new RecordBuilder('rollback', target.version ?? '?', log);
    rec.record.slot = target.slot;
    rec.record.from_slot = live.active;
    rec.record.from_version = plan.from?.version ?? activeInfo?.version ?? null;
    rec.check({ name: 'health', pass: true, detail: `${target.slot} answers /health on ${target.url}` });
    rec.event('plan', `roll back to ${target.slot} (${target.version ?? '?'}); ${live.active} (${rec.record.from_version ?? '?'}) stays as the standby`);
    log(`switching the front door to ${target.slot}`);
    const sw = await switchTo(info.dir, target.slot, gw.url, opts.switchMode);
    const served = sw.servedAfterMs === null ? '' : `; it answered from ${target.slot} after ${sw.servedAfterMs.toFixed(0)} ms`;
    rec.event('switch', `switch: front door → ${target.slot} in ${sw.switchMs.toFixed(2)} ms (link renamed, no reload)${served}`);
    rec.check({ name: 'front door', pass: sw.confirmed, detail: sw.confirmed ? `serves ${target.slot}` : `kept answering from another slot than ${target.slot}` });
    let outcome: 'live' | 'failed' = 'live';
    let reason: string | null = null;
    if (!sw.confirmed) {
      outcome = 'failed';
      reason = `the front door kept answering from another slot than ${target.slot} after the switch`;
      rec.event('failed', `failed: ${reason}`);
    } else {
      rec.event('live', `live: ${target.slot} serves ${target.version ?? '?'} again`);
    }
    const r = rec.finish(outcome, reason);
    const saved = await saveRecord(info.dir, info.redis.url, r);
    log(`recorded ${r.id}: ${saved.file}${saved.redis ? ' and Redis vdb:deployment:history' : ' (Redis is down: file only)'}`);
    return r;
  } finally {
    release();
  }
}
