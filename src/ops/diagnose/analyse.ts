/**
 * diagnose's judgement, without I/O: a snapshot (types.ts) in, findings out. Areas, in order:
 * services (each process: alive, health probe), front door (the active slot, where it is
 * written down, and which slot the front door really answers through), gateway (each slot's
 * diagnostics: dependencies, collections, cache, event loop, fault injection), registry (live
 * instances against running slots, dead pids, stale heartbeats), deployment (the deployer's
 * current record and last outcome), and with `production` the settings that must not reach
 * production (fault injection, auth off, debug logging, …).
 *
 * Registry entries and deployment records are written by the gateway and the deployer, whose
 * shapes this reads defensively (the blue/green contract): a missing field is "unknown", not an
 * error of diagnose.
 */
import type { Finding, Level } from '../findings.ts';
import { ago, oneLine } from '../findings.ts';
import { redactUrl } from '../../util/redact.ts';
import type { DiagnoseSnapshot, HttpAnswer, ServiceSnapshot, SlotSnapshot } from './types.ts';

export interface AnalyseOptions {
  /** Add the production-only findings (and judge fault injection harder). */
  production?: boolean;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : null);
const str = (o: Obj | null | undefined, k: string): string | null => (typeof o?.[k] === 'string' && o[k] !== '' ? (o[k] as string) : null);
const num = (o: Obj | null | undefined, k: string): number | null => (typeof o?.[k] === 'number' && Number.isFinite(o[k]) ? (o[k] as number) : null);
const bool = (o: Obj | null | undefined, k: string): boolean | null => (typeof o?.[k] === 'boolean' ? (o[k] as boolean) : null);

const RESTART = 'npm run stack -- up (restarts a broken stack; data is kept)';
const EVENT_LOOP_P99_WARN_MS = 200;

/** The name `npm run stack -- logs` knows a service by. */
const logsName = (s: ServiceSnapshot): string => (s.kind === 'qdrant' ? 'qdrant' : s.name);

/** The slot nginx routes to: the contract's active.sock link, else nginx's proxy_pass, else stack.json. */
export function effectiveActive(snap: DiagnoseSnapshot): string | null {
  const a = snap.gateway?.active;
  if (!a) return null;
  return a.link?.slot ?? a.nginxConf ?? a.stackJson;
}

/** GATEWAY_FAULTS of a slot: what its diagnostics say (`slot.faults`), else its process environment (or stack.json's envKeys); null when off. */
export function faultsOf(slot: SlotSnapshot): string | null {
  const d = obj(slot.diagnostics?.body);
  // the gateway's own word (diagnostics `slot.faults`: the GATEWAY_FAULTS it runs with, or null)
  const own = obj(d?.slot);
  if (own && 'faults' in own) return typeof own.faults === 'string' && own.faults.trim() !== '' ? own.faults.trim() : null;
  const f = d?.faults ?? d?.fault_injection;
  if (typeof f === 'string' && f.trim() !== '') return f.trim();
  const fo = obj(f);
  if (fo) {
    const enabled = bool(fo, 'enabled') ?? bool(fo, 'active');
    const spec = str(fo, 'spec') ?? str(fo, 'raw') ?? str(fo, 'config');
    if (enabled === false) return null;
    if (enabled === true || spec) return spec ?? 'enabled';
  }
  if (slot.faultsEnv !== null) return slot.faultsEnv.trim() || null;
  return slot.envKeys.includes('GATEWAY_FAULTS') ? 'set (value not recorded)' : null;
}

/** `x-gateway-slot` (contract), else the body's `slot`. */
function answeredSlot(a: HttpAnswer): string | null {
  return a.headers['x-gateway-slot'] || str(obj(a.body), 'slot');
}

function answeredVersion(a: HttpAnswer): string | null {
  return a.headers['x-gateway-version'] || str(obj(a.body), 'version');
}

function httpProblem(a: HttpAnswer): string {
  if (a.status === 0) return `does not answer (${a.error ?? 'no answer'})`;
  const b = obj(a.body);
  const msg = str(obj(b?.error), 'message') ?? str(b, 'message') ?? str(b, 'error');
  return `answers HTTP ${a.status}${msg ? ` (${oneLine(msg, 100)})` : ''}`;
}

