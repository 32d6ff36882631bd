/**
 * What the rollback specs share: the deploy control (through the runner's control endpoint),
 * the front door's view of the deployment, search traffic around an action with its timeline
 * attached to the check, and a watcher of the service registry.
 */
import { request } from 'undici';
import type { DeploymentRecord, DeploymentStatus, InstanceInfo } from '../../src/deploy/types.ts';
import { buildTimeline, deployerMarks } from '../../src/readiness/timeline.ts';
import type { TrafficSample } from '../../src/readiness/timeline.ts';
import type { DeployRequest, SlotStopResult, StopSignal } from '../../src/targets/deploy-control.ts';
import { gw } from './http.ts';
import { fixtureQuery, modelConfig } from './models.ts';
import { note, record, setTimeline } from './record.ts';
import { target } from './target.ts';
import { Traffic } from './traffic.ts';
import type { TrafficResult } from './traffic.ts';

/** A deploy with validation and analysis takes a while; the control answers when it is done. */
const CONTROL_TIMEOUT_MS = 10 * 60_000;

async function controlCall<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ value: T; ms: number }> {
  const c = target().control;
  if (!c?.deploy) throw new Error('this target has no deploy control');
  const t0 = performance.now();
  const res = await request(`${c.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${c.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
    headersTimeout: CONTROL_TIMEOUT_MS,
    bodyTimeout: CONTROL_TIMEOUT_MS,
  });
  const text = await res.body.text();
  const ms = Math.round(performance.now() - t0);
  if (res.statusCode !== 200) {
    record({ label: `control ${method} ${path}`, request: `control ${method} ${path}`, status: res.statusCode, latency_ms: ms, excerpt: text.slice(0, 300) });
    throw new Error(`the deploy control (${c.deploy.via}) answered ${method} ${path} with ${res.statusCode}: ${text.slice(0, 300)}`);
  }
  return { value: JSON.parse(text) as T, ms };
}

/** One line about a record, for evidence and failure messages. */
export function describeRecord(r: DeploymentRecord): string {
  const failing = r.checks.filter((c) => !c.pass).map((c) => `${c.name} (${c.detail})`);
  return `${r.action} ${r.version} → slot ${r.slot} (from ${r.from_slot ?? '—'} ${r.from_version ?? ''}): ${r.outcome}${r.reason ? `, reason: ${r.reason}` : ''}${failing.length ? `; failing checks: ${failing.join('; ')}` : ''}; ${r.analysis.length} analysis interval(s)`;
}

function recordDeploy(label: string, r: DeploymentRecord, ms: number, log: string[]): void {
  record({ label, request: `control ${r.action}`, latency_ms: ms, excerpt: describeRecord(r) });
  if (r.analysis.length) {
    note(`${label}: analysis`, r.analysis.map((a) => `#${a.index} probe ${a.probe.requests}/${a.probe.errors} err p95 ${a.probe.p95_ms ?? '—'} · live ${a.live.requests}/${a.live.errors} err p95 ${a.live.p95_ms ?? '—'}${a.pass ? '' : ` ✗ ${a.reason}`}`).join(' | '));
  }
  if (r.outcome !== 'live' && log.length) note(`${label}: deployer log (tail)`, log.slice(-8).join(' | '));
}

export async function deploy(req: DeployRequest, label = `deploy ${req.version ?? ''}`.trim()): Promise<DeploymentRecord> {
  const { value, ms } = await controlCall<{ result: DeploymentRecord; log: string[] }>('POST', '/deploy', req);
  recordDeploy(label, value.result, ms, value.log);
  return value.result;
}

export async function rollback(label = 'manual rollback'): Promise<DeploymentRecord> {
  const { value, ms } = await controlCall<{ result: DeploymentRecord; log: string[] }>('POST', '/rollback');
  recordDeploy(label, value.result, ms, value.log);
  return value.result;
}

/** The deployer's view: active and previous slot and version, instances, history. */
export async function controlStatus(): Promise<DeploymentStatus> {
  return (await controlCall<DeploymentStatus>('GET', '/deployment')).value;
}

