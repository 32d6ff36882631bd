/**
 * The results model's registry: each kind of run with its schema, how its gates are judged, and
 * whether it passed. Readers (`gate`, `merge`, the report) go through it; adding a kind (k6,
 * deployment) means one schema file and one entry here.
 */
import type { z } from 'zod';
import { judgeBench, judgeReadiness } from '../gates/apply.ts';
import type { GateProfile } from '../gates/definitions.ts';
import { BENCH_SCHEMA, BENCH_SCHEMA_V1, benchResultsSchema } from './bench.ts';
import type { BenchResults } from './bench.ts';
import { CAPACITY_SCHEMA, capacityResultsSchema } from './capacity.ts';
import type { CapacityResults } from './capacity.ts';
import { FUZZ_SCHEMA, fuzzResultsSchema } from './fuzz.ts';
import type { FuzzResults } from './fuzz.ts';
import { READINESS_SCHEMA, readinessResultsSchema } from './readiness.ts';
import type { ReadinessResults } from './readiness.ts';

export type AnyResults = ReadinessResults | BenchResults | FuzzResults | CapacityResults;

interface KindEntry<R extends AnyResults> {
  kind: R['kind'];
  schema: R['schema'];
  parser: z.ZodType<R, z.ZodTypeDef, unknown>;
  /** The run judged again by `profile` (the run's own, or another): its gates replaced. */
  judge: (results: R, profile: GateProfile) => R;
  /** Older schema versions this kind still reads, each with its upgrade to the current one. */
  upgrades: Record<string, (old: Record<string, unknown>) => Record<string, unknown>>;
}

const readiness: KindEntry<ReadinessResults> = {
  kind: 'readiness',
  schema: READINESS_SCHEMA,
  parser: readinessResultsSchema as z.ZodType<ReadinessResults, z.ZodTypeDef, unknown>,
  judge: (r, profile) => ({ ...r, gates: judgeReadiness(r.checks, profile) }),
  upgrades: {},
};

const bench: KindEntry<BenchResults> = {
  kind: 'bench',
  schema: BENCH_SCHEMA,
  parser: benchResultsSchema as z.ZodType<BenchResults, z.ZodTypeDef, unknown>,
  judge: (r, profile) => judgeBench(r, profile),
  upgrades: {
    // bench@1 had `gate_profile` and a bare `gates` array, and no `state`.
    [BENCH_SCHEMA_V1]: ({ gate_profile, gates, ...rest }) => {
      const p = gate_profile as { name: string; label: string };
      return { ...rest, schema: BENCH_SCHEMA, state: 'complete', gates: { profile: p.name, label: p.label, results: gates } };
    },
  },
};

/** For kinds without gates: the profile's name and label, no gate. */
const relabelOnly = <R extends AnyResults>(r: R, profile: GateProfile): R => ({ ...r, gates: { profile: profile.name, label: profile.label, results: [] } });

// fuzz runs are judged by their checks (results.pass), not by gates: a profile only relabels them
const fuzz: KindEntry<FuzzResults> = {
  kind: 'fuzz',
  schema: FUZZ_SCHEMA,
  parser: fuzzResultsSchema as z.ZodType<FuzzResults, z.ZodTypeDef, unknown>,
  judge: relabelOnly,
  upgrades: {},
};

// capacity runs are a plan, not a gate (capacity.ts): a profile only relabels them
const capacity: KindEntry<CapacityResults> = {
  kind: 'capacity',
  schema: CAPACITY_SCHEMA,
  parser: capacityResultsSchema as z.ZodType<CapacityResults, z.ZodTypeDef, unknown>,
  judge: relabelOnly,
  upgrades: {},
};

export const RESULT_KINDS = { readiness, bench, fuzz, capacity } as const;
export type ResultKind = keyof typeof RESULT_KINDS;

/** Every schema id a reader accepts, current and upgradable. */
export const KNOWN_SCHEMAS: string[] = Object.values(RESULT_KINDS).flatMap((k) => [k.schema, ...Object.keys(k.upgrades)]);

/** The run judged again by another gate profile, whatever its kind. */
export function rejudge(results: AnyResults, profile: GateProfile): AnyResults {
  if (results.kind === 'fuzz') return RESULT_KINDS.fuzz.judge(results, profile);
  if (results.kind === 'capacity') return RESULT_KINDS.capacity.judge(results, profile);
  return results.kind === 'bench' ? RESULT_KINDS.bench.judge(results, profile) : RESULT_KINDS.readiness.judge(results, profile);
}

export function kindOfSchema(schema: unknown): KindEntry<AnyResults> | undefined {
  for (const k of Object.values(RESULT_KINDS) as KindEntry<AnyResults>[]) {
    if (schema === k.schema || (typeof schema === 'string' && schema in k.upgrades)) return k;
  }
  return undefined;
}
