import type { FastifyInstance } from 'fastify';
import type { GatewayContext } from '../context.ts';
import { statusMeaning } from '../collections/status.ts';
import { GatewayError } from '../errors.ts';
import { collectionParams, errorResponses } from './schemas.ts';

const nullableString = { type: ['string', 'null'] } as const;

const collectionInfo = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    model: nullableString,
    status: { type: 'string' },
    points_count: { type: ['integer', 'null'] },
    indexed_vectors_count: { type: ['integer', 'null'] },
    dimension: { type: ['integer', 'null'] },
    distance: nullableString,
  },
  required: ['name', 'model', 'status', 'points_count', 'indexed_vectors_count', 'dimension', 'distance'],
} as const;

const modelHealth = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    collection: { type: 'string' },
    status: { type: 'string', enum: ['healthy', 'degraded', 'unhealthy'] },
    collection_status: { type: 'string' },
    serving: { type: 'boolean' },
    optimizer: { type: 'string', enum: ['idle', 'optimizing', 'pending', 'failed', 'unknown'] },
    points_count: { type: ['integer', 'null'] },
    indexed_vectors_count: { type: ['integer', 'null'] },
    dimension: { type: ['integer', 'null'] },
    expected_dimension: { type: 'integer' },
    distance: nullableString,
    endpoint: {
      anyOf: [
        { type: 'null' },
        { type: 'object', properties: { url: { type: 'string' }, status: { type: 'string' }, latency_ms: { type: 'number' }, error: { type: 'string' } }, required: ['url', 'status', 'latency_ms'] },
      ],
    },
    checked_at: { type: 'string' },
  },
  required: ['model', 'collection', 'status', 'collection_status', 'serving', 'optimizer', 'points_count', 'indexed_vectors_count', 'dimension', 'distance', 'endpoint', 'checked_at'],
} as const;

type Vectors = { size?: number; distance?: string };

export function collectionRoutes(ctx: GatewayContext) {
  const describe = async (name: string) => {
    const info = await ctx.qdrant.getCollection(name);
    if (!info) return null;
    const v = info.config.params.vectors as Vectors;
    return {
      name,
      model: ctx.registry.modelOf(name),
      status: info.status,
      points_count: info.points_count,
      indexed_vectors_count: info.indexed_vectors_count,
      dimension: typeof v.size === 'number' ? v.size : null,
      distance: typeof v.distance === 'string' ? v.distance : null,
    };
  };

  return async function routes(app: FastifyInstance): Promise<void> {
    app.get('/api/v1/collections', {
      schema: {
        tags: ['collections'],
        summary: 'List collections',
        response: { 200: { type: 'object', properties: { collections: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, model: nullableString }, required: ['name', 'model'] } } }, required: ['collections'] }, ...errorResponses },
      },
    }, async () => {
      const names = await ctx.qdrant.listCollections();
      return { collections: names.sort().map((name) => ({ name, model: ctx.registry.modelOf(name) })) };
    });

    app.get<{ Params: { collection: string } }>('/api/v1/collections/:collection', {
      schema: { tags: ['collections'], summary: 'Collection status, size and vector parameters', params: collectionParams, response: { 200: collectionInfo, ...errorResponses } },
    }, async (req) => {
      const info = await describe(req.params.collection);
      if (!info) throw new GatewayError('GW_ERR_COLLECTION_NOT_FOUND', `collection ${req.params.collection} does not exist`);
      return info;
    });

    app.get('/api/v1/models', {
      schema: {
        tags: ['models'],
        summary: 'The configured models and their collections',
        response: {
          200: {
            type: 'object',
            properties: {
              models: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, collection: { type: 'string' }, dimension: { type: 'integer' }, distance: { type: 'string' }, backup_priority: { type: 'string' }, endpoint: nullableString },
                  required: ['name', 'collection', 'dimension', 'distance', 'backup_priority', 'endpoint'],
                },
              },
            },
            required: ['models'],
          },
          ...errorResponses,
        },
      },
    }, async () => ({
      models: ctx.registry.modelList().map((m) => ({ name: m.name, collection: m.collection, dimension: m.vectorSize, distance: m.distance, backup_priority: m.backupPriority, endpoint: m.endpoint })),
    }));

    app.get<{ Params: { model: string } }>('/api/v1/models/:model/health', {
      schema: {
        tags: ['models'],
        summary: 'A model\'s collection health (and its external endpoint when configured)',
        params: { type: 'object', properties: { model: { type: 'string', minLength: 1, maxLength: 64 } }, required: ['model'] },
        response: { ...errorResponses, 200: modelHealth, 503: modelHealth },
      },
    }, async (req, reply) => {
      const model = ctx.registry.model(req.params.model);
      const [info, endpoint] = await Promise.all([
        describe(model.collection).catch(() => null),
        model.endpoint ? probeEndpoint(model.endpoint, ctx.config.healthChecks.health_checks.timeout_s * 1000) : Promise.resolve(null),
      ]);
      // grey (optimizations pending, e.g. after a restart) and yellow (optimizing) serve: only red fails
      const meaning = statusMeaning(info?.status);
      const collectionOk = info !== null && meaning.serves && info.dimension === model.vectorSize;
      const status = !collectionOk ? 'unhealthy' : endpoint && endpoint.status !== 'healthy' ? 'degraded' : 'healthy';
      if (status === 'unhealthy') reply.code(503);
      return {
        model: model.name,
        collection: model.collection,
        status,
        collection_status: info?.status ?? 'missing',
        serving: info !== null && meaning.serves,
        optimizer: meaning.optimizer,
        points_count: info?.points_count ?? null,
        indexed_vectors_count: info?.indexed_vectors_count ?? null,
        dimension: info?.dimension ?? null,
        expected_dimension: model.vectorSize,
        distance: info?.distance ?? null,
        endpoint,
        checked_at: new Date().toISOString(),
      };
    });
  };
}

async function probeEndpoint(url: string, timeoutMs: number): Promise<{ url: string; status: string; latency_ms: number; error?: string }> {
  const started = performance.now();
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return { url, status: res.ok ? 'healthy' : 'unhealthy', latency_ms: Math.round(performance.now() - started), ...(res.ok ? {} : { error: `HTTP ${res.status}` }) };
  } catch (err) {
    return { url, status: 'unhealthy', latency_ms: Math.round(performance.now() - started), error: (err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'unreachable' };
  }
}
