/**
 * `deploy`: a new version into the idle slot, zero-loss. Plan (slots.ts, plan.ts) → stop the old
 * standby there → start and wait (startup.ts) → pre-switch validation (validate.ts) → switch
 * (switch.ts: the link, no reload) → post-switch analysis (analyze.ts) → live, or automatic
 * rollback (switch back, stop the new slot) → record (record.ts). The previous active slot keeps
 * running as the standby for `rollback`.
 */
import { resolve } from 'node:path';
import { defaultGatewayConfigDir, readGatewaySettings } from '../launcher/gateway-config.ts';
import { activeSlotOf, addSlot } from '../launcher/slots.ts';
import type { SlotInfo } from '../launcher/types.ts';
import { UserError, errorMessage } from '../util/errors.ts';
import { resolveAnalysis } from './analysis.ts';
import { runAnalysis, probeRequest, scrape } from './analyze.ts';
import { reachableStack, stopSlot } from './common.ts';
import { acquireLock } from './lock.ts';
import { planDeploy, type SlotView } from './plan.ts';
import { Probe } from './probe.ts';
import { checkProductionGate } from './production-gate.ts';
import { RecordBuilder, saveRecord } from './record.ts';
import { liveSlots } from './slots.ts';
import { waitHealthy } from './startup.ts';
import { switchTo } from './switch.ts';
import type { DeployOptions, DeploymentRecord, DeployOutcome } from './types.ts';
import { validateSlot } from './validate.ts';
import { warmUp } from './warm-up.ts';

/** Set by the deployer itself: `--env` may not override them (use --version / --config for the two that have an option). */
const RESERVED_ENV = ['GATEWAY_SLOT', 'GATEWAY_SOCKET', 'GATEWAY_ACTIVE_LINK', 'GATEWAY_HOST', 'GATEWAY_PORT', 'GATEWAY_VERSION', 'GATEWAY_CONFIG_DIR', 'GATEWAY_ADVERTISE_URL'];

/** `--env K=V` pairs (the value may hold `=` and `,`). */
export function parseEnv(pairs: string[] = []): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of pairs) {
    const at = p.indexOf('=');
    if (at <= 0) throw new UserError(`--env must be K=V (got "${p}")`);
    env[p.slice(0, at)] = p.slice(at + 1);
  }
  return checkEnv(env);
}

export function checkEnv(env: Record<string, string>): Record<string, string> {
  for (const k of Object.keys(env)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new UserError(`--env ${k}: not an environment variable name (K=V)`);
    if (RESERVED_ENV.includes(k)) {
      const hint = k === 'GATEWAY_VERSION' ? 'use --version' : k === 'GATEWAY_CONFIG_DIR' ? 'use --config' : 'the deployer sets it';
      throw new UserError(`--env ${k} is not allowed: ${hint}`);
    }
  }
  return env;
}

export function checkVersion(v: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/.test(v)) throw new UserError(`--version must be 1-64 characters of letters, digits, . _ + - (got "${v}")`);
  return v;
}

/** deployment.yaml's version and a UTC timestamp: `1.0.0+20261128.221503`. */
export function defaultVersion(base: string, now = new Date()): string {
  const s = now.toISOString().replace(/[-:]/g, '');
  return checkVersion(`${base}+${s.slice(0, 8)}.${s.slice(9, 15)}`);
}

