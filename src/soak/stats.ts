/**
 * The robust statistics soak rules judge with: medians, thirds, and the Theil–Sen slope (the
 * median of the slopes between every pair of samples). Pure (no imports): judgeBench loads it
 * inside k6 as well.
 *
 * Why Theil–Sen: a garbage-collected process's memory is a sawtooth (climbs, drops at a GC), and
 * one sample may be an outlier (a scrape during a compaction). A least-squares slope follows a
 * single tall tooth; the median of pairwise slopes ignores up to ~29 % of wild points and, over
 * several teeth, sees no trend in a sawtooth that has none. No maintained npm package computes it
 * (simple-statistics has least squares only); it is ten lines.
 */

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Pairs (x, y) compared at most this many times: a long soak's samples are thinned evenly first. */
const MAX_POINTS = 1500;

/** The Theil–Sen slope of y over x (NaN with fewer than two distinct x). */
export function theilSen(xs: readonly number[], ys: readonly number[]): number {
  const step = Math.max(1, Math.ceil(xs.length / MAX_POINTS));
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < xs.length; i += step) {
    x.push(xs[i]!);
    y.push(ys[i]!);
  }
  const slopes: number[] = [];
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = x[j]! - x[i]!;
      if (dx !== 0) slopes.push((y[j]! - y[i]!) / dx);
    }
  }
  return median(slopes);
}

/** The first and last thirds of a sequence (in order), the middle one left out. */
export function thirds<T>(items: readonly T[]): { first: T[]; last: T[] } {
  const n = Math.floor(items.length / 3);
  return { first: items.slice(0, n), last: items.slice(items.length - n) };
}