class Findings {
  readonly list: Finding[] = [];
  constructor(private area: string) {}
  in(area: string): this {
    this.area = area;
    return this;
  }
  add(level: Level, where: string, what: string, fix?: string, details?: string[]): void {
    this.list.push({ level, area: this.area, where, what, ...(fix ? { fix } : {}), ...(details && details.length ? { details } : {}) });
  }
}

export function analyse(snap: DiagnoseSnapshot, opts: AnalyseOptions = {}): Finding[] {
  const out = new Findings('services');
  const active = effectiveActive(snap);
  const slots = snap.gateway?.slots ?? [];
  const healthyStandby = snap.services.find((s) => s.kind === 'gateway' && s.slot !== active && s.alive && s.healthy);

  services(out, snap, active, healthyStandby?.slot ?? null);
  if (snap.gateway) frontDoor(out.in('front door'), snap, active);
  if (slots.length) gateway(out.in('gateway'), snap, active, opts);
  registry(out.in('registry'), snap, active);
  deployment(out.in('deployment'), snap, active);
  if (opts.production) production(out.in('production'), snap, active);
  return out.list;
}

function services(out: Findings, snap: DiagnoseSnapshot, active: string | null, standby: string | null): void {
  for (const s of snap.services) {
    const isGateway = s.kind === 'gateway';
    const role = isGateway && snap.gateway ? (s.slot === active ? ' (active)' : ' (standby)') : '';
    const at = s.url ? ` at ${redactUrl(s.url)}` : '';
    if (s.alive && s.healthy) {
      out.add('ok', s.name, `pid ${s.pid}${role}, answers its health probe${at}`);
      continue;
    }
    const isStandby = isGateway && active !== null && s.slot !== active;
    const state = s.alive ? `pid ${s.pid}${role} runs but does not answer its health probe${at}` : `pid ${s.pid}${role} is not running${s.url ? ` (was ${redactUrl(s.url)})` : ''}`;
    const effect =
      s.kind === 'redis' ? 'the gateway runs degraded: no cache, no rate limits, no registry'
        : s.kind === 'qdrant' ? 'every search and write fails'
          : s.kind === 'nginx' ? (s.alive ? 'requests through the front door fail (nginx proxies /health to the active slot)' : 'the front door is closed')
            : isStandby ? 'there is no slot to roll back to' : 'the front door has no gateway behind it';
    const logs = `npm run stack -- logs ${logsName(s)}`;
    const fix = isGateway && !isStandby && standby
      ? `npm run deploy -- rollback (switches the front door to ${standby}, which is healthy), or ${RESTART}`
      : `${logs} (why), then ${RESTART}`;
    const details = s.logTail.length ? [`from ${s.log}:`, ...s.logTail.map((l) => `  ${l}`)] : [`nothing in ${s.log} says why`];
    out.add(isStandby ? 'warn' : 'fail', s.name, `${state}: ${effect}`, fix, details);
  }
}

