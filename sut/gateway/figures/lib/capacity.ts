/**
 * Capacity arithmetic for a release engineer: from the CPU each component spent per search on
 * this machine, what one core of gateway and of engine serves, and whether the runbook's
 * production shape (16 engine cores, 2 gateway replicas × 16 workers) reaches 10,000 searches/s
 * at p95 < 10 ms. It assumes CPU per search stays what it was here (no contention between
 * cores, no network between hosts) and plans each side to be at most `utilisation` busy.
 */

export interface ProductionShape {
  engineCores: number;
  gatewayReplicas: number;
  workersPerReplica: number;
  targetPerS: number;
  p95TargetMs: number;
  /** Busy share each side is planned to: queueing grows fast above it. */
  utilisation: number;
}

/** The runbook's go-live shape and targets (RUNBOOK-4.5: > 10,000 ops/s, p95 < 10 ms; 2 × 16 workers). */
export const RUNBOOK_SHAPE: ProductionShape = { engineCores: 16, gatewayReplicas: 2, workersPerReplica: 16, targetPerS: 10_000, p95TargetMs: 10, utilisation: 0.7 };

/** CPU ms per search, by component, as measured (Linux /proc) over a saturated phase. */
export interface CpuPerSearch {
  gateway: number;
  nginx: number;
  redis: number;
  qdrant: number;
}

export interface CapacityInput {
  /** What served the searches (stack.json `qdrant.engine`, `qdrant.version`). */
  engine: { kind: 'qdrant' | 'qdrant-local'; version: string };
  /** Uncached searches through the gateway: every component's CPU per search. */
  uncached: CpuPerSearch;
  /** The engine's CPU per search when searched directly (no gateway). */
  directEngineMs: number;
  /** Cached searches through the gateway: the engine is not asked. */
  cached: CpuPerSearch;
  /** One client through the gateway, uncached (no queueing): p95 in ms; null if not measured. */
  unloadedP95Ms: number | null;
}

export interface CapacityPlan {
  /** Searches/s one fully busy core serves. */
  perCore: { gatewayUncached: number; gatewayCached: number; tierUncached: number; engine: number };
  /** Searches/s of the production shape's engine and gateway workers, each at `utilisation`. */
  engineMaxPerS: number;
  gatewayMaxPerS: number;
  limit: 'engine' | 'gateway';
  /** What the target needs at `utilisation`. */
  needed: { engineCores: number; gatewayWorkers: number; nginxRedisCores: number };
  /** Unloaded p95 plus the engine's queueing at the target rate (M/M/c); null without a latency figure. */
  p95AtTargetMs: number | null;
  withinReach: boolean;
  shape: ProductionShape;
}

const perS = (ms: number): number => (ms > 0 ? 1000 / ms : Number.POSITIVE_INFINITY);

/**
 * Erlang C: the probability that a search waits, with `servers` cores each serving `mu`/s and
 * searches arriving at `lambda`/s (1 when the cores cannot keep up).
 */
export function erlangC(servers: number, lambda: number, mu: number): number {
  const a = lambda / mu;
  const rho = a / servers;
  if (rho >= 1) return 1;
  // sum of a^k/k! for k < servers, computed term by term
  let term = 1;
  let sum = 0;
  for (let k = 0; k < servers; k++) {
    sum += term;
    term *= a / (k + 1);
  }
  const last = term / (1 - rho);
  return last / (sum + last);
}

/** The p-quantile of the wait in an M/M/c queue (ms): 0 when fewer than 1 − p of searches wait. */
export function queueWaitQuantileMs(servers: number, lambda: number, mu: number, p: number): number {
  const c = erlangC(servers, lambda, mu);
  if (servers * mu <= lambda) return Number.POSITIVE_INFINITY;
  if (c <= 1 - p) return 0;
  return (Math.log(c / (1 - p)) / (servers * mu - lambda)) * 1000;
}

