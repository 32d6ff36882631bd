/**
 * Intended send times of an open-loop run whose rate follows a piecewise-linear curve (a
 * scenario's `arrivalSchedule()`, scenarios/model.ts): request i is intended when the arrivals
 * due so far, the integral of the rate, reach i. A constant rate gives i / rate, as the plain
 * open loop does.
 */

/** Points (seconds from the start, requests per second) joined by straight lines. */
export type RatePoints = ReadonlyArray<{ atS: number; perS: number }>;

export interface SendSchedule {
  /** Requests in the whole schedule. */
  readonly total: number;
  /** Intended send time of request i, ms from the start. */
  atMs(i: number): number;
  /** How many requests are due by `ms` from the start (those with atMs(i) ≤ ms), capped at total. */
  dueBy(ms: number): number;
  /** The highest rate of the schedule, per second. */
  readonly peakPerS: number;
}

interface Segment {
  startS: number;
  lengthS: number;
  /** Rate at the start, and its slope (per second per second). */
  rate: number;
  slope: number;
  /** Arrivals due before the segment starts. */
  before: number;
  area: number;
}

export function rampSchedule(points: RatePoints): SendSchedule {
  if (points.length < 2) throw new Error('a send schedule needs at least two rate points');
  const segments: Segment[] = [];
  let before = 0;
  for (let n = 1; n < points.length; n++) {
    const a = points[n - 1]!;
    const b = points[n]!;
    const lengthS = b.atS - a.atS;
    if (!(lengthS >= 0) || a.perS < 0 || b.perS < 0) throw new Error('rate points must go forward in time with rates ≥ 0');
    if (lengthS === 0) continue;
    const area = ((a.perS + b.perS) / 2) * lengthS;
    segments.push({ startS: a.atS, lengthS, rate: a.perS, slope: (b.perS - a.perS) / lengthS, before, area });
    before += area;
  }
  const endS = points[points.length - 1]!.atS;
  const total = Math.round(before);
  const startS = points[0]!.atS;

  /** Arrivals due by t seconds. */
  const arrivalsBy = (t: number): number => {
    if (t <= startS) return 0;
    for (const s of segments) {
      const tau = t - s.startS;
      if (tau <= s.lengthS) return s.before + s.rate * tau + (s.slope * tau * tau) / 2;
    }
    return before;
  };

  /** When the arrivals due reach n (seconds). */
  const timeOf = (n: number): number => {
    if (n <= 0) return startS;
    for (const s of segments) {
      if (n > s.before + s.area) continue;
      const d = n - s.before;
      // Solve rate·τ + slope·τ²/2 = d; this form is stable for slope → 0 and for slope < 0.
      const disc = Math.max(0, s.rate * s.rate + 2 * s.slope * d);
      const denom = s.rate + Math.sqrt(disc);
      const tau = denom > 0 ? (2 * d) / denom : 0;
      return s.startS + Math.min(s.lengthS, tau);
    }
    return endS;
  };

  return {
    total,
    peakPerS: Math.max(...points.map((p) => p.perS)),
    atMs: (i) => timeOf(i) * 1000,
    dueBy: (ms) => {
      if (ms / 1000 < startS) return 0;
      // The integral's estimate, then exact against atMs (float error must not move a send).
      let n = Math.min(total, Math.floor(arrivalsBy(ms / 1000)) + 1);
      while (n < total && timeOf(n) * 1000 <= ms) n++;
      while (n > 0 && timeOf(n - 1) * 1000 > ms) n--;
      return n;
    },
  };
}
