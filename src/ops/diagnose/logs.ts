/**
 * The lines of a service log worth showing next to a finding: its last error lines (the
 * gateway's JSON log lines at level warn and above, condensed to time, level, message and
 * error; other logs' lines that read like an error, with the indented lines that continue
 * them, e.g. the list under "configuration invalid:"), or its last lines when none does.
 */

const TEXT_ERROR = /\b(error|err|fatal|panic|failed|failure|exception|invalid|refused|denied|cannot|could not|unable|emerg|crit|alert|warn(ing)?|traceback|killed|oom)\b|\[(error|crit|alert|emerg|warn)\]/i;

const PINO_LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Indented lines after an error line that belong to it. */
const CONTINUATION_LINES = 3;

interface Condensed {
  text: string;
  error: boolean;
  /** Starts with white space (and is not JSON): continues the line before it. */
  continues: boolean;
}

function condense(line: string): Condensed {
  const trimmed = line.trim();
  if (trimmed.startsWith('{')) {
    try {
      const j = JSON.parse(trimmed) as Record<string, unknown>;
      if (typeof j.level === 'number' || typeof j.msg === 'string') {
        const level = typeof j.level === 'number' ? (PINO_LEVELS[j.level] ?? String(j.level)) : String(j.level ?? '');
        const time = typeof j.time === 'number' ? new Date(j.time).toISOString().slice(11, 19) : typeof j.time === 'string' ? j.time : '';
        const err = j.err && typeof j.err === 'object' ? (j.err as Record<string, unknown>).message : undefined;
        const text = [time, level, typeof j.msg === 'string' ? j.msg : '', typeof err === 'string' ? `(${err})` : ''].filter(Boolean).join(' ');
        return { text, error: typeof j.level === 'number' ? j.level >= 40 : TEXT_ERROR.test(level), continues: false };
      }
    } catch {
      // not JSON after all
    }
  }
  return { text: /^\s/.test(line) ? `  ${trimmed}` : trimmed, error: TEXT_ERROR.test(trimmed), continues: /^\s/.test(line) };
}

/** The last `max` error lines of `lines` with their continuation lines (condensed, each cut to `width`), or the last 3 lines when none reads like an error. */
export function errorLines(lines: readonly string[], max = 5, width = 180): string[] {
  const all = lines.filter((l) => l.trim() !== '').map(condense);
  const starts = all.map((c, i) => (c.error && !c.continues ? i : -1)).filter((i) => i >= 0).slice(-max);
  let chosen: string[];
  if (starts.length === 0) chosen = all.slice(-3).map((c) => c.text);
  else {
    chosen = [];
    for (const i of starts) {
      chosen.push(all[i]!.text);
      for (let j = i + 1; j < all.length && j <= i + CONTINUATION_LINES && all[j]!.continues; j++) chosen.push(all[j]!.text);
    }
  }
  return chosen.map((t) => (t.length > width ? `${t.slice(0, width - 1)}…` : t));
}