function frontDoor(out: Findings, snap: DiagnoseSnapshot, active: string | null): void {
  const gw = snap.gateway;
  if (!gw) return;
  const { link, nginxConf, stackJson } = gw.active;
  if (link?.error) {
    out.add('fail', 'active.sock', `${link.path} is ${link.error}: nginx has no slot to send requests to`, `npm run deploy -- rollback (links the previous slot again), or ${RESTART}`);
  }
  const records: Array<[string, string]> = [];
  if (link?.slot) records.push(['active.sock', link.slot]);
  if (!link && nginxConf) records.push(['nginx.conf', nginxConf]);
  if (stackJson) records.push(['stack.json', stackJson]);
  if (new Set(records.map(([, s]) => s)).size > 1) {
    out.add('warn', 'active slot', `the records disagree: ${records.map(([w, s]) => `${w} → ${s}`).join(', ')} (nginx follows ${records[0]?.[0]})`, 'npm run deploy -- status (what the last deployment did), then npm run deploy -- rollback to settle on one slot');
  }
  const known = gw.slots.map((s) => s.name);
  if (active && !known.includes(active)) {
    out.add('fail', 'active slot', `${active} is active but is not a slot of this stack (slots: ${known.join(', ') || 'none'})`, RESTART);
  }
  // nginx gone: services says so, and nothing answers at the front door by construction
  if (snap.services.some((s) => s.kind === 'nginx' && !s.alive)) return;
  const a = gw.frontDoor.answer;
  const url = redactUrl(gw.frontDoor.url);
  if (a.status === 0) {
    out.add('fail', 'front door', `${url} ${httpProblem(a)}`, `npm run stack -- logs nginx (why), then ${RESTART}`);
    return;
  }
  if (a.status === 401 || a.status === 403) {
    out.add('fail', 'front door', `${url} refuses the stack's API key (${httpProblem(a)})`, 'npm run stack -- down && npm run stack -- up (new keys, written to stack.json)');
    return;
  }
  if (a.status >= 500) {
    out.add('fail', 'front door', `${url} ${httpProblem(a)}: nginx cannot get an answer from the active slot${active ? ` (${active})` : ''}`, `npm run stack -- logs nginx, npm run stack -- logs gateway-${active ?? '<slot>'} (why), then ${RESTART}`);
    return;
  }
  if (a.status < 200 || a.status >= 300) {
    out.add('warn', 'front door', `${url} ${httpProblem(a)} on GET /api/v1/deployment/status`, 'npm run stack -- logs nginx');
    return;
  }
  const slot = answeredSlot(a);
  const version = answeredVersion(a);
  if (!slot) {
    out.add('warn', 'front door', `${url} answers, but says neither x-gateway-slot nor its slot: cannot tell which slot serves`);
  } else if (active && slot !== active) {
    out.add('fail', 'front door', `${url} answers through ${slot}, but ${active} is the active slot`, 'npm run deploy -- status, then npm run deploy -- rollback (or deploy again) to make one slot active');
  } else {
    out.add('ok', 'front door', `${url} answers through ${slot}${version ? ` (version ${version})` : ''}`);
  }
}

function gateway(out: Findings, snap: DiagnoseSnapshot, active: string | null, opts: AnalyseOptions): void {
  const services = new Map(snap.services.map((s) => [s.slot ?? '', s]));
  const collectionsFrom = snap.gateway?.slots.find((s) => s.name === active && s.alive) ?? snap.gateway?.slots.find((s) => s.alive);
  for (const slot of snap.gateway?.slots ?? []) {
    if (!slot.alive) continue; // services says it
    const where = `gateway-${slot.name}`;
    const isActive = slot.name === active;
    const healthy = services.get(slot.name)?.healthy ?? false;
    const said = str(obj(slot.status?.body), 'slot');
    if (slot.status?.status === 200 && said && said !== slot.name) {
      out.add('fail', where, `the process in slot ${slot.name} says it is slot ${said}`, RESTART);
    }
    if (slot.socket && slot.socketExists === false) {
      out.add(isActive ? 'fail' : 'warn', where, `its socket ${slot.socket} is missing: nginx cannot reach it through active.sock`, RESTART);
    }
    const faults = faultsOf(slot);
    if (faults && !opts.production) {
      out.add(isActive ? 'warn' : 'info', where, `fault injection is on (GATEWAY_FAULTS=${faults})${isActive ? ': real requests are failed on purpose' : ' (a rollback drill?)'}`, isActive ? 'npm run deploy (a new slot, from a shell without GATEWAY_FAULTS), or npm run deploy -- rollback' : undefined);
    }
    const own = obj(obj(slot.diagnostics?.body)?.slot);
    if (bool(own, 'draining') === true) {
      out.add(isActive ? 'fail' : 'info', where, `is draining (shutting down)${isActive ? ' while it is the active slot: the front door loses it' : ''}`, isActive ? 'npm run deploy -- rollback, or npm run stack -- up' : undefined);
    }
    const d = slot.diagnostics;
    if (!d || d.status !== 200) {
      if (healthy && d) out.add('warn', where, `GET /api/v1/deployment/diagnostics ${httpProblem(d)}`, `npm run stack -- logs ${where}`);
      continue;
    }
    const body = obj(d.body);
    dependencies(out, where, obj(body?.dependencies));
    if (slot === collectionsFrom) collections(out, where, body?.collections, snap);
    const cache = obj(body?.cache);
    if (bool(cache, 'enabled') === true && bool(cache, 'available') === false) {
      out.add('warn', where, 'the cache is enabled but unavailable (Redis): every search goes to Qdrant', 'npm run stack -- logs redis');
    }
    const p99 = num(obj(obj(body?.process)?.event_loop_delay_ms), 'p99');
    if (p99 !== null && p99 > EVENT_LOOP_P99_WARN_MS) {
      out.add('warn', where, `event loop delay p99 ${p99.toFixed(0)} ms (> ${EVENT_LOOP_P99_WARN_MS} ms): the process is overloaded or blocked`, `npm run stack -- logs ${where}`);
    }
  }
}

