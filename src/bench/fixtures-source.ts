/** The planted queries of the fixtures package, as the bench's QuerySource. */
import { getDataset } from '../../fixtures/src/datasets.ts';
import type { DatasetOverrides, DatasetSpec } from '../../fixtures/src/datasets.ts';
import { queryAt, queryCount } from '../../fixtures/src/queries.ts';
import type { QuerySource } from './workload.ts';

export function fixturesQuerySource(overrides: DatasetOverrides = {}): QuerySource & { spec(name: string): DatasetSpec } {
  const specs = new Map<string, DatasetSpec>();
  const spec = (name: string): DatasetSpec => {
    let s = specs.get(name);
    if (!s) specs.set(name, (s = getDataset(name, overrides)));
    return s;
  };
  return {
    spec,
    queryCount: (name) => queryCount(spec(name)),
    query: (name, j, k) => queryAt(spec(name), j, k),
  };
}