const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export async function deploy(opts: DeployOptions = {}): Promise<DeploymentRecord> {
  const log = opts.log ?? (() => undefined);
  const info = await reachableStack(opts.dir);
  const dir = info.dir;
  const gw = info.gateway;
  const activeName = activeSlotOf(gw);
  const activeInfo = gw.slots.find((s) => s.name === activeName);
  const configDir = resolve(opts.configDir ?? activeInfo?.configDir ?? defaultGatewayConfigDir());
  const settings = readGatewaySettings(configDir);
  const analysis = resolveAnalysis(settings.analysis, opts.analysis);
  const env = checkEnv(opts.env ?? {});
  const version = checkVersion(opts.version ?? defaultVersion(settings.version));

  const rec = new RecordBuilder('deploy', version, log);
  const release = acquireLock(dir, 'deploy');
  let started: SlotInfo | null = null;
  let switched = false;
  let from: SlotView | null = null;
  let probe: Probe | null = null;

  const finish = async (outcome: DeployOutcome, reason: string | null): Promise<DeploymentRecord> => {
    const r = rec.finish(outcome, reason);
    const saved = await saveRecord(dir, info.redis.url, r);
    log(`recorded ${r.id}: ${saved.file}${saved.redis ? ' and Redis vdb:deployment:history' : ' (Redis is down: file only)'}`);
    return r;
  };
  /** The new slot goes, the old one serves (again). */
  const stopNew = async (why: string): Promise<void> => {
    if (!started) return;
    const s = started;
    started = null;
    const t = performance.now();
    await stopSlot(dir, { slot: s.name, pid: s.pid, url: s.url, socket: s.socket, version: s.version, active: false, source: 'stack.json' }, (settings.drainTimeoutS + 10) * 1000);
    rec.event('stopped', `stopped ${s.name} (${s.version}, ${why}) in ${secs(performance.now() - t)}`);
  };

  try {
    rec.record.slot = settings.slots.find((s) => s !== activeName) ?? '';
    rec.record.from_slot = activeName;
    rec.record.from_version = activeInfo?.version ?? null;

    if (opts.production) {
      const g = await checkProductionGate({ resultsDir: opts.resultsDir, maxAgeS: opts.maxAgeS });
      rec.check({ name: 'production gate', pass: g.ok, detail: g.reason });
      if (!g.ok) {
        rec.event('aborted', g.reason);
        return await finish('aborted', g.reason);
      }
      rec.event('gate', g.reason);
    }

    const live = await liveSlots(info, settings.registryPrefix);
    const plan = planDeploy(settings.slots, live.active, live.slots);
    from = plan.from;
    rec.record.slot = plan.target;
    rec.record.from_slot = live.active;
    rec.record.from_version = from?.version ?? activeInfo?.version ?? null;
    rec.event('plan', `deploy ${version} into ${plan.target}; ${live.active} (${rec.record.from_version ?? '?'}) serves${from ? ' and stays as the standby' : ' (not running!)'} · slots from ${live.source}`);

    if (plan.stopFirst) {
      const old = plan.stopFirst;
      rec.event('stopped', `stopping the old standby ${old.slot} (${old.version ?? '?'}, pid ${old.pid}): it drains first`);
      const t = performance.now();
      await stopSlot(dir, old, (settings.drainTimeoutS + 10) * 1000);
      rec.event('stopped', `old standby ${old.slot} stopped in ${secs(performance.now() - t)}`);
    }

    const envNote = Object.keys(env).length ? `, env ${Object.keys(env).join(' ')}` : '';
    rec.event('start', `starting ${plan.target} (${version}; config ${configDir}${envNote})`);
    const spawned = await addSlot(dir, { name: plan.target, version, configDir, env });
    started = spawned.info;
    const up = await waitHealthy(started, settings.startup, { logOffset: spawned.logOffset, ...(spawned.logTail ? { logTail: spawned.logTail } : {}) });
    if (!up.ok) {
      rec.check({ name: 'start-up', pass: false, detail: [up.reason, ...up.logLines.map((l) => `  ${l}`)].join('\n') });
      rec.event('failed', `failed: ${up.reason}`);
      for (const l of up.logLines) log(`  | ${l}`);
      await stopNew('never healthy');
      return await finish('failed', up.reason);
    }
    rec.check({ name: 'start-up', pass: true, detail: `healthy in ${secs(up.ms)}` });
    rec.event('healthy', `${plan.target} healthy in ${secs(up.ms)} (${started.container ? `container ${started.container.slice(0, 12)}, ` : ''}pid ${started.pid}, ${started.url})`);

    const v = await validateSlot({ name: started.name, url: started.url, socket: started.socket, version }, gw.apiKey, Boolean(opts.validate), (c) => {
      rec.check(c);
      log(`  check ${c.name}: ${c.pass ? 'pass' : 'FAIL'} · ${c.detail}`);
    });
    const bad = v.checks.find((c) => !c.pass);
    if (bad) {
      const reason = `pre-switch check ${bad.name} failed: ${bad.detail}`;
      rec.event('failed', `failed: ${reason}`);
      await stopNew('failed validation');
      return await finish('failed', reason);
    }
    rec.event('validated', `validated: ${v.checks.length} checks passed${opts.validate ? '' : ' (health and model healths; --validate adds planted searches, auth, metrics)'}`);

    await warmUp(started.url, probeRequest(v.models, gw.apiKey));
    const before = await scrape(started.url).catch(() => null);
    probe = new Probe(gw.url, probeRequest(v.models, gw.apiKey), analysis.probe_rate_per_s, Math.max(1000, 4 * analysis.max_p95_ms));
    probe.start();
    log(`switching the front door to ${plan.target}`);
    const sw = await switchTo(dir, plan.target, gw.url, opts.switchMode);
    switched = true;
    const served = sw.servedAfterMs === null ? '' : `; it answered from ${plan.target} after ${sw.servedAfterMs.toFixed(0)} ms`;
    rec.event('switch', `switch: front door → ${plan.target} in ${sw.switchMs.toFixed(2)} ms (${opts.switchMode === 'reload' ? 'link renamed AND nginx reloaded' : 'link renamed, no reload'})${served}`);

    let rollbackReason: string | null = null;
    if (!sw.confirmed) {
      rollbackReason = `the front door kept answering from another slot than ${plan.target} after the switch`;
      await probe.stop();
    } else {
      const a = await runAnalysis({
        slotUrl: started.url,
        probe,
        before,
        settings: analysis,
        onInterval: (i, line) => {
          rec.interval(i);
          rec.check({ name: `analysis interval ${i.index}`, pass: i.pass, detail: line });
          rec.event('analysis', line);
        },
      });
      if (a.rollback) rollbackReason = a.reason;
    }
    probe = null;

    if (rollbackReason) {
      if (!from) {
        rec.event('failed', `failed: ${rollbackReason}; no previous slot runs to roll back to: ${plan.target} keeps serving`);
        return await finish('failed', `${rollbackReason}; no previous slot to roll back to`);
      }
      rec.event('rollback', `rolling back: ${rollbackReason}`);
      log(`switching the front door back to ${from.slot}`);
      const back = await switchTo(dir, from.slot, gw.url, opts.switchMode);
      switched = false;
      rec.event('rollback', `switch back: front door → ${from.slot} (${from.version ?? '?'}) in ${back.switchMs.toFixed(2)} ms`);
      await stopNew('rolled back');
      return await finish('rolled_back', rollbackReason);
    }
    started = null; // it serves now: nothing to clean up
    rec.event('live', `live: ${plan.target} serves ${version}; ${live.active} (${rec.record.from_version ?? '?'}) is the standby (\`npm run deploy -- rollback\` switches back)`);
    return await finish('live', null);
  } catch (err) {
    // something unexpected midway: put the stack back as it was, then report
    await probe?.stop().catch(() => undefined);
    if (switched && from) await switchTo(dir, from.slot, gw.url).catch(() => undefined);
    if (switched && !from) started = null; // nothing else serves
    await stopNew(`deploy aborted: ${errorMessage(err)}`).catch(() => undefined);
    throw err;
  } finally {
    release();
  }
}
