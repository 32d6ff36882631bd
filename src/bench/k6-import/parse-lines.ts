/**
 * Reads k6's JSON output (`k6 run --out json=out.json`, gzipped when k6 wrote `out.gz`) line by
 * line, without holding the file: one `Metric` or `Point` object per line, as documented at
 * grafana.com/docs/k6 ("JSON output"). Only the metrics the import needs are parsed in full.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { UserError } from '../../util/errors.ts';

/**
 * The metrics the import reads; other Point lines are skipped unparsed. `recall_at_k`,
 * `search_errors` and `search_cached` are the scripts' own (scenarios/k6/lib/checks.ts).
 */
export const IMPORTED_METRICS = ['http_req_duration', 'http_req_failed', 'dropped_iterations', 'recall_at_k', 'search_errors', 'search_cached'] as const;
export type ImportedMetric = (typeof IMPORTED_METRICS)[number];

export interface K6Point {
  metric: ImportedMetric;
  /** Sample time, ms since the epoch (µs precision kept as a fraction). */
  timeMs: number;
  value: number;
  tags: Record<string, string>;
}

export interface K6MetricLine {
  metric: string;
  data: Record<string, unknown>;
}

export type K6Line = { type: 'Point'; point: K6Point } | { type: 'Metric'; line: K6MetricLine };

export const K6_JSON_HINT = 'pass the file k6 wrote with `k6 run --out json=out.json …`';

const TIME = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)$/;

/** k6's RFC 3339 time with up to nanoseconds (`2026-05-09T14:34:45.625742514+02:00`) in ms, µs kept; NaN when not one. */
export function parseK6Time(text: string): number {
  const m = TIME.exec(text);
  if (!m) return Number.NaN;
  const whole = Date.parse(`${m[1]}${m[3]}`);
  const frac = m[2] ? Number(`0.${m[2].slice(0, 6)}`) * 1000 : 0;
  return whole + frac;
}

const isImported = (name: unknown): name is ImportedMetric => typeof name === 'string' && (IMPORTED_METRICS as readonly string[]).includes(name);

/** Tag values as strings (k6 writes strings; anything else is kept as its JSON text). */
function stringTags(raw: unknown): Record<string, string> {
  if (!raw || typeof raw !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** Whether a line may hold one of the imported metrics or a Metric line (a cheap test before JSON.parse). */
const worthParsing = (line: string): boolean => line.includes('"Metric"') || IMPORTED_METRICS.some((m) => line.includes(m));

/** One parsed line: a Point of an imported metric, a Metric line, or null (another metric's Point, or not a k6 line). */
export function parseLine(line: string): K6Line | null | 'invalid' {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return 'invalid';
  }
  if (!obj || typeof obj !== 'object') return 'invalid';
  const { type, data, metric } = obj as { type?: unknown; data?: unknown; metric?: unknown };
  if ((type !== 'Point' && type !== 'Metric') || typeof metric !== 'string' || !data || typeof data !== 'object') return 'invalid';
  if (type === 'Metric') return { type: 'Metric', line: { metric, data: data as Record<string, unknown> } };
  if (!isImported(metric)) return null;
  const d = data as { time?: unknown; value?: unknown; tags?: unknown };
  const timeMs = typeof d.time === 'string' ? parseK6Time(d.time) : Number.NaN;
  if (!Number.isFinite(timeMs) || typeof d.value !== 'number' || !Number.isFinite(d.value)) return 'invalid';
  return { type: 'Point', point: { metric, timeMs, value: d.value, tags: stringTags(d.tags) } };
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function openText(file: string): Promise<Readable> {
  try {
    const gz = await isGzip(file);
    const raw = createReadStream(file);
    return gz ? raw.pipe(createGunzip()) : raw;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : (err as Error).message;
    throw new UserError(`cannot read k6 JSON output ${file} (${why}): ${K6_JSON_HINT}`);
  }
}

export interface ReadSummary {
  /** Lines that were not k6 JSON (e.g. a last line cut short when k6 was killed). */
  invalidLines: number;
}

/**
 * Calls `onLine` for each Metric line and each Point of an imported metric, in file order. The
 * first non-empty line must be a Metric or Point object, or the file is refused with a UserError
 * naming it; a later line that does not parse is counted, not fatal.
 */
export async function readK6Json(file: string, onLine: (l: K6Line) => void): Promise<ReadSummary> {
  const input = await openText(file);
  const rl = createInterface({ input, crlfDelay: Infinity });
  let first = true;
  let invalidLines = 0;
  const notK6 = (what: string) => new UserError(`${file} is not k6 JSON output (${what}): ${K6_JSON_HINT}`);
  try {
    for await (const raw of rl) {
      const line = raw.trim();
      if (line === '') continue;
      if (first) {
        first = false;
        const parsed = parseLine(line);
        if (parsed === 'invalid') throw notK6('its first line is not a k6 Metric or Point object');
        if (parsed) onLine(parsed);
        continue;
      }
      if (!line.endsWith('}')) {
        invalidLines++; // cut short (k6 killed mid-write): the other metrics' lines are not parsed at all
        continue;
      }
      if (!worthParsing(line)) continue;
      const parsed = parseLine(line);
      if (parsed === 'invalid') invalidLines++;
      else if (parsed) onLine(parsed);
    }
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw notK6((err as Error).message);
  } finally {
    rl.close();
    input.destroy();
  }
  if (first) throw notK6('it is empty');
  return { invalidLines };
}
