/** A gateway (pino) log line as a person reads it: `level msg: error message`; other lines as they are. */
export function readableLogLine(line: string): string {
  try {
    const o = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
    if (typeof o.msg !== 'string') return line;
    const level = o.level === undefined ? '' : o.level >= 50 ? 'error ' : o.level >= 40 ? 'warn ' : '';
    return `${level}${o.msg}${o.err?.message ? `: ${o.err.message}` : ''}`;
  } catch {
    return line;
  }
}
