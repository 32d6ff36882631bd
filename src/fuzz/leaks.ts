/**
 * The suite's own checks on every answer the fuzzer got: no stack trace or internal path (the
 * patterns readiness uses, src/readiness/leaks.ts) and no secret of the run (API keys, the
 * Qdrant key, the Redis password) in the body or a header. Applied here, on the fuzzer's
 * recorded exchanges and again by `--replay`, so one implementation judges both.
 *
 * An answer that only echoes what the request sent is not a leak: a validation error quoting a
 * generated string such as "/tmp/x" is the server repeating the client. So every string the
 * request carried is taken out of the answer before the patterns are applied.
 */
import { findInternals } from '../readiness/leaks.ts';

export interface SentRequest {
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** The strings a request carried (decoded path and query parts, header values, JSON body strings and keys). */
export function requestStrings(req: SentRequest): string[] {
  const out = new Set<string>();
  const add = (s: string): void => {
    if (s.length >= 3) out.add(s);
  };
  try {
    const u = new URL(req.url);
    add(u.pathname);
    for (const seg of u.pathname.split('/')) {
      try {
        add(decodeURIComponent(seg));
      } catch {
        add(seg);
      }
    }
    for (const [k, v] of u.searchParams) {
      add(k);
      add(v);
    }
  } catch {
    add(req.url);
  }
  for (const v of Object.values(req.headers)) add(v);
  if (req.body?.length) {
    const text = req.body.toString('utf8');
    add(text);
    try {
      const walk = (v: unknown): void => {
        if (typeof v === 'string') add(v);
        else if (Array.isArray(v)) v.forEach(walk);
        else if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            add(k);
            walk(x);
          }
        }
      };
      walk(JSON.parse(text));
    } catch {
      // not JSON: the text itself is taken out
    }
  }
  // longest first, so that a string is removed before the pieces of it
  return [...out].sort((a, b) => b.length - a.length);
}

/** The answer's text with every echo of the request removed (raw and as a JSON string). */
export function withoutEcho(answer: string, sent: string[]): string {
  let text = answer;
  for (const s of sent) {
    text = text.split(s).join('');
    const json = JSON.stringify(s).slice(1, -1);
    if (json !== s) text = text.split(json).join('');
  }
  return text;
}

/**
 * Found only in error answers (status >= 400): an authenticated operations endpoint that reports
 * its configuration directory or socket (the gateway's diagnostics, which `npm run diagnose` reads)
 * does so by design; the same path in an error answer is the server telling a client its insides.
 */
export const PATH_LEAKS = new Set(['a node_modules path', 'a source file path', 'a server filesystem path']);

/** What the answer leaks, as short phrases (empty when clean). */
export function findLeaks(answer: { status: number; body: string; headers: Record<string, string> }, req: SentRequest, secrets: readonly string[]): string[] {
  const found: string[] = [];
  const all = `${Object.entries(answer.headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\n${answer.body}`;
  for (const s of secrets) {
    if (s.length >= 6 && all.includes(s)) {
      found.push('a secret of the run (an API key, the Qdrant key or the Redis password) echoed');
      break;
    }
  }
  for (const what of findInternals(withoutEcho(all, requestStrings(req)))) if (answer.status >= 400 || !PATH_LEAKS.has(what)) found.push(what);
  return found;
}
