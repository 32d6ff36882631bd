/**
 * A strict parser for the Prometheus text exposition format (0.0.4): enough to prove that
 * `/metrics` parses and to read series. Hand-written because no parser ships with the
 * installed packages (prom-client only writes the format); malformed lines throw with their number.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricFamily {
  name: string;
  type: string;
  help?: string;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(?:\s+(-?\d+))?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created', '_info'];

export class PrometheusParseError extends Error {}

/** Prometheus reads values with Go's ParseFloat: NaN and Inf in any case (prom-client writes `Nan`). */
function parseValue(raw: string, line: number): number {
  const special = raw.toLowerCase();
  if (special === '+inf' || special === 'inf' || special === '+infinity' || special === 'infinity') return Infinity;
  if (special === '-inf' || special === '-infinity') return -Infinity;
  if (special === 'nan') return NaN;
  const v = Number(raw);
  if (raw.trim() === '' || Number.isNaN(v)) throw new PrometheusParseError(`line ${line}: "${raw}" is not a sample value`);
  return v;
}

function parseLabels(raw: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let pos = 0;
  while (pos < raw.length) {
    LABEL.lastIndex = pos;
    const m = LABEL.exec(raw);
    if (!m) throw new PrometheusParseError(`line ${line}: bad label set {${raw}}`);
    labels[m[1]!] = m[2]!.replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
    pos = LABEL.lastIndex;
  }
  return labels;
}

export function parsePrometheus(text: string): Map<string, MetricFamily> {
  const families = new Map<string, MetricFamily>();
  const family = (name: string): MetricFamily => {
    let f = families.get(name);
    if (!f) {
      f = { name, type: 'untyped', samples: [] };
      families.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    const n = i + 1;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
      if (!m) return; // plain comment
      if (!NAME.test(m[2]!)) throw new PrometheusParseError(`line ${n}: bad metric name "${m[2]}"`);
      const f = family(m[2]!);
      if (m[1] === 'HELP') f.help = m[3] ?? '';
      else {
        const type = (m[3] ?? '').trim();
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(type)) throw new PrometheusParseError(`line ${n}: unknown type "${type}"`);
        f.type = type;
      }
      return;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new PrometheusParseError(`line ${n}: not a sample: ${line.slice(0, 80)}`);
    const name = m[1]!;
    const sample: Sample = { name, labels: m[3] !== undefined ? parseLabels(m[3], n) : {}, value: parseValue(m[4]!, n) };
    const base = SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : null)).find((b) => b !== null && families.has(b));
    family(base ?? name).samples.push(sample);
  });
  return families;
}

/** Sum of a family's samples named `sampleName` whose labels match `where` (e.g. the counter total for a route). */
export function sumSamples(families: Map<string, MetricFamily>, sampleName: string, where: (labels: Record<string, string>) => boolean = () => true): number {
  let total = 0;
  for (const f of families.values()) for (const s of f.samples) if (s.name === sampleName && where(s.labels)) total += s.value;
  return total;
}
