/**
 * The bench's figures as a results file the suite's `npm run report` reads: the documented format
 * `vdb-readiness/capacity@1` (the suite's reports/README.md, field by field). Written here from
 * that documentation, not from the suite's code, as the stack and the suite meet only through
 * commands and files.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CapacityInput, CapacityPlan } from './capacity.ts';
import { shortOn } from './capacity.ts';
import type { ScalingPoint } from './scaling.ts';
import { machineCap, visitOrder } from './scaling.ts';

export const CAPACITY_SCHEMA = 'vdb-readiness/capacity@1';

export interface CapacityRun {
  runId: string;
  startedAt: string;
  machine: { cores: number; placement: string; loadAverage: string; stealPct: number | null };
  measured: {
    concurrency: number; requestsPerPhase: number; directPerS: number; gatewayUncachedPerS: number; gatewayCachedPerS: number;
    /** The gateway-bound phase (lib/gateway-bound.ts); null when skipped. */
    gatewayBound: { perS: number; gatewayMs: number; redisMs: number } | null;
  };
  input: CapacityInput;
  plan: CapacityPlan;
  scaling: { concurrency: number; points: ScalingPoint[]; target: number } | null;
  warnings: string[];
}

/** `<yyyymmdd>-<hhmmss>-capacity-<hex>`, the run id format of every results file. */
export function capacityRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${stamp}-capacity-${randomBytes(3).toString('hex')}`;
}

const finite = (x: number): number | null => (Number.isFinite(x) ? x : null);

export function capacityDocument(run: CapacityRun, state: 'running' | 'complete' | 'interrupted'): Record<string, unknown> {
  const { input, plan } = run;
  const s = plan.shape;
  const scaling = run.scaling;
  const base = scaling?.points[0];
  const two = scaling?.points.find((p) => p.workers === 2 * (base?.workers ?? 1));
  return {
    schema: CAPACITY_SCHEMA,
    kind: 'capacity',
    run_id: run.runId,
    state,
    started_at: run.startedAt,
    ...(state === 'running' ? {} : { finished_at: new Date().toISOString() }),
    gates: { profile: 'capacity', label: 'capacity: a plan, not a gate', results: [] },
    tool: 'bench:gateway',
    engine: { kind: input.engine.kind, version: input.engine.version || null },
    machine: { cores: run.machine.cores, placement: run.machine.placement, load_average: run.machine.loadAverage, steal_pct: run.machine.stealPct },
    measured: {
      concurrency: run.measured.concurrency,
      requests_per_phase: run.measured.requestsPerPhase,
      direct_per_s: run.measured.directPerS,
      gateway_uncached_per_s: run.measured.gatewayUncachedPerS,
      gateway_cached_per_s: run.measured.gatewayCachedPerS,
      uncached_share_of_direct: run.measured.gatewayUncachedPerS / run.measured.directPerS,
      unloaded_p95_ms: input.unloadedP95Ms,
      cpu_ms_per_search: { uncached: input.uncached, cached: input.cached, direct_engine: input.directEngineMs },
      gateway_bound: run.measured.gatewayBound
        ? { searches_per_s: run.measured.gatewayBound.perS, cpu_ms_per_search: { gateway: run.measured.gatewayBound.gatewayMs, redis: run.measured.gatewayBound.redisMs } }
        : null,
    },
    per_core: {
      gateway_uncached: finite(plan.perCore.gatewayUncached),
      gateway_cached: finite(plan.perCore.gatewayCached),
      tier_uncached: finite(plan.perCore.tierUncached),
      engine: finite(plan.perCore.engine),
    },
    shape: { engine_cores: s.engineCores, gateway_replicas: s.gatewayReplicas, workers_per_replica: s.workersPerReplica, target_per_s: s.targetPerS, p95_target_ms: s.p95TargetMs, utilisation: s.utilisation },
    plan: {
      engine_max_per_s: plan.engineMaxPerS,
      gateway_max_per_s: plan.gatewayMaxPerS,
      limit: plan.limit,
      needed: { engine_cores: plan.needed.engineCores, gateway_workers: plan.needed.gatewayWorkers, nginx_redis_cores: plan.needed.nginxRedisCores },
      p95_at_target_ms: plan.p95AtTargetMs === null ? null : finite(plan.p95AtTargetMs),
      within_reach: plan.withinReach,
      short_on: shortOn(plan, plan.p95AtTargetMs === null ? undefined : `p95 ≈ ${Number.isFinite(plan.p95AtTargetMs) ? plan.p95AtTargetMs.toFixed(2) : '∞'} ms, target < ${s.p95TargetMs} ms`),
    },
    scaling:
      scaling && base
        ? {
            concurrency: scaling.concurrency,
            visits: visitOrder(scaling.points.map((p) => p.workers)),
            points: scaling.points.map((p) => ({ workers: p.workers, searches_per_s: p.searchesPerS, visits_per_s: p.visits, gateway_cpu_ms: p.gatewayCpuMs, other_cpu_ms: p.otherCpuMs })),
            two_over_one: two ? two.searchesPerS / base.searchesPerS : null,
            target: scaling.target,
            machine_cap: base.workers === 1 ? machineCap(base, run.machine.cores) : null,
          }
        : null,
    warnings: run.warnings,
  };
}

/** Writes `<dir>/results.json` atomically (a temp file, then a rename); returns its path. */
export function writeCapacityResults(dir: string, doc: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'results.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}
