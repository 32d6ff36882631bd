/**
 * Reads one gauge from a Prometheus text exposition (`/metrics`): the first sample of the metric
 * named `name`, or of one ending in `_<name>` (the reference gateway prefixes its default metrics
 * with `gateway_`; another server may use no prefix, or its own). The sampler needs three gauges,
 * so this is a line scan rather than a parser library.
 */
export interface Gauge {
  /** The metric's full name as exposed, for the series' source. */
  metric: string;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/;

export function readGauge(text: string, name: string): Gauge | null {
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const metric = m[1]!;
    if (metric !== name && !metric.endsWith(`_${name}`)) continue;
    const value = Number(m[3]);
    if (Number.isFinite(value)) return { metric, value };
  }
  return null;
}