function dependencies(out: Findings, where: string, deps: Obj | null): void {
  const comps = Array.isArray(deps?.components) ? deps.components.map(obj).filter((c): c is Obj => c !== null) : [];
  if (comps.length === 0) {
    out.add('warn', where, 'its diagnostics list no dependencies', `npm run stack -- logs ${where}`);
    return;
  }
  const bad = comps.filter((c) => str(c, 'status') !== 'healthy');
  for (const c of bad) {
    const name = str(c, 'name') ?? '?';
    const status = str(c, 'status') ?? 'unknown';
    const err = str(c, 'error');
    const fix = name === 'qdrant' ? 'npm run stack -- status, npm run stack -- logs qdrant' : name === 'redis' ? 'npm run stack -- status, npm run stack -- logs redis' : undefined;
    out.add(status === 'unhealthy' ? 'fail' : 'warn', where, `sees ${name} ${status}${err ? `: ${oneLine(err, 120)}` : ''}`, fix);
  }
  if (bad.length === 0) {
    const list = comps.map((c) => `${str(c, 'name') ?? '?'} healthy${num(c, 'latency_ms') !== null ? ` (${(num(c, 'latency_ms') as number).toFixed(1)} ms)` : ''}`);
    out.add('ok', where, `dependencies: ${list.join(', ')}`);
  }
}

function collections(out: Findings, where: string, raw: unknown, snap: DiagnoseSnapshot): void {
  const list = Array.isArray(raw) ? raw.map(obj).filter((c): c is Obj => c !== null) : [];
  if (list.length === 0) {
    out.add('warn', where, 'no collection was ensured at start-up (diagnostics list none)', `npm run stack -- logs ${where}`);
    return;
  }
  const mismatched = list.filter((c) => str(c, 'action') === 'mismatch');
  for (const c of mismatched) {
    const name = str(c, 'collection') ?? '?';
    out.add('fail', where, `collection ${name} does not match the configuration: ${str(c, 'detail') ?? 'dimension mismatch'}`,
      `fix vector_size in the gateway's production.yaml, or drop it (curl -X DELETE ${redactUrl(snap.stack.qdrant.url)}/collections/${name} -H "api-key: <qdrant.apiKey of stack.json>") and restart the slot`);
  }
  const by = (action: string): number => list.filter((c) => str(c, 'action') === action).length;
  if (mismatched.length === 0) out.add('ok', where, `collections: ${list.length} ensured at start-up (${by('exists')} existed, ${by('created')} created)`);
}

interface Instance {
  key: string;
  id: string;
  slot: string | null;
  pid: number | null;
  heartbeatAt: string | null;
  active: boolean | null;
  ttlS: number | null;
  pidAlive: boolean | null;
}

