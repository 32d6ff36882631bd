/** Request latency in an HDR histogram (µs, 3 significant digits), reported in ms. */
import { build } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

export interface LatencyMs {
  p50: number;
  p99: number;
  max: number;
}

export function newHistogram(): Histogram {
  return build({ bitBucketSize: 64, autoResize: true, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3 });
}

export function recordSince(h: Histogram, startedMs: number): void {
  h.recordValue(Math.max(1, Math.round((performance.now() - startedMs) * 1000)));
}

const ms = (us: number): number => Math.round(us) / 1000;

export function latencyMs(h: Histogram): LatencyMs {
  if (h.totalCount === 0) return { p50: 0, p99: 0, max: 0 };
  return { p50: ms(h.getValueAtPercentile(50)), p99: ms(h.getValueAtPercentile(99)), max: ms(h.maxValue) };
}
