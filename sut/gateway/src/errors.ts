/**
 * The gateway's one error catalogue: every error a client can see has a code from here, a
 * status, and a message meant for the client (never a stack trace or an internal path).
 * README.md ("Every error") lists the same codes; a unit test keeps the two in sync.
 */
export const ERRORS = {
  GW_ERR_VALIDATION: 400,
  GW_ERR_INVALID_JSON: 400,
  GW_ERR_NON_FINITE: 400,
  GW_ERR_VECTOR_DIMENSION: 400,
  GW_ERR_UNAUTHORIZED: 401,
  GW_ERR_IP_FORBIDDEN: 403,
  GW_ERR_NOT_FOUND: 404,
  GW_ERR_COLLECTION_NOT_FOUND: 404,
  GW_ERR_MODEL_NOT_FOUND: 404,
  GW_ERR_POINT_NOT_FOUND: 404,
  GW_ERR_BODY_TOO_LARGE: 413,
  GW_ERR_UNSUPPORTED_MEDIA_TYPE: 415,
  GW_ERR_RATE_LIMITED: 429,
  GW_ERR_INTERNAL: 500,
  GW_ERR_UPSTREAM: 502,
  GW_ERR_UNAVAILABLE: 503,
  GW_ERR_UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERRORS;

/** An error whose message is safe to show to the client. */
export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = 'GatewayError';
    this.code = code;
    this.statusCode = ERRORS[code];
  }
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string };
}

export function errorBody(code: ErrorCode, message: string, requestId: string): ErrorBody {
  return { error: { code, message, request_id: requestId } };
}

/** JSON schema of the error body, shared by every route's responses. */
export const errorSchema = {
  $id: 'GatewayError',
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: {
        code: { type: 'string', enum: Object.keys(ERRORS) },
        message: { type: 'string' },
        request_id: { type: 'string' },
      },
      required: ['code', 'message', 'request_id'],
    },
  },
  required: ['error'],
} as const;

/** Fastify's own error codes → ours (anything unlisted with a 4xx status is a validation error). */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'GW_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'GW_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'GW_ERR_VALIDATION',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'GW_ERR_INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'GW_ERR_INVALID_JSON',
  FST_ERR_VALIDATION: 'GW_ERR_VALIDATION',
};

/** Any thrown value → a catalogue code, a status and a client-safe message. */
export function classify(err: unknown): { code: ErrorCode; statusCode: number; message: string; internal: boolean } {
  if (err instanceof GatewayError) return { code: err.code, statusCode: err.statusCode, message: err.message, internal: false };
  const e = err as { code?: string; statusCode?: number; message?: string; validation?: unknown };
  if (e && typeof e === 'object') {
    if (e.validation) return { code: 'GW_ERR_VALIDATION', statusCode: 400, message: e.message ?? 'invalid request', internal: false };
    if (e instanceof SyntaxError || e.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
      return { code: 'GW_ERR_INVALID_JSON', statusCode: 400, message: jsonMessage(e.message ?? ''), internal: false };
    }
    const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
    if (mapped) return { code: mapped, statusCode: ERRORS[mapped], message: mapped === 'GW_ERR_BODY_TOO_LARGE' ? 'request body is larger than the limit' : e.message ?? mapped, internal: false };
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      return { code: 'GW_ERR_VALIDATION', statusCode: 400, message: e.message ?? 'invalid request', internal: false };
    }
  }
  return { code: 'GW_ERR_INTERNAL', statusCode: 500, message: 'internal error (see the gateway log for this request id)', internal: true };
}

/** A JSON parse failure, explained (NaN and Infinity are the usual suspects in vectors). */
export function jsonMessage(parserMessage: string): string {
  const why = /NaN|Infinity|token '?[NI]'?|No number after minus sign/.test(parserMessage)
    ? ' (NaN and Infinity are not JSON numbers)'
    : '';
  return `request body is not valid JSON${why}: ${parserMessage.replace(/\s+/g, ' ').slice(0, 200)}`;
}
