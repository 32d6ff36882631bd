/**
 * Which request iteration n sends, to which model, with which planted query: a pure function of
 * the iteration number, so every VU (and the built-in driver) can follow the same plan from a
 * counter. The kind comes from `pickRequest` (scenarios/model.ts) on a low-discrepancy sequence
 * (n·φ⁻¹ mod 1), so the mix's proportions hold over any stretch of iterations, not just on average.
 * Pure: no k6 module, no Node API.
 */
import type { RequestKind, RequestMix } from '../../model.ts';
import { pickRequest } from '../../model.ts';

const INV_PHI = 0.6180339887498949;

export interface IterationPlan {
  kind: RequestKind;
  /** Index into the setup data's models. */
  model: number;
  /** The planted query (searches) or the point rewritten (upserts), before `mod` the fixture's size. */
  n: number;
}

/** The Weyl sequence point of iteration n in [0, 1). */
export const mixPoint = (n: number): number => {
  const x = (n + 1) * INV_PHI;
  return x - Math.floor(x);
};

/** The plan of iteration n (n ≥ 0) of a mix over `models` models. */
export function planIteration(n: number, mix: RequestMix, models: number): IterationPlan {
  if (models < 1) throw new Error('no model to send requests to');
  return { kind: pickRequest(mix, mixPoint(n)), model: n % models, n: Math.floor(n / models) };
}