function registry(out: Findings, snap: DiagnoseSnapshot, active: string | null): void {
  const settings = snap.registrySettings;
  const slots = snap.gateway?.slots ?? [];
  if (!snap.gateway) return;
  if (!settings.enabled) {
    out.add('info', 'registry', `disabled (service_registry.enabled: false in ${settings.source})`);
    return;
  }
  const reports = slots.filter((s) => s.alive && s.status?.status === 200).map((s) => obj(s.status?.body));
  const registers = (b: Obj | null): boolean => b !== null && ('instance_id' in b || 'instances' in b || 'registry_available' in b);
  if (snap.registry.entries.length === 0 && reports.length > 0 && !reports.some(registers)) {
    out.add('info', 'registry', 'the gateway reports no instance_id (it predates the service registry): registry checks skipped');
    return;
  }
  if (!snap.registry.available) {
    out.add('warn', 'registry', `cannot read the registry from Redis (${snap.registry.error ?? 'unknown error'})`, `npm run stack -- logs redis (why), then ${RESTART}`);
    return;
  }
  for (const s of slots.filter((x) => x.alive)) {
    if (bool(obj(s.status?.body), 'registry_available') === false) {
      out.add('warn', `gateway-${s.name}`, 'says the registry is unavailable to it (it cannot reach Redis): it is not registered', 'npm run stack -- logs redis, npm run stack -- logs gateway-' + s.name);
    }
  }
  const redis = redactUrl(snap.stack.redis.url);
  const del = (key: string): string => `redis-cli -u ${redis} DEL ${key}`;
  const instances: Instance[] = [];
  for (const e of snap.registry.entries) {
    const v = obj(e.value);
    if (!v) {
      out.add('warn', e.key, `is not a JSON registry entry (${oneLine(e.raw ?? 'no value', 60)})`, del(e.key));
      continue;
    }
    instances.push({
      key: e.key,
      id: str(v, 'id') ?? e.key.slice(e.key.lastIndexOf(':') + 1),
      slot: str(v, 'slot'),
      pid: num(v, 'pid'),
      heartbeatAt: str(v, 'heartbeat_at'),
      active: bool(v, 'active'),
      ttlS: e.ttlS,
      pidAlive: e.pidAlive,
    });
  }
  let problems = 0;
  const flag = (level: Level, where: string, what: string, fix?: string): void => {
    problems += 1;
    out.add(level, where, what, fix);
  };
  // running slots that are not registered
  for (const s of slots.filter((x) => x.alive)) {
    if (!instances.some((i) => i.slot === s.name && i.pid === s.pid)) {
      flag('warn', `gateway-${s.name}`, `runs (pid ${s.pid}) but is not registered under ${settings.prefix}gateway:*`, `npm run stack -- logs gateway-${s.name} (a Redis error?); it registers again on its next heartbeat once Redis answers`);
    }
  }
  const stackPids = new Set(slots.map((s) => s.pid));
  const current = obj(snap.deployments.current);
  const sinceSwitchS = (snap.now - Date.parse(str(current, 'deployed_at') ?? '')) / 1000;
  const settled = !Number.isFinite(sinceSwitchS) || sinceSwitchS > 2 * settings.heartbeatS;
  for (const i of instances) {
    const name = `instance ${i.id}`;
    if (i.pidAlive === false) {
      flag('warn', name, `is registered (slot ${i.slot ?? '?'}, pid ${i.pid ?? '?'}) but its process is dead${i.ttlS !== null && i.ttlS >= 0 ? `; the entry expires in ${i.ttlS} s` : ''}`, del(i.key));
      continue;
    }
    if (i.ttlS === -1) flag('warn', name, `has no TTL (${i.key}): it never expires if the instance dies`, del(i.key));
    const hb = i.heartbeatAt ? Date.parse(i.heartbeatAt) : Number.NaN;
    if (!Number.isFinite(hb)) {
      flag('warn', name, `has no readable heartbeat_at (${i.heartbeatAt ?? 'missing'})`, `npm run stack -- logs gateway-${i.slot ?? '<slot>'}`);
    } else if ((snap.now - hb) / 1000 > 2 * settings.heartbeatS) {
      flag('warn', name, `last heartbeat ${ago(i.heartbeatAt, snap.now)} (one every ${settings.heartbeatS} s expected): the instance is stalled or cannot reach Redis`, `npm run stack -- logs gateway-${i.slot ?? '<slot>'}`);
    }
    if (i.pid !== null && i.pidAlive && !stackPids.has(i.pid)) {
      out.add('info', name, `(slot ${i.slot ?? '?'}, pid ${i.pid}) runs but is not a slot in stack.json (a deployment in progress?)`);
    }
    if (settled && active && i.slot === active && i.active === false && stackPids.has(i.pid ?? -1)) {
      flag('warn', name, `is the active slot ${active} but registers active: false`, 'npm run deploy -- status');
    }
  }
  const claiming = instances.filter((i) => i.active === true && i.pidAlive !== false);
  if (settled && claiming.length > 1) {
    flag('warn', 'registry', `${claiming.length} instances register active: true (${claiming.map((i) => i.slot ?? i.id).join(', ')}): only one slot can be`, 'npm run deploy -- status');
  }
  if (problems === 0 && instances.length === 0) {
    out.add('info', 'registry', `nothing registered under ${settings.prefix}gateway:* (no slot runs)`);
  } else if (problems === 0) {
    out.add('ok', 'registry', `${instances.length} instance(s) registered (${instances.map((i) => `${i.slot ?? '?'} pid ${i.pid ?? '?'}`).join(', ')}), heartbeats fresh`);
  }
}