export async function stopSlot(slot: string, signal: StopSignal): Promise<SlotStopResult> {
  const { value, ms } = await controlCall<SlotStopResult>('POST', `/slot/${encodeURIComponent(slot)}/stop?signal=${signal}`);
  record({ label: `SIG${signal} slot ${slot}`, request: `control POST /slot/${slot}/stop?signal=${signal}`, latency_ms: ms, excerpt: `pid ${value.pid} signalled ${value.signalled_at}, gone ${value.exited_at ?? 'not yet'}` });
  return value;
}

/** `GET /api/v1/deployment/status` through the front door. */
export interface FrontDoorStatus {
  status?: string;
  version?: string;
  slot?: string;
  instance_id?: string;
  active?: boolean;
  instances?: InstanceInfo[];
  current?: { active_slot?: string; version?: string; previous_slot?: string | null; previous_version?: string | null } | null;
  registry_available?: boolean;
}

export async function frontDoorStatus(opts: { quiet?: boolean; label?: string } = {}): Promise<FrontDoorStatus> {
  const r = await gw.get('/api/v1/deployment/status', { quiet: opts.quiet ?? false, label: opts.label ?? 'deployment status (front door)', timeoutMs: 5000 });
  if (r.status !== 200) throw new Error(`GET /api/v1/deployment/status answered ${r.status}: ${r.text.slice(0, 200)}`);
  return r.json() as FrontDoorStatus;
}

/** The planted query's top-k ids through the front door, never from the search cache (a fresh score_threshold below every cosine score). */
export async function plantedTopK(model: string, label: string, limit = 10): Promise<string[]> {
  const cfg = await modelConfig(model);
  const q = fixtureQuery(cfg, 0);
  const r = await gw.post('/api/v1/vectors/search', { model, query_vector: q.vector, limit, score_threshold: -1 - Math.random() }, { label });
  if (r.status !== 200) throw new Error(`${label}: search answered ${r.status}: ${r.text.slice(0, 200)}`);
  return ((r.json().results ?? []) as Array<{ id: number | string }>).map((h) => String(h.id));
}

export interface TrafficSettings {
  ratePerS: number;
  hotConnections: number;
  idleConnections: number;
  idleEveryMs: number;
  timeoutMs: number;
  /** Traffic before the action: every connection is open and some have gone idle. */
  warmupMs: number;
  /** Traffic after the action: what the new state serves. */
  tailMs: number;
}

/** Searches on the fixture model, a few planted queries in turn. */
async function searchBodies(model: string, n = 20): Promise<string[]> {
  const cfg = await modelConfig(model);
  return Array.from({ length: n }, (_, j) => JSON.stringify({ model, query_vector: fixtureQuery(cfg, j).vector, limit: 10 }));
}

export interface Traced<T> {
  value: T;
  traffic: TrafficResult;
  samples: TrafficSample[];
}

/**
 * Runs `action` under constant-rate search traffic through the front door and attaches the
 * timeline (traffic buckets, the action's marks, the deployer's events) to the current check,
 * also when the action throws. `records` lists the deployment records whose events to draw.
 */
