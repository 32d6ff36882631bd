import { expect } from 'vitest';
import { findInternals } from '../../src/readiness/leaks.ts';
import type { Reply } from './http.ts';

/** The answer has the expected status; the failure message quotes the answer. */
export function expectStatus(reply: Reply, expected: number | number[], what: string): void {
  const ok = Array.isArray(expected) ? expected : [expected];
  expect(ok.includes(reply.status), `${what}: expected HTTP ${ok.join(' or ')}, got ${reply.status}: ${reply.text.slice(0, 200)}`).toBe(true);
}

/** The answer shows no stack trace, source path or raw driver error. */
export function expectNoInternals(reply: Reply, what: string): void {
  const leaks = findInternals(reply.text);
  expect(leaks, `${what}: the answer leaks internals (${leaks.join(', ')}): ${reply.text.slice(0, 300)}`).toEqual([]);
}

/** The gateway's error shape: `{"error": {"code", "message"}}` with a non-empty message. */
export function errorMessageOf(reply: Reply): string {
  let body: { error?: { message?: unknown; code?: unknown } };
  try {
    body = reply.json();
  } catch {
    return '';
  }
  return typeof body?.error?.message === 'string' ? body.error.message : '';
}

/** Scores are ordered best first (descending for Cosine/Dot, ascending for Euclid distances reported as scores). */
export function expectOrdered(scores: number[], distance: string, what: string): void {
  const ascending = distance.toLowerCase() === 'euclid' || distance.toLowerCase() === 'manhattan';
  for (let i = 1; i < scores.length; i++) {
    const ok = ascending ? scores[i]! >= scores[i - 1]! : scores[i]! <= scores[i - 1]!;
    expect(ok, `${what}: results are not ordered best first at position ${i}: ${scores.slice(0, 10).join(', ')}`).toBe(true);
  }
}