function deployment(out: Findings, snap: DiagnoseSnapshot, active: string | null): void {
  const { current: rawCurrent, history, source } = snap.deployments;
  const current = obj(rawCurrent);
  const last = history[0];
  if (!current && history.length === 0) {
    if (snap.gateway) out.add('info', 'deployment', `none recorded${source === 'none' && !snap.registry.available ? ' (Redis unreadable, no deployments/*.json)' : ''}: the launcher's first slot serves`);
    return;
  }
  if (current) {
    const recorded = str(current, 'active_slot');
    if (recorded && active && recorded !== active) {
      out.add('fail', 'current', `the deployer recorded ${recorded} as active (vdb:deployment:current), but the front door routes to ${active}`, 'npm run deploy -- status, then npm run deploy -- rollback (or deploy again)');
    }
    const activeSlot = snap.gateway?.slots.find((s) => s.name === active && s.alive);
    const serving = str(obj(activeSlot?.status?.body), 'version');
    const version = str(current, 'version');
    if (recorded === active && version && serving && version !== serving) {
      out.add('warn', 'current', `the deployer recorded version ${version} on ${recorded}, the slot reports ${serving}`, 'npm run deploy -- status');
    }
    const previous = str(current, 'previous_slot');
    if (previous) {
      const standby = snap.services.find((s) => s.slot === previous);
      if (standby?.alive && standby.healthy) out.add('info', 'standby', `${previous} (${str(current, 'previous_version') ?? 'version ?'}) runs: npm run deploy -- rollback switches back at once`);
      else out.add('info', 'standby', `none: the previous slot ${previous} (${str(current, 'previous_version') ?? 'version ?'}) does not run, so npm run deploy -- rollback has nothing to switch to`);
    }
  }
  const rec = obj(last);
  if (last !== undefined && !rec) {
    out.add('warn', 'last', `the newest entry of vdb:deployment:history is not a JSON record (${oneLine(String(last), 60)})`, 'npm run deploy -- status');
    return;
  }
  if (!rec) return;
  const action = str(rec, 'action') ?? 'deploy';
  const version = str(rec, 'version') ?? '?';
  const what = `${action} ${version} → ${str(rec, 'slot') ?? '?'}${str(rec, 'from_slot') ? ` (from ${str(rec, 'from_slot')})` : ''}`;
  const when = ago(str(rec, 'finished_at') ?? str(rec, 'started_at'), snap.now);
  const by = str(rec, 'by') ? `, by ${str(rec, 'by')}` : '';
  const outcome = str(rec, 'outcome') ?? 'unknown';
  const reason = str(rec, 'reason');
  const failedChecks = (Array.isArray(rec.checks) ? rec.checks : []).map(obj).filter((c): c is Obj => c !== null && c.pass === false);
  const details = failedChecks.slice(0, 3).map((c) => `check ${str(c, 'name') ?? '?'}: ${oneLine(str(c, 'detail') ?? 'failed', 140)}`);
  const src = source === 'files' ? ' (from deployments/*.json: Redis unreadable)' : '';
  if (outcome === 'live') out.add('ok', 'last', `${what}: live, ${when}${by}${src}`);
  else if (outcome === 'rolled_back' || outcome === 'failed') {
    out.add('warn', 'last', `${what}: ${outcome === 'failed' ? 'failed (it never served)' : 'rolled back'}, ${when}${by}${reason ? `: ${oneLine(reason, 120)}` : ''}${src}`,
      'npm run deploy -- status (its checks and analysis); fix the cause, then npm run deploy again', details);
  } else if (outcome === 'aborted') out.add('info', 'last', `${what}: aborted before anything changed, ${when}${by}${reason ? `: ${oneLine(reason, 120)}` : ''}`);
  else out.add('warn', 'last', `${what}: outcome ${outcome}, ${when}${by}`, 'npm run deploy -- status');
}