export async function underTraffic<T>(
  settings: TrafficSettings,
  action: (t: Traffic) => Promise<T>,
  records: (value: T) => DeploymentRecord[] = () => [],
  model = 'general',
): Promise<Traced<T>> {
  const d = target();
  const traffic = new Traffic({
    url: d.gateway.url,
    path: '/api/v1/vectors/search',
    headers: { 'content-type': 'application/json', 'x-api-key': d.gateway.apiKey },
    bodies: await searchBodies(model),
    ratePerS: settings.ratePerS,
    hotConnections: settings.hotConnections,
    idleConnections: settings.idleConnections,
    idleEveryMs: settings.idleEveryMs,
    timeoutMs: settings.timeoutMs,
  });
  traffic.start();
  let value: T | undefined;
  let failure: unknown;
  try {
    await sleep(settings.warmupMs);
    value = await action(traffic);
    await sleep(settings.tailMs);
  } catch (err) {
    failure = err;
  }
  const result = await traffic.stop();
  const marks = [...result.marks];
  if (value !== undefined) for (const r of records(value)) marks.push(...deployerMarks(r.events, result.startEpochMs, r.action === 'rollback' ? 'rollback · ' : ''));
  setTimeline(buildTimeline(result.samples, marks, { startEpochMs: result.startEpochMs, durationMs: result.durationMs, ratePerS: result.ratePerS, connections: result.connections }));
  note('traffic', `${result.samples.length} searches at ${result.ratePerS}/s on ${result.connections} keep-alive connections (${settings.idleConnections} used once per ${settings.idleEveryMs} ms), ${result.opened} connection(s) opened, ${result.samples.filter((s) => !s.ok).length} failed; never retried, timeout ${settings.timeoutMs} ms`);
  if (failure !== undefined) throw failure;
  return { value: value as T, traffic: result, samples: result.samples };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One look at the registry through the front door. */
export interface RegistryPoll {
  /** ms on the watcher's clock (the traffic's when given one). */
  t_ms: number;
  ok: boolean;
  instances: InstanceInfo[];
}

/**
 * Polls `/api/v1/deployment/status` through the front door every `everyMs` and keeps what the
 * registry listed each time, so the specs can say when an instance appeared and disappeared.
 */
export class RegistryWatch {
  readonly polls: RegistryPoll[] = [];
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly clock: () => number, private readonly everyMs = 100) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        const t_ms = this.clock();
        try {
          const s = await frontDoorStatus({ quiet: true });
          this.polls.push({ t_ms, ok: true, instances: s.instances ?? [] });
        } catch {
          this.polls.push({ t_ms, ok: false, instances: [] });
        }
        await sleep(this.everyMs);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** The first successful poll (at or after `from`) listing an instance that `match`es. */
  firstSeen(match: (i: InstanceInfo) => boolean, from = -Infinity): { t_ms: number; instance: InstanceInfo } | undefined {
    for (const p of this.polls) {
      if (!p.ok || p.t_ms < from) continue;
      const i = p.instances.find(match);
      if (i) return { t_ms: p.t_ms, instance: i };
    }
    return undefined;
  }

  /**
   * When instance `id` left for good: the first successful poll after `from` from which on no
   * poll lists it; undefined while it is (or is again) listed at the last poll.
   */
  goneFor(id: string, from = -Infinity): { t_ms: number; cameBack: boolean } | undefined {
    const ok = this.polls.filter((p) => p.ok && p.t_ms >= from);
    let goneAt: number | undefined;
    let cameBack = false;
    for (const p of ok) {
      const listed = p.instances.some((i) => i.id === id);
      if (!listed && goneAt === undefined) goneAt = p.t_ms;
      else if (listed && goneAt !== undefined) {
        goneAt = undefined;
        cameBack = true;
      }
    }
    return goneAt === undefined ? undefined : { t_ms: goneAt, cameBack };
  }

  /** The last successful poll at or after `from` that listed `id`. */
  lastListed(id: string, from = -Infinity): number | undefined {
    let last: number | undefined;
    for (const p of this.polls) if (p.ok && p.t_ms >= from && p.instances.some((i) => i.id === id)) last = p.t_ms;
    return last;
  }

  get failedPolls(): number {
    return this.polls.filter((p) => !p.ok).length;
  }
}

/**
 * A standby that really runs: an instance of another slot than the active one that answers
 * `/health` on its own URL. A registry entry may outlive its process (killed, not expired yet),
 * so being listed is not enough.
 */
export async function liveStandby(s: DeploymentStatus): Promise<InstanceInfo | undefined> {
  for (const i of s.instances.filter((x) => x.slot !== s.active_slot)) {
    try {
      const res = await request(`${i.url}/health`, { headersTimeout: 1000, bodyTimeout: 1000, signal: AbortSignal.timeout(1500) });
      await res.body.text();
      if (res.statusCode === 200) return i;
    } catch {
      // not this one
    }
  }
  return undefined;
}
