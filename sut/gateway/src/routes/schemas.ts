/** JSON schemas shared by the routes (they also make /openapi.json). */

const errorRef = { $ref: 'GatewayError#' } as const;

/** Error responses every route may give. */
export const errorResponses = {
  400: errorRef,
  401: errorRef,
  403: errorRef,
  404: errorRef,
  413: errorRef,
  429: errorRef,
  500: errorRef,
  502: errorRef,
  503: errorRef,
  504: errorRef,
} as const;

export const pointId = {
  anyOf: [
    { type: 'integer', minimum: 0 },
    { type: 'string', format: 'uuid' },
  ],
} as const;

const name = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9_-]+$' } as const;

export const vector = { type: 'array', minItems: 1, maxItems: 65536, items: { type: 'number' } } as const;

/** Exactly one of collection / model. */
const target = {
  collection: name,
  model: name,
} as const;
const oneTarget = { oneOf: [{ required: ['collection'] }, { required: ['model'] }] } as const;

export const searchBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...target,
    query_vector: vector,
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 10 },
    offset: { type: 'integer', minimum: 0, maximum: 10000, default: 0 },
    filter: { type: 'object', additionalProperties: true },
    with_payload: { type: 'boolean', default: false },
    score_threshold: { type: 'number' },
  },
  required: ['query_vector'],
  ...oneTarget,
} as const;

export const payload = { type: 'object', additionalProperties: true } as const;

export const searchResponse = {
  type: 'object',
  properties: {
    collection: { type: 'string' },
    model: { type: ['string', 'null'] },
    results: {
      type: 'array',
      items: {
        type: 'object',
        properties: { id: pointId, score: { type: 'number' }, payload },
        required: ['id', 'score'],
      },
    },
    took_ms: { type: 'number' },
    cached: { type: 'boolean' },
  },
  required: ['collection', 'model', 'results', 'took_ms', 'cached'],
} as const;

export const upsertBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...target,
    points: {
      type: 'array',
      minItems: 1,
      maxItems: 1000,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: { id: pointId, vector, payload },
        required: ['id', 'vector'],
      },
    },
  },
  required: ['points'],
  ...oneTarget,
} as const;

export const deleteBody = {
  type: 'object',
  additionalProperties: false,
  properties: { ...target, ids: { type: 'array', minItems: 1, maxItems: 1000, items: pointId } },
  required: ['ids'],
  ...oneTarget,
} as const;

export const writeResponse = (countField: 'upserted' | 'deleted') => ({
  type: 'object',
  properties: { collection: { type: 'string' }, [countField]: { type: 'integer' }, took_ms: { type: 'number' } },
  required: ['collection', countField, 'took_ms'],
}) as const;

export const collectionParams = {
  type: 'object',
  properties: { collection: name },
  required: ['collection'],
} as const;

/** A point id in a path: what parsePointId (vectors/service.ts) reads, a non-negative integer (up to 15 digits) or a UUID. */
export const POINT_ID_PATTERN = '^(?:[0-9]{1,15}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$';

export const pointParams = {
  type: 'object',
  properties: { collection: name, id: { type: 'string', minLength: 1, maxLength: 64, pattern: POINT_ID_PATTERN } },
  required: ['collection', 'id'],
} as const;

/** What /graphql answers, whatever the status: a GraphQL response (`data`, `errors`) or the gateway's error envelope (refused before GraphQL ran). */
export const graphqlAnswer = { type: 'object', additionalProperties: true } as const;

/** A health component: name, status, latency, and any details. */
export const component = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
    latency_ms: { type: 'number' },
    error: { type: 'string' },
  },
  required: ['name', 'status', 'latency_ms'],
} as const;

/** An object whose keys are free (diagnostics, details). */
export const freeObject = { type: 'object', additionalProperties: true } as const;
