import type { RateCheck, RateState } from './search-cache.ts';

export interface SpeculationOptions {
  enabled: boolean;
  /** Speculate only while the collection's recent cache hit ratio is at most this. */
  maxHitRatio: number;
  /** Speculate only while the caller has used at most this share of its rate limit (window count + speculative searches in flight). */
  maxRateShare: number;
}

/** Weight of the latest lookup in a collection's hit ratio (about the last 50 lookups count). */
const HIT_RATIO_WEIGHT = 0.02;
/** Callers remembered at most (then forgotten, and searched serially until seen again). */
const MAX_CALLERS = 10_000;

interface CallerState {
  /** The window's count at the caller's last lookup. */
  current: number;
  /** When that window ends (ms, performance.now clock). */
  resetsAt: number;
  /** Speculative searches sent whose hit is not counted yet. */
  inFlight: number;
}

/**
 * When a search may send its Qdrant query together with its cache lookup instead of after it
 * (a speculative lookup): a miss then costs max(lookup, query) instead of their sum.
 * Two guards keep the cache and the rate limit doing their jobs:
 * - only while the collection's recent hit ratio is low: a hit wastes the query it sent, so
 *   at most `maxHitRatio` of the speculative queries are wasted;
 * - only for callers known to be well under their rate limit, counting their speculative
 *   searches still in flight, so that a caller over its limit never reaches the engine
 *   (a caller not seen yet is searched serially once, which tells its count).
 */
export class SpeculationPolicy {
  private readonly hitRatio = new Map<string, number>();
  private readonly callers = new Map<string, CallerState>();

  constructor(private readonly opts: SpeculationOptions) {}

  /** Whether this search may speculate; when true, call `settle` once its lookup returned (or failed). */
  begin(collection: string, check: RateCheck | undefined): boolean {
    if (!this.opts.enabled || (this.hitRatio.get(collection) ?? 0) > this.opts.maxHitRatio) return false;
    if (!check) return true;
    const state = this.callers.get(check.key);
    if (!state) return false;
    const counted = performance.now() >= state.resetsAt ? 0 : state.current;
    if (counted + state.inFlight + 1 > this.opts.maxRateShare * check.max) return false;
    state.inFlight++;
    return true;
  }

  /** Records a lookup's outcome: the collection's hit ratio and the caller's window count. */
  settle(collection: string, hit: boolean | null, check: RateCheck | undefined, rate: RateState | null, speculated: boolean): void {
    if (hit !== null) {
      const before = this.hitRatio.get(collection) ?? 0;
      this.hitRatio.set(collection, before + HIT_RATIO_WEIGHT * ((hit ? 1 : 0) - before));
    }
    if (!check) return;
    let state = this.callers.get(check.key);
    if (speculated && state) state.inFlight = Math.max(0, state.inFlight - 1);
    if (!rate) return;
    if (!state) {
      if (this.callers.size >= MAX_CALLERS) this.callers.clear();
      state = { current: 0, resetsAt: 0, inFlight: 0 };
      this.callers.set(check.key, state);
    }
    state.current = rate.current;
    state.resetsAt = performance.now() + rate.ttlMs;
  }

  /** The collection's recent hit ratio (for tests and diagnostics). */
  hitRatioOf(collection: string): number {
    return this.hitRatio.get(collection) ?? 0;
  }
}
