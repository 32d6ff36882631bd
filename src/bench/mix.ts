import { UserError } from '../util/errors.ts';

/** One stream of the query mix: searches in `collection`, queries and truth from `dataset`. */
export interface MixEntry {
  collection: string;
  dataset: string;
  weight: number;
}

/**
 * `--mix mixtral:3,general:1` (collection:weight, queries from `--dataset`) or
 * `mixtral=smoke:3,general=wide:1` (collection=dataset:weight).
 */
export function parseMix(spec: string, defaultDataset: string): MixEntry[] {
  const entries = spec.split(',').map((part) => part.trim()).filter(Boolean).map((part): MixEntry => {
    const m = /^([A-Za-z0-9_.-]+)(?:=([A-Za-z0-9_.-]+))?(?::(\d+(?:\.\d+)?))?$/.exec(part);
    if (!m) throw new UserError(`--mix: cannot read "${part}"; write collection[=dataset][:weight], e.g. mixtral:3,general:1`);
    const weight = m[3] === undefined ? 1 : Number(m[3]);
    if (!(weight > 0)) throw new UserError(`--mix: weight of "${m[1]}" must be > 0`);
    return { collection: m[1]!, dataset: m[2] ?? defaultDataset, weight };
  });
  if (entries.length === 0) throw new UserError('--mix: give at least one collection, e.g. --mix mixtral:3,general:1');
  const names = new Set(entries.map((e) => e.collection));
  if (names.size !== entries.length) throw new UserError('--mix: a collection appears twice');
  return entries;
}

/**
 * The entry of each request in one cycle, by smooth weighted round robin: deterministic and
 * evenly interleaved, so any window of the run has the mix's proportions.
 */
export function mixCycle(entries: MixEntry[], length: number): Uint16Array {
  const total = entries.reduce((s, e) => s + e.weight, 0);
  const current = entries.map(() => 0);
  const out = new Uint16Array(length);
  for (let i = 0; i < length; i++) {
    let best = 0;
    for (let e = 0; e < entries.length; e++) {
      current[e]! += entries[e]!.weight;
      if (current[e]! > current[best]!) best = e;
    }
    current[best]! -= total;
    out[i] = best;
  }
  return out;
}
