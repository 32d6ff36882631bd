/**
 * Secrets never appear in any output: every string that goes into evidence, results or the
 * report passes through a redactor that knows the run's secrets (API keys) and the header
 * names that carry credentials.
 */
export const REDACTED = '***';

const SECRET_HEADERS = new Set(['x-api-key', 'api-key', 'authorization', 'cookie', 'set-cookie']);

export type Redactor = (text: string) => string;

/** Builds a redactor for the given secrets (empty and very short values are ignored: they would mask everything). */
export function makeRedactor(secrets: Iterable<string | undefined>): Redactor {
  const list = [...new Set([...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 6))].sort(
    (a, b) => b.length - a.length,
  );
  return (text: string) => {
    let out = text;
    for (const s of list) out = out.split(s).join(REDACTED);
    return out;
  };
}

export function isSecretHeader(name: string): boolean {
  return SECRET_HEADERS.has(name.toLowerCase());
}

/** Headers as a flat record with credential headers masked. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    out[k] = isSecretHeader(k) ? REDACTED : Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/** A URL fit to print: its password masked, no trailing slash. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = REDACTED;
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}