/** Overrides every slot the launcher starts has (addresses, keys, slot wiring): not worth a line. */
const LAUNCHER_OVERRIDES = new Set([
  'QDRANT_URL', 'QDRANT_API_KEY', 'REDIS_URL', 'GATEWAY_HOST', 'GATEWAY_PORT', 'GATEWAY_SLOT', 'GATEWAY_API_KEYS', 'GATEWAY_VERSION', 'GATEWAY_SOCKET', 'GATEWAY_ACTIVE_LINK', 'GATEWAY_INSTANCE_ID',
]);

const OPEN_ALLOWLIST = new Set(['0.0.0.0/0', '::/0', '*', '0.0.0.0']);

function production(out: Findings, snap: DiagnoseSnapshot, active: string | null): void {
  const slots = (snap.gateway?.slots ?? []).filter((s) => s.alive);
  if (slots.length === 0) {
    out.add('warn', 'production', 'no gateway slot runs: the production settings cannot be checked', RESTART);
    return;
  }
  const before = out.list.length;
  productionSettings(out, slots, active);
  if (!out.list.slice(before).some((f) => f.level === 'warn' || f.level === 'fail')) {
    out.add('ok', 'production', `no production hazard in the settings of ${slots.map((s) => `gateway-${s.name}`).join(', ')} (fault injection, auth, rate limits, allowlist, log level, metrics)`);
  }
}

function productionSettings(out: Findings, slots: SlotSnapshot[], active: string | null): void {
  for (const slot of slots) {
    const where = `gateway-${slot.name}`;
    const isActive = slot.name === active;
    const faults = faultsOf(slot);
    if (faults) {
      out.add(isActive ? 'fail' : 'warn', where, `fault injection is on (GATEWAY_FAULTS=${faults})${isActive ? ': it fails real requests' : ': a rollback to it would fail real requests'}`,
        'unset GATEWAY_FAULTS, then npm run deploy (a clean slot) or npm run stack -- down && npm run stack -- up');
    }
    const diag = slot.diagnostics?.status === 200 ? obj(slot.diagnostics.body) : null;
    const env = slot.environment?.status === 200 ? obj(slot.environment.body) : null;
    if (!diag && !env) {
      out.add('warn', where, 'neither diagnostics nor environment status answer: its production settings cannot be checked', `npm run stack -- logs ${where}`);
      continue;
    }
    const sec = obj(diag?.security);
    if (bool(sec, 'api_key_auth') === false) out.add('fail', where, 'API key authentication is off (security.api_key_auth: false): anyone who reaches it can read and write', 'set security.api_key_auth: true in production.yaml, then npm run deploy');
    if (bool(sec, 'rate_limiting') === false) out.add('warn', where, 'rate limiting is off (security.rate_limiting: false)', 'set security.rate_limiting: true in production.yaml, then npm run deploy');
    const allow = Array.isArray(sec?.ip_allowlist) ? (sec.ip_allowlist as unknown[]).map(String) : null;
    if (allow && (allow.length === 0 || allow.some((a) => OPEN_ALLOWLIST.has(a)))) {
      out.add('warn', where, `the IP allowlist admits everyone (${allow.length ? allow.join(', ') : 'empty'})`, 'list the client networks in security.ip_allowlist (or GATEWAY_IP_ALLOWLIST), then npm run deploy');
    }
    const level = str(env, 'log_level');
    if (level && /^(debug|trace)$/i.test(level)) out.add('warn', where, `log level ${level}: slower, and may log request details`, 'LOG_LEVEL=info (or api_gateway.log_level: info), then npm run deploy');
    if (bool(env, 'monitoring_enabled') === false) out.add('warn', where, 'metrics are off (monitoring.metrics_enabled: false): nothing to alert on', 'MONITORING_ENABLED=true, then npm run deploy');
    const environment = str(env, 'environment') ?? str(obj(diag?.deployment), 'environment');
    if (environment && environment !== 'production') out.add('info', where, `reports environment=${environment} (this stack is not configured as production)`);
    const overrides = Array.isArray(env?.overrides) ? (env.overrides as unknown[]).map(String).filter((o) => !LAUNCHER_OVERRIDES.has(o)) : [];
    if (overrides.length) out.add('info', where, `environment variables override its config files: ${overrides.join(', ')}`);
  }
}
