/**
 * What a search answer must be, as pure functions of the response (status, k6 error code, parsed
 * body): the checks, recall@k against the planted truth, and the error class of a bad answer.
 * checks.ts feeds these into k6 `check()` and metrics. Pure: no k6 module, no Node API.
 */
import type { ErrorClass } from '../../../src/bench/error-class.ts';

export interface Hit {
  id: unknown;
  score: unknown;
}

/** The hits of a gateway search answer, or null when the body has none. */
export function hitsOf(body: unknown): Hit[] | null {
  if (body === null || typeof body !== 'object') return null;
  const results = (body as { results?: unknown }).results;
  if (!Array.isArray(results)) return null;
  return results.map((h) => (h !== null && typeof h === 'object' ? (h as Hit) : { id: undefined, score: undefined }));
}

/** Every hit has an integer id (the fixtures' ids are integers). */
export const idsAreIntegers = (hits: Hit[]): boolean => hits.every((h) => typeof h.id === 'number' && Number.isSafeInteger(h.id) && h.id >= 0);

/** Scores are numbers, best first: descending similarity (Cosine, Dot), ascending distance (Euclid). */
export function orderedByScore(hits: Hit[], distance: string): boolean {
  const ascending = distance.toLowerCase() === 'euclid';
  for (let i = 0; i < hits.length; i++) {
    const s = hits[i]!.score;
    if (typeof s !== 'number' || !Number.isFinite(s)) return false;
    if (i === 0) continue;
    const prev = hits[i - 1]!.score as number;
    if (ascending ? s < prev : s > prev) return false;
  }
  return true;
}

/** |returned ∩ planted top-k| / k. */
export function recallAtK(returnedIds: unknown[], planted: number[], k: number): number {
  const truth = new Set(planted.slice(0, k));
  let found = 0;
  const seen = new Set<number>();
  for (const id of returnedIds.slice(0, k)) {
    if (typeof id === 'number' && truth.has(id) && !seen.has(id)) {
      seen.add(id);
      found++;
    }
  }
  return k > 0 ? found / k : 0;
}

export interface SearchVerdict {
  status200: boolean;
  /** Results present (an array with at least one hit). */
  present: boolean;
  integerIds: boolean;
  ordered: boolean;
  /** Null for a good answer. */
  errorClass: ErrorClass | null;
  /** Recall@k of a good answer, null otherwise. */
  recall: number | null;
  /** The gateway said the answer came from its cache. */
  cached: boolean;
}

/**
 * k6 error codes (res.error_code) of transport failures: 1050 request timeout, 1211 dial timeout,
 * 1100–1299 DNS and TCP (refused, reset, unreachable).
 */
export function transportClass(errorCode: number): ErrorClass {
  if (errorCode === 1050 || errorCode === 1211) return 'timeout';
  if (errorCode >= 1100 && errorCode < 1300) return 'connect';
  return 'other';
}

/** The verdict on one search answer. `body` is the parsed JSON (undefined when it did not parse). */
export function judgeSearch(a: { status: number; errorCode: number; body: unknown }, planted: number[], k: number, distance: string): SearchVerdict {
  const hits = a.status === 200 ? hitsOf(a.body) : null;
  const present = hits !== null && hits.length > 0;
  const integerIds = present && idsAreIntegers(hits);
  const ordered = present && orderedByScore(hits, distance);
  let errorClass: ErrorClass | null = null;
  if (a.status === 0) errorClass = transportClass(a.errorCode);
  else if (a.status >= 400 && a.status < 500) errorClass = '4xx';
  else if (a.status >= 500) errorClass = '5xx';
  else if (a.status !== 200) errorClass = 'other';
  else if (!present || !integerIds || !ordered) errorClass = 'bad_body';
  const cached = a.body !== null && typeof a.body === 'object' && (a.body as { cached?: unknown }).cached === true;
  return {
    status200: a.status === 200,
    present,
    integerIds,
    ordered,
    errorClass,
    recall: errorClass === null ? recallAtK(hits!.map((h) => h.id), planted, k) : null,
    cached,
  };
}
