/**
 * Latency histograms: hdr-histogram-js, microsecond values, 3 significant digits. They cross
 * process and host boundaries encoded (compressed base64) and merge exactly by adding counts.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js';
import type { Histogram } from 'hdr-histogram-js';

/** One hour in µs: anything slower is a timeout long before. */
const HIGHEST_US = 3_600_000_000;

export function newLatencyHistogram(): Histogram {
  return build({
    bitBucketSize: 64,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

export function encodeHistogram(h: Histogram): string {
  return encodeIntoCompressedBase64(h);
}

export function decodeHistogram(encoded: string): Histogram {
  const decoded = decodeFromCompressedBase64(encoded, 64);
  // Decoded histograms have a fixed range; copy into an auto-resizing one so merges never overflow.
  const h = newLatencyHistogram();
  h.add(decoded);
  return h;
}

export function mergeHistograms(encoded: string[]): Histogram {
  const total = newLatencyHistogram();
  for (const e of encoded) total.add(decodeHistogram(e));
  return total;
}

export interface LatencyMs {
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  min: number;
  mean: number;
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/** Percentiles in milliseconds (µs precision). All zero for an empty histogram. */
export function percentilesMs(h: Histogram): LatencyMs {
  if (h.totalCount === 0) return { p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, min: 0, mean: 0 };
  const at = (p: number): number => round3(h.getValueAtPercentile(p) / 1000);
  return {
    p50: at(50),
    p90: at(90),
    p95: at(95),
    p99: at(99),
    p999: at(99.9),
    // Percentile 100 (highest equivalent value) so a run and its decoded copy report the same max.
    max: at(100),
    min: round3(h.minNonZeroValue / 1000),
    mean: round3(h.mean / 1000),
  };
}
