import { queryAt } from '../../fixtures/src/index.ts';
import type { DatasetSpec } from '../../fixtures/src/index.ts';
import { fixtureSpec } from '../../src/readiness/seed.ts';
import { gw } from './http.ts';

export interface ModelConfig {
  name: string;
  collection: string;
  dimension: number;
  distance: string;
}

let models: Promise<Map<string, ModelConfig>> | undefined;

/** The models the gateway is configured with (`GET /api/v1/models`), fetched once per spec file. */
export function modelConfigs(): Promise<Map<string, ModelConfig>> {
  models ??= (async () => {
    const r = await gw.get('/api/v1/models', { quiet: true });
    if (r.status !== 200) throw new Error(`GET /api/v1/models answered ${r.status}: ${r.text.slice(0, 200)}`);
    const list = (r.json().models ?? []) as ModelConfig[];
    return new Map(list.map((m) => [m.name, m]));
  })();
  return models;
}

export async function modelConfig(name: string): Promise<ModelConfig> {
  const m = (await modelConfigs()).get(name);
  if (!m) throw new Error(`the gateway's model list does not name ${name}`);
  return m;
}

/** The fixture seeded into a model's collection (same generator as the loader). */
export function fixtureFor(m: ModelConfig): DatasetSpec {
  return fixtureSpec(m);
}

/** Query `j` of the model's fixture as a plain array, with its planted neighbours. */
export function fixtureQuery(m: ModelConfig, j = 0): { vector: number[]; neighbors: Array<number | string>; scores: number[] } {
  const q = queryAt(fixtureFor(m), j);
  return { vector: Array.from(q.vector), neighbors: [...q.neighbors], scores: [...q.scores] };
}
