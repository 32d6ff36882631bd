/**
 * One iteration: the request the mix gives iteration n (`exec.scenario.iterationInTest`, unique
 * across VUs and instances), to model n mod M, with the next planted query of that model. The
 * planted queries of the default fixtures are built once at init and shared by all VUs.
 */
import { SharedArray } from 'k6/data';
import exec from 'k6/execution';
import type { DatasetSpec } from '../../../fixtures/src/index.ts';
import type { ScenarioDef } from '../../model.ts';
import { checkSearch, checkStatus } from './checks.ts';
import type { K6Config } from './config.ts';
import { planIteration } from './mix.ts';
import { defaultQueryTable, fixtureSpecOf, searchBody } from './payloads.ts';
import type { PlannedSearch, QueryText } from './payloads.ts';
import { graphqlHealth, modelHealth, search, upsert } from './requests.ts';
import type { ModelRef, SetupData } from './types.ts';

interface ModelState {
  spec: DatasetSpec;
  /** The shared planted queries when the model's fixture is the default one (same spec). */
  queries: readonly QueryText[] | null;
}

export interface Iterations {
  run(data: SetupData): void;
}

/** Call in the init context (SharedArray is made there). */
export function iterations(def: ScenarioDef, cfg: K6Config, declaredModels: string[]): Iterations {
  const table = new SharedArray('vdb-planted-queries', () => defaultQueryTable(declaredModels, cfg.k));
  const state = new Map<string, ModelState>();
  const stateOf = (m: ModelRef): ModelState => {
    let s = state.get(m.name);
    if (!s) {
      const spec = fixtureSpecOf(m);
      const i = declaredModels.indexOf(m.name);
      const shared = i >= 0 ? (table[i] as { spec: string; queries: QueryText[] }) : undefined;
      s = { spec, queries: shared && shared.spec === JSON.stringify(spec) ? shared.queries : null };
      state.set(m.name, s);
    }
    return s;
  };
  const planned = (m: ModelRef, s: ModelState, n: number): PlannedSearch | undefined => {
    const q = s.queries?.[n % s.queries.length];
    return q ? { body: searchBody(m.collection, q.vector, cfg.k), neighbors: q.neighbors, query: n % s.queries!.length } : undefined;
  };
  return {
    run(data) {
      const plan = planIteration(exec.scenario.iterationInTest, def.mix, data.models.length);
      const m = data.models[plan.model]!;
      const s = stateOf(m);
      switch (plan.kind) {
        case 'search': {
          const r = search(cfg, m, s.spec, plan.n, 'search', planned(m, s, plan.n));
          checkSearch(r.res, r.planned, m, cfg.k);
          return;
        }
        case 'upsert':
          checkStatus('upsert', upsert(cfg, m, s.spec, plan.n), m.name);
          return;
        case 'health':
          checkStatus('health', modelHealth(cfg, m), m.name);
          return;
        case 'graphql':
          checkStatus('graphql', graphqlHealth(cfg));
          return;
      }
    },
  };
}
