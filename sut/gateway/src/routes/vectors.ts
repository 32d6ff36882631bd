import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { rawQueryVector } from '../vectors/raw-vector.ts';
import { parsePointId, type SearchInput, type UpsertPoint, type PointId, type Target } from '../vectors/service.ts';
import {
  deleteBody, errorResponses, payload, pointId, pointParams, searchBody, searchResponse, upsertBody, vector, writeResponse,
} from './schemas.ts';

const tags = ['vectors'];

export function vectorRoutes(ctx: GatewayContext) {
  return async function routes(app: FastifyInstance): Promise<void> {
    // the hot path: its rate-limit hit is counted in the same Redis round trip as its cache lookup
    app.post<{ Body: SearchInput }>('/api/v1/vectors/search', {
      config: { deferRateLimit: true },
      schema: { tags, summary: 'Search a collection (or a model\'s collection) by vector', body: searchBody, response: { 200: searchResponse, ...errorResponses } },
    }, async (req, reply) => {
      const limiter = ctx.rateLimiter;
      const check = limiter?.check(req);
      const vectorText = req.jsonText === null ? null : rawQueryVector(req.jsonText, req.body.query_vector.length);
      if (!limiter || !check) return ctx.vectors.search(req.body, undefined, vectorText);
      return ctx.vectors.search(req.body, { check, admit: (state) => limiter.apply(req, reply, check, state) }, vectorText);
    });

    app.post<{ Body: { searches: SearchInput[] } }>('/api/v1/vectors/search/batch', {
      schema: {
        tags,
        summary: 'Several searches in one request',
        body: { type: 'object', additionalProperties: false, properties: { searches: { type: 'array', minItems: 1, maxItems: 100, items: searchBody } }, required: ['searches'] },
        response: { 200: { type: 'object', properties: { responses: { type: 'array', items: searchResponse }, took_ms: { type: 'number' } }, required: ['responses', 'took_ms'] }, ...errorResponses },
      },
    }, async (req) => {
      const started = performance.now();
      const responses = await Promise.all(req.body.searches.map((s) => ctx.vectors.search(s)));
      return { responses, took_ms: Math.round((performance.now() - started) * 1000) / 1000 };
    });

    app.post<{ Body: Target & { points: UpsertPoint[] } }>('/api/v1/vectors/upsert', {
      schema: { tags, summary: 'Insert or replace points (batch); invalidates the collection\'s cache', body: upsertBody, response: { 200: writeResponse('upserted'), ...errorResponses } },
    }, async (req) => ctx.vectors.upsert(req.body, req.body.points));

    app.post<{ Body: Target & { ids: PointId[] } }>('/api/v1/vectors/delete', {
      schema: { tags, summary: 'Delete points by id; invalidates the collection\'s cache', body: deleteBody, response: { 200: writeResponse('deleted'), ...errorResponses } },
    }, async (req) => ctx.vectors.delete(req.body, req.body.ids));

    app.get<{ Params: { collection: string; id: string } }>('/api/v1/vectors/:collection/:id', {
      schema: {
        tags,
        summary: 'Get one point with its vector and payload',
        params: pointParams,
        response: {
          200: { type: 'object', properties: { collection: { type: 'string' }, id: pointId, vector, payload }, required: ['collection', 'id', 'vector', 'payload'] },
          ...errorResponses,
        },
      },
    }, async (req) => ctx.vectors.get(req.params.collection, parsePointId(req.params.id)));

    app.delete<{ Params: { collection: string; id: string } }>('/api/v1/vectors/:collection/:id', {
      schema: { tags, summary: 'Delete one point', params: pointParams, response: { 200: writeResponse('deleted'), ...errorResponses } },
    }, async (req) => ctx.vectors.delete({ collection: req.params.collection }, [parsePointId(req.params.id)]));

  };
}
