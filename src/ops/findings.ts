/**
 * What the operations commands (`npm run diagnose`, `npm run validate-env`) say: a list of
 * findings, each with a level, the place it is about, what was found and the command that fixes
 * it. Both commands print them with `renderFindings` (one screen, grouped by area) or as JSON.
 */
import type { Redactor } from '../util/redact.ts';

/** ok: as it should be; info: worth knowing, not a problem; warn: a problem that does not stop the stack; fail: broken. */
export type Level = 'ok' | 'info' | 'warn' | 'fail';

export interface Finding {
  level: Level;
  /** The section it belongs to (`services`, `tools`, `ports`, …). */
  area: string;
  /** The place: a service (`gateway-green`), a tool, a port, a variable. */
  where: string;
  /** What was found, one line. */
  what: string;
  /** The command (or the step) that fixes it; absent when there is nothing to do. */
  fix?: string;
  /** Supporting lines, e.g. the last error lines of a service's log. */
  details?: string[];
}

const RANK: Record<Level, number> = { ok: 0, info: 1, warn: 2, fail: 3 };

export function worstLevel(findings: readonly Finding[]): Level {
  let worst: Level = 'ok';
  for (const f of findings) if (RANK[f.level] > RANK[worst]) worst = f.level;
  return worst;
}

export function countLevels(findings: readonly Finding[]): Record<Level, number> {
  const counts: Record<Level, number> = { ok: 0, info: 0, warn: 0, fail: 0 };
  for (const f of findings) counts[f.level] += 1;
  return counts;
}

/** `1 fail, 2 warn` (the problems), or `no problems`. */
export function problemSummary(findings: readonly Finding[]): string {
  const c = countLevels(findings);
  const parts = [c.fail ? `${c.fail} fail` : '', c.warn ? `${c.warn} warn` : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'no problems';
}

const LABEL: Record<Level, string> = { ok: 'ok', info: 'info', warn: 'WARN', fail: 'FAIL' };

export interface RenderOptions {
  /** Print ok findings too (default true). */
  showOk?: boolean;
  /** Width of the `where` column (default: the longest, at most 18). */
  whereWidth?: number;
  /** Applied to every line printed (secrets out). */
  redact?: Redactor;
}

/**
 * The findings as lines, grouped by area in the order the areas first appear:
 *
 *   services
 *     ok    redis            pid 123 alive, PING answered (redis://127.0.0.1:6379)
 *     FAIL  gateway-green    pid 456 is not running (http://127.0.0.1:40123)
 *                            fix: npm run stack -- up
 *                            log: …
 */
export function renderFindings(findings: readonly Finding[], opts: RenderOptions = {}): string[] {
  const redact = opts.redact ?? ((s: string) => s);
  const shown = findings.filter((f) => opts.showOk !== false || f.level !== 'ok');
  const width = opts.whereWidth ?? Math.min(18, Math.max(8, ...shown.map((f) => f.where.length)));
  const indent = ' '.repeat(2 + 6 + width + 1);
  const areas = [...new Set(shown.map((f) => f.area))];
  const lines: string[] = [];
  for (const area of areas) {
    lines.push(area);
    for (const f of shown.filter((x) => x.area === area)) {
      const where = f.where.length > width ? `${f.where}\n${indent.slice(1)}` : f.where.padEnd(width);
      lines.push(...redact(`  ${LABEL[f.level].padEnd(5)} ${where} ${f.what}`).split('\n'));
      if (f.fix && f.level !== 'ok') lines.push(redact(`${indent}fix: ${f.fix}`));
      for (const d of f.details ?? []) lines.push(redact(`${indent}${d}`));
    }
  }
  return lines;
}

/** Cuts `text` to `max` characters (with an ellipsis), on one line. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s*\n\s*/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** `42 s ago`, `3 min ago`, `2 h ago`, `4 d ago` (or `in the future` for clock skew). */
export function ago(iso: string | undefined | null, now: number): string {
  if (!iso) return 'at an unknown time';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return `at ${iso}`;
  const s = (now - t) / 1000;
  if (s < -1) return 'in the future (clock skew?)';
  if (s < 90) return `${Math.max(0, Math.round(s))} s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
}