export function capacityPlan(input: CapacityInput, shape: ProductionShape = RUNBOOK_SHAPE): CapacityPlan {
  const u = input.uncached;
  const perCore = {
    gatewayUncached: perS(u.gateway),
    gatewayCached: perS(input.cached.gateway),
    tierUncached: perS(u.gateway + u.nginx + u.redis),
    engine: perS(input.directEngineMs),
  };
  const workers = shape.gatewayReplicas * shape.workersPerReplica;
  const engineMaxPerS = shape.engineCores * perCore.engine * shape.utilisation;
  const gatewayMaxPerS = workers * perCore.gatewayUncached * shape.utilisation;
  const needed = {
    engineCores: Math.ceil(shape.targetPerS / (perCore.engine * shape.utilisation)),
    gatewayWorkers: Math.ceil(shape.targetPerS / (perCore.gatewayUncached * shape.utilisation)),
    nginxRedisCores: Math.ceil((shape.targetPerS * (u.nginx + u.redis)) / 1000 / shape.utilisation),
  };
  const p95AtTargetMs =
    input.unloadedP95Ms === null ? null : input.unloadedP95Ms + queueWaitQuantileMs(shape.engineCores, shape.targetPerS, perCore.engine, 0.95);
  const fits = Math.min(engineMaxPerS, gatewayMaxPerS) >= shape.targetPerS;
  return {
    perCore,
    engineMaxPerS,
    gatewayMaxPerS,
    limit: engineMaxPerS <= gatewayMaxPerS ? 'engine' : 'gateway',
    needed,
    p95AtTargetMs,
    withinReach: fits && (p95AtTargetMs === null || p95AtTargetMs < shape.p95TargetMs),
    shape,
  };
}

/** What the shape is short on, one line each (empty when within reach). */
export function shortOn(plan: CapacityPlan, latency = 'p95 over its target'): string[] {
  const s = plan.shape;
  const short: string[] = [];
  if (plan.engineMaxPerS < s.targetPerS) short.push(`the engine (needs ${plan.needed.engineCores} cores, has ${s.engineCores})`);
  if (plan.gatewayMaxPerS < s.targetPerS) short.push(`the gateway (needs ${plan.needed.gatewayWorkers} workers, has ${s.gatewayReplicas * s.workersPerReplica})`);
  if (plan.p95AtTargetMs !== null && !(plan.p95AtTargetMs < s.p95TargetMs)) short.push(`latency (${latency})`);
  return short;
}

const n0 = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : 'n/a');

/** The capacity section of `npm run bench:gateway`. */
export function renderCapacity(input: CapacityInput, plan: CapacityPlan): string[] {
  const s = plan.shape;
  const pct = Math.round(s.utilisation * 100);
  const p95 = plan.p95AtTargetMs;
  const latency =
    p95 === null ? 'p95 not estimated (--serial 0)'
    : `p95 ≈ ${Number.isFinite(p95) ? p95.toFixed(2) : '∞'} ms (unloaded ${input.unloadedP95Ms!.toFixed(2)} ms + the engine's queue at ${n0(s.targetPerS)}/s, M/M/${s.engineCores}; target < ${s.p95TargetMs} ms)`;
  const short = shortOn(plan, latency);
  return [
    `capacity (engine: ${input.engine.kind}${input.engine.version ? ` ${input.engine.version}` : ''}; CPU per search as measured above, each side planned to ${pct} % busy)`,
    `  per core: gateway ${n0(plan.perCore.gatewayUncached)} uncached / ${n0(plan.perCore.gatewayCached)} cached searches/s; gateway tier (gateway + nginx + Redis) ${n0(plan.perCore.tierUncached)} uncached; engine ${n0(plan.perCore.engine)}`,
    `  production shape (runbook): engine ${s.engineCores} cores → ${n0(plan.engineMaxPerS)}/s; gateway ${s.gatewayReplicas} × ${s.workersPerReplica} workers → ${n0(plan.gatewayMaxPerS)}/s uncached; nginx + Redis need ${plan.needed.nginxRedisCores} more cores at ${n0(s.targetPerS)}/s`,
    `  ${latency}`,
    `  ${n0(s.targetPerS)} searches/s at p95 < ${s.p95TargetMs} ms: ${plan.withinReach ? `within reach, limited first by the ${plan.limit}` : `NOT within reach: short on ${short.join('; ')}`}` +
      `${input.engine.kind === 'qdrant' ? '' : ' — engine figures are qdrant-local\'s, not a real Qdrant\'s: set QDRANT_BIN for those'}`,
  ];
}
