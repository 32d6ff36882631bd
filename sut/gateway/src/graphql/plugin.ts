import type { FastifyInstance } from 'fastify';
import { GraphQLError, GraphQLScalarType, type ValidationRule } from 'graphql';
import mercurius from 'mercurius';
import type { GatewayContext } from '../context.ts';
import { GatewayError } from '../errors.ts';
import { typeDefs } from './schema.ts';

interface SearchArgs {
  collection?: string;
  model?: string;
  vector: number[];
  limit: number;
  withPayload: boolean;
  scoreThreshold?: number;
}

/** Refuses queries that select more than `max` fields (a simple complexity limit). */
export function fieldLimitRule(max: number): ValidationRule {
  return (context) => {
    let fields = 0;
    return {
      Field() {
        fields += 1;
        if (fields === max + 1) context.reportError(new GraphQLError(`query selects more than ${max} fields`));
      },
    };
  };
}

const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  serialize: (v) => v,
  parseValue: (v) => v,
});

interface GqlError {
  message: string;
  locations?: unknown;
  path?: unknown;
  originalError?: unknown;
}

/** The error at the bottom of a chain of wrappers (graphql may be loaded twice: no instanceof on its classes). */
function origin(e: GqlError): unknown {
  let o: unknown = e.originalError;
  while (o && typeof o === 'object' && 'originalError' in o && (o as GqlError).originalError) o = (o as GqlError).originalError;
  return o;
}

function asGatewayError(o: unknown): GatewayError | null {
  if (o instanceof GatewayError) return o;
  const c = o as { code?: unknown; statusCode?: unknown } | null;
  return c && typeof c.code === 'string' && c.code.startsWith('GW_ERR_') && typeof c.statusCode === 'number' ? (o as GatewayError) : null;
}

/**
 * A request mercurius itself refused before running anything (no query, a wrong method, a query
 * that does not validate): the client's mistake, said as such, not an internal error.
 */
function requestError(o: unknown): { message: string } | null {
  const c = o as { code?: unknown; statusCode?: unknown; message?: unknown } | null;
  if (!c || typeof c.code !== 'string' || !c.code.startsWith('MER_ERR_') || typeof c.statusCode !== 'number' || c.statusCode >= 500) return null;
  if (c.code === 'MER_ERR_GQL_PERSISTED_QUERY_NOT_FOUND') return { message: 'the request has no GraphQL query: send {"query": "{ health { status } }"} (POST) or ?query=… (GET)' };
  return { message: typeof c.message === 'string' ? c.message : 'bad GraphQL request' };
}

/** A GraphQL error as clients see it: message, locations, path, extensions.code; never internals. */
function clientError(e: GqlError): Record<string, unknown> {
  const o = origin(e);
  const gw = asGatewayError(o);
  let message = e.message;
  let code: string = 'GW_ERR_VALIDATION';
  const refused = requestError(o);
  if (gw) {
    code = gw.code;
    message = gw.message;
  } else if (refused) {
    message = refused.message;
  } else if (o && !('locations' in (o as object))) {
    message = 'internal error (see the gateway log for this request id)';
    code = 'GW_ERR_INTERNAL';
  }
  return { message, ...(e.locations ? { locations: e.locations } : {}), ...(e.path ? { path: e.path } : {}), extensions: { code } };
}

export async function registerGraphql(app: FastifyInstance, ctx: GatewayContext): Promise<void> {
  const gq = ctx.config.production.production_deployment.configuration.graphql;
  await app.register(mercurius, {
    schema: typeDefs,
    path: '/graphql',
    graphiql: false,
    queryDepth: gq.max_depth,
    validationRules: [fieldLimitRule(gq.max_fields)],
    resolvers: {
      JSON: JSONScalar,
      Query: {
        health: async () => {
          const s = await ctx.health.summary();
          return { status: s.status, components: s.components.map((c) => ({ name: c.name, status: c.status, latencyMs: c.latency_ms, error: c.error ?? null })) };
        },
        models: async () => ctx.registry.modelList().map((m) => ({ name: m.name, collection: m.collection, dimension: m.vectorSize, distance: m.distance, backupPriority: m.backupPriority })),
        collections: async () => {
          const names = await ctx.qdrant.listCollections();
          return Promise.all(names.sort().map(async (name) => {
            const info = await ctx.qdrant.getCollection(name);
            const v = info?.config.params.vectors as { size?: number } | undefined;
            return { name, model: ctx.registry.modelOf(name), status: info?.status ?? 'missing', pointsCount: info?.points_count ?? null, dimension: v?.size ?? null };
          }));
        },
        search: async (_root: unknown, args: SearchArgs) => {
          if (args.limit < 1 || args.limit > 1000) throw new GatewayError('GW_ERR_VALIDATION', 'limit must be between 1 and 1000');
          if (args.vector.length === 0) throw new GatewayError('GW_ERR_VALIDATION', 'vector must not be empty');
          const r = await ctx.vectors.search({
            ...(args.collection !== undefined && args.collection !== null ? { collection: args.collection } : {}),
            ...(args.model !== undefined && args.model !== null ? { model: args.model } : {}),
            query_vector: args.vector,
            limit: args.limit,
            with_payload: args.withPayload,
            ...(typeof args.scoreThreshold === 'number' ? { score_threshold: args.scoreThreshold } : {}),
          });
          return { collection: r.collection, model: r.model, cached: r.cached, tookMs: r.took_ms, results: r.results };
        },
      },
    },
    errorFormatter: (execution, context) => {
      const flat: GqlError[] = (execution.errors as unknown as GqlError[]).flatMap((e) => {
        const nested = (e.originalError as { errors?: unknown } | undefined)?.errors;
        return Array.isArray(nested) ? (nested as GqlError[]) : [e];
      });
      for (const e of flat) {
        const o = origin(e);
        if (o && !asGatewayError(o) && !requestError(o) && !('locations' in (o as object))) context.reply.log.error({ err: o }, 'GraphQL resolver failed');
      }
      // A request the gateway refused (auth, rate limit, validation) keeps its HTTP status; a
      // query that does not parse or validate is a 400; execution errors travel in a 200.
      const refused = flat.map((e) => asGatewayError(origin(e)) ?? asGatewayError(e)).find((g) => g !== null);
      const statusCode = execution.data ? 200 : refused ? refused.statusCode : flat.every((e) => !e.path) ? 400 : 200;
      return { statusCode, response: { data: execution.data ?? null, errors: flat.map((e) => (asGatewayError(e) ? { message: e.message, extensions: { code: (e as GatewayError).code } } : clientError(e))) as never } };
    },
  });
}
