/**
 * `npm run bench -- --scenario <name>`: a scenario of scenarios/definitions.ts as the built-in
 * driver runs it. Arrival-rate shapes drive the open loop along `arrivalSchedule()` (schedule.ts);
 * per-vu-iterations runs `vus` sequential clients (closed loop). The searches go to the model
 * collections the gateway lists, with their fixture's planted truth, as the k6 scripts do; the
 * local stack's collections are seeded first, as readiness does.
 */
import { arrivalSchedule, shapeDurationS } from '../../scenarios/model.ts';
import type { RequestKind, ScenarioDef, ShapeOverrides } from '../../scenarios/model.ts';
import { queryAt, queryCount } from '../../fixtures/src/index.ts';
import type { DatasetSpec } from '../../fixtures/src/index.ts';
import type { GateProfile } from '../gates/definitions.ts';
import { gatewayClient, listModels } from '../readiness/gateway-client.ts';
import type { ModelInfo } from '../readiness/gateway-client.ts';
import { fixtureSpec, seedModels } from '../readiness/seed.ts';
import type { Target } from '../targets/types.ts';
import { UnreachableError, UserError, errorMessage } from '../util/errors.ts';
import type { MixEntry } from './mix.ts';
import { rampSchedule } from './schedule.ts';
import type { SendSchedule } from './schedule.ts';
import type { QuerySource } from './workload.ts';

/** How the driver runs a shape. */
export type ScenarioPlan =
  | { kind: 'arrival'; schedule: SendSchedule; durationS: number }
  | { kind: 'per-vu'; vus: number; iterations: number; maxDurationS: number };

export function scenarioPlan(s: ScenarioDef, profile: GateProfile, o: ShapeOverrides = {}): ScenarioPlan {
  if (s.executor === 'per-vu-iterations') return { kind: 'per-vu', vus: s.vus, iterations: s.iterations, maxDurationS: shapeDurationS(s, profile, o) };
  return { kind: 'arrival', schedule: rampSchedule(arrivalSchedule(s, profile, o)!), durationS: shapeDurationS(s, profile, o) };
}

/** The warning of a mix with more than searches (the built-in driver sends searches only). */
export function mixWarning(s: ScenarioDef): string | null {
  const others: RequestKind[] = (['upsert', 'health', 'graphql'] as const).filter((k) => s.mix[k] > 0);
  if (others.length === 0) return null;
  const total = s.mix.search + s.mix.upsert + s.mix.health + s.mix.graphql;
  const parts = others.map((k) => `${Math.round((s.mix[k] / total) * 100)} % ${k}`).join(', ');
  return `scenario ${s.name} mixes in ${parts}: the built-in driver sent searches only, at the scenario's whole rate; the other kinds were left to k6 (npm run k6 -- ${s.name})`;
}

/** The gateway's model collections (name, collection, dimension, distance). */
export async function gatewayModels(url: string, apiKey: string | undefined): Promise<ModelInfo[]> {
  let models: ModelInfo[];
  try {
    models = await listModels(gatewayClient(url, apiKey ?? ''));
  } catch (err) {
    throw new UnreachableError(`cannot list the model collections at ${new URL(url).origin}/api/v1/models (${errorMessage(err)}): start the gateway, check VDB_GATEWAY_URL and VDB_API_KEY, or pass --dataset`);
  }
  if (models.length === 0) throw new UserError(`the gateway at ${new URL(url).origin} lists no model collections: a scenario searches them (or pass --dataset / --mix)`);
  return models;
}

/**
 * Seeds the suite's fixture into every model collection of a target the suite runs (local,
 * containers), as `npm run readiness` does: resumable, so a reused stack is only topped up.
 * External targets are searched as they are (their collections must hold the fixture).
 */
export async function seedTargetModels(target: Target, models: ModelInfo[], log: (l: string) => void): Promise<void> {
  if ((target.kind === 'local' || target.kind === 'containers') && target.qdrant) await seedModels(target.qdrant, models, log);
}

export const modelDataset = (m: ModelInfo): string => `model-${m.name}`;

/** One mix entry per model collection (equal weights) and the planted queries of each. */
export function modelWorkloadSource(models: ModelInfo[]): { entries: MixEntry[]; source: QuerySource } {
  const specs = new Map<string, DatasetSpec>(models.map((m) => [modelDataset(m), fixtureSpec(m)]));
  const spec = (name: string): DatasetSpec => {
    const s = specs.get(name);
    if (!s) throw new Error(`no model dataset ${name}`);
    return s;
  };
  return {
    entries: models.map((m) => ({ collection: m.collection, dataset: modelDataset(m), weight: 1 })),
    source: { queryCount: (name) => queryCount(spec(name)), query: (name, j, k) => queryAt(spec(name), j, k) },
  };
}
