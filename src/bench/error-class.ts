/** Why a request did not count as a good answer. Every failed request has exactly one class. */
export const ERROR_CLASSES = ['timeout', 'connect', '4xx', '5xx', 'bad_body', 'dropped', 'other'] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

export type ErrorCounts = Record<ErrorClass, number>;

export const emptyErrorCounts = (): ErrorCounts => ({ timeout: 0, connect: 0, '4xx': 0, '5xx': 0, bad_body: 0, dropped: 0, other: 0 });

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ESOCKETTIMEDOUT']);
const CONNECT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH',
  'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED',
]);

/** Class of a transport error (undici or node:net). */
export function classifyError(err: unknown): ErrorClass {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (TIMEOUT_CODES.has(code)) return 'timeout';
    if (CONNECT_CODES.has(code)) return 'connect';
  }
  return 'other';
}

/** Class of a completed response by status, or null for 2xx. */
export function classifyStatus(status: number): ErrorClass | null {
  if (status >= 200 && status < 300) return null;
  if (status >= 400 && status < 500) return '4xx';
  if (status >= 500) return '5xx';
  return 'other';
}
