/**
 * results.json of a capacity run, `vdb-readiness/capacity@1`: the figures a release engineer
 * plans with, for the machine they were measured on. The CPU each component spent per search
 * (gateway, nginx, Redis, engine), what one core of each serves, the arithmetic for the runbook's
 * production shape (16 engine cores, 2 × 16 gateway workers: 10,000 searches/s at p95 < 10 ms?)
 * and 1 → N gateway workers. The reference stack's `npm run bench:gateway` writes it; any tool
 * that measures the same figures may. A capacity run is a plan, not a gate: it never changes a
 * release's verdict (the bench run at the production rate is what is gated).
 */
import { z } from 'zod';
import { envelope, schemaId } from './common.ts';

export const CAPACITY_SCHEMA = schemaId('capacity', 1);

const cpuPerSearch = z
  .object({
    gateway: z.number().nonnegative().describe('the gateway (every worker of the slot), ms'),
    nginx: z.number().nonnegative().describe('nginx (the front door), ms'),
    redis: z.number().nonnegative().describe('Redis, ms'),
    qdrant: z.number().nonnegative().describe('the engine, ms'),
  })
  .describe('CPU time per search, by component (Linux /proc over the phase)');

const perCore = z.number().nullable();

export const capacityResultsSchema = envelope('capacity', CAPACITY_SCHEMA)
  .extend({
    tool: z.string().describe('what measured it (`bench:gateway`, the reference stack\'s benchmark)'),
    engine: z
      .object({
        kind: z.enum(['qdrant', 'qdrant-local']).describe('`qdrant`: a real Qdrant server; `qdrant-local`: the reference stack\'s stand-in on the Qdrant Edge engine (its engine figures are not a real Qdrant\'s)'),
        version: z.string().nullable().describe('the engine\'s version as it reports it; null when unknown'),
      })
      .describe('what served the searches'),
    machine: z
      .object({
        cores: z.number().int().positive().describe('CPU cores of the machine'),
        placement: z.string().describe('which cores each side had (`split`: the engine on its own cores)'),
        load_average: z.string().describe('load average (1/5/15 min) at the start and at the end'),
        steal_pct: z.number().nullable().describe('share of the machine\'s CPU time the hypervisor took away during the phases (Linux steal), %: a high one makes CPU per search read high; null where unknown'),
      })
      .describe('where it was measured'),
    measured: z
      .object({
        concurrency: z.number().int().positive().describe('concurrent clients of the saturated phases'),
        requests_per_phase: z.number().int().positive().describe('searches measured per phase'),
        direct_per_s: z.number().describe('searches/s straight to the engine'),
        gateway_uncached_per_s: z.number().describe('searches/s through nginx and the gateway, none cached'),
        gateway_cached_per_s: z.number().describe('searches/s through nginx and the gateway, every one a cache hit'),
        uncached_share_of_direct: z.number().describe('gateway_uncached_per_s / direct_per_s'),
        unloaded_p95_ms: z.number().nullable().describe('p95 of one client through the gateway, uncached (no queueing); null when not measured'),
        cpu_ms_per_search: z
          .object({
            uncached: cpuPerSearch.describe('uncached searches through the gateway'),
            cached: cpuPerSearch.describe('cached searches through the gateway (the engine is not asked)'),
            direct_engine: z.number().nonnegative().describe('the engine\'s CPU per search when searched directly, ms'),
          })
          .describe('CPU per search, by component'),
        gateway_bound: z
          .object({
            searches_per_s: z.number().describe('uncached searches/s of a gateway whose engine answers at once (so the gateway tier saturates, not the engine)'),
            cpu_ms_per_search: z
              .object({
                gateway: z.number().nonnegative().describe('the gateway, ms'),
                redis: z.number().nonnegative().describe('Redis, ms'),
              })
              .describe('CPU per uncached search of the fully busy gateway (no nginx in front)'),
          })
          .nullable()
          .optional()
          .describe('the gateway-bound phase: what a fully busy gateway spends per uncached search, every check on; null or absent when not measured'),
      })
      .describe('what this machine did'),
    per_core: z
      .object({
        gateway_uncached: perCore.describe('searches/s one busy gateway core serves, uncached; null: no CPU was measured'),
        gateway_cached: perCore.describe('the same, cached'),
        tier_uncached: perCore.describe('searches/s one core of the whole gateway tier (gateway + nginx + Redis) serves, uncached'),
        engine: perCore.describe('searches/s one busy engine core serves'),
      })
      .describe('searches/s per fully busy core'),
    shape: z
      .object({
        engine_cores: z.number().int().positive().describe('engine cores'),
        gateway_replicas: z.number().int().positive().describe('gateway replicas'),
        workers_per_replica: z.number().int().positive().describe('workers per replica (`api_gateway.workers`)'),
        target_per_s: z.number().positive().describe('searches/s to reach'),
        p95_target_ms: z.number().positive().describe('p95 to stay under, ms'),
        utilisation: z.number().positive().max(1).describe('busy share each side is planned to (queueing grows fast above it)'),
      })
      .describe('the production shape planned for (the runbook\'s)'),
    plan: z
      .object({
        engine_max_per_s: z.number().describe('searches/s the shape\'s engine serves at `utilisation`'),
        gateway_max_per_s: z.number().describe('uncached searches/s the shape\'s gateway workers serve at `utilisation`'),
        limit: z.enum(['engine', 'gateway']).describe('which side runs out first'),
        needed: z
          .object({
            engine_cores: z.number().int().describe('engine cores the target needs'),
            gateway_workers: z.number().int().describe('gateway workers the target needs'),
            nginx_redis_cores: z.number().int().describe('cores nginx and Redis need beside them'),
          })
          .describe('what the target needs at `utilisation`'),
        p95_at_target_ms: z.number().nullable().describe('the unloaded p95 plus the engine\'s queue at the target rate (M/M/c, Erlang C); null when not estimated or when the engine cannot keep up'),
        within_reach: z.boolean().describe('both sides serve the target and the p95 estimate is under its target'),
        short_on: z.array(z.string()).describe('what it is short on, one line each (empty when within reach)'),
      })
      .describe('the arithmetic for the shape'),
    scaling: z
      .object({
        concurrency: z.number().int().positive().describe('clients of the scaling phase'),
        visits: z.array(z.number().int().positive()).describe('worker counts in the order visited (each in a fresh stack; 1, 2, 1: drift shows)'),
        points: z
          .array(
            z.object({
              workers: z.number().int().positive().describe('gateway workers of the slot'),
              searches_per_s: z.number().describe('cached searches/s, mean over the visits'),
              visits_per_s: z.array(z.number()).describe('cached searches/s of each visit'),
              gateway_cpu_ms: z.number().describe('gateway CPU (all workers) per search, ms'),
              other_cpu_ms: z.number().describe('nginx, Redis and the load generator: CPU per search beside the gateway\'s, ms'),
            }),
          )
          .describe('one entry per worker count'),
        two_over_one: z.number().nullable().describe('searches/s with 2 workers over 1; null when 2 was not measured'),
        target: z.number().describe('the scaling asked of 2 workers over 1'),
        machine_cap: z.number().nullable().describe('the most 2 workers can give over 1 on this machine: min(2, cores / ((g + o) · q)) with g, o the CPU per search of the gateway and of the rest, and q the searches per ms, at 1 worker'),
      })
      .nullable()
      .describe('1 → N gateway workers; null when not measured'),
    warnings: z.array(z.string()).describe('what makes a figure less than it seems (e.g. answers of the uncached phase that came from the cache)'),
  })
  .passthrough();
export type CapacityResults = z.infer<typeof capacityResultsSchema>;
