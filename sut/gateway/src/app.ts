import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Redis } from 'ioredis';
import { NoSearchCache, RedisSearchCache } from './cache/search-cache.ts';
import { SpeculationPolicy } from './cache/speculation.ts';
import { CollectionRegistry } from './collections/registry.ts';
import { bootProblems, ConfigInvalidError } from './config/bootable.ts';
import type { GatewayConfig } from './config/load.ts';
import { blockListOf } from './config/schema.ts';
import type { GatewayContext } from './context.ts';
import { classify, errorBody, errorSchema, GatewayError, jsonMessage } from './errors.ts';
import { registerGraphql } from './graphql/plugin.ts';
import { HealthChecks } from './health/checks.ts';
import { GatewayMetrics } from './observability/metrics.ts';
import { discardBody } from './discard-body.ts';
import { registerFaults } from './faults.ts';
import { QdrantClient } from './qdrant/client.ts';
import { connectRedis } from './redis/connection.ts';
import { InstanceRegistry } from './registry/instances.ts';
import { collectionRoutes } from './routes/collections.ts';
import { healthRoutes } from './routes/health.ts';
import { operationsRoutes } from './routes/operations.ts';
import { vectorRoutes } from './routes/vectors.ts';
import { VectorService } from './vectors/service.ts';
import { graphqlAnswer } from './routes/schemas.ts';
import { needsApiKey, registerAccessControl } from './security/access.ts';
import { SlotState } from './slot/state.ts';
import { registerRateLimit } from './security/rate-limit.ts';
import { formatValidationErrors } from './validation.ts';

/** Server keepAliveTimeout: must stay above nginx's upstream keepalive_timeout (10 s). */
export const KEEP_ALIVE_TIMEOUT_MS = 65_000;
/** Server headersTimeout (bounded by request_timeout_ms). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** How much of a refused body (413) is read and dropped before the answer: twice nginx's client_max_body_size (4m). */
const DISCARD_MAX_BYTES = 8 * 1024 * 1024;
const DISCARD_MAX_MS = 5000;

export interface BuildOptions {
  config: GatewayConfig;
  /** Fastify logger options; `false` silences the gateway (tests). Default: pino at the configured level. */
  logger?: FastifyServerOptions['logger'];
  /** Use this Redis connection (or none: no cache, rate limits in memory). Default: connect to the configured URL. */
  redis?: Redis | null;
  /** Create the configured collections when the app becomes ready. Default true. */
  ensureCollections?: boolean;
  /** This process's index among the slot's workers (slot/cluster.ts): sent as `x-gateway-worker`. */
  worker?: number;
}

/**
 * Builds the gateway app (not listening): plugins, hooks, routes. `server.ts` listens.
 * Throws ConfigInvalidError for a configuration the gateway refuses (config/bootable.ts), with
 * the messages validate-config prints for it.
 */
export async function build(opts: BuildOptions): Promise<FastifyInstance> {
  const { config } = opts;
  const refused = bootProblems(config);
  if (refused.length > 0) throw new ConfigInvalidError(refused.map((p) => p.message));
  const prod = config.production.production_deployment;
  const gw = prod.configuration.api_gateway;

  const app = Fastify({
    logger: opts.logger ?? {
      level: gw.log_level,
      redact: ['req.headers["x-api-key"]', 'req.headers.authorization'],
    },
    logController: new LogController({ disableRequestLogging: !gw.access_log }),
    bodyLimit: gw.body_limit_bytes,
    requestTimeout: gw.request_timeout_ms,
    // Idle keep-alive connections stay open 65 s: longer than nginx keeps an upstream connection
    // cached (keepalive_timeout 10s in nginx/nginx.conf.template), so the slot never closes one
    // nginx may still reuse (a request on it would fail). Keep it above 10 s.
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // app.close() closes the idle connections left; server.ts calls it only after draining
    // (src/slot/listeners.ts), never while nginx may still reuse one.
    forceCloseConnections: 'idle',
    trustProxy: prod.security.trusted_proxies.length > 0 ? prod.security.trusted_proxies : false,
    // longer than any valid path parameter: a too-long one is then refused by the route's schema
    // (400, the gateway's error envelope), not by the router (414, Fastify's own body)
    routerOptions: { maxParamLength: 2048 },
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    // ensuring the collections at start-up may take a while (a stand-in engine creates them slowly)
    pluginTimeout: 120_000,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    schemaErrorFormatter: formatValidationErrors,
  });

  // the headers of a request must come within this (an idle keep-alive connection is not
  // subject to it; Node wants it at most requestTimeout)
  app.server.headersTimeout = Math.min(HEADERS_TIMEOUT_MS, gw.request_timeout_ms);

  const metrics = new GatewayMetrics({ defaultMetrics: prod.monitoring.metrics_enabled, labels: { slot: config.slot } });
  const qdrantConf = prod.configuration.qdrant;
  const qdrant = new QdrantClient({
    url: qdrantConf.url,
    ...(qdrantConf.api_key ? { apiKey: qdrantConf.api_key } : {}),
    timeoutMs: qdrantConf.timeout_ms,
    connections: qdrantConf.connections,
    onCall: (op, seconds, ok) => {
      metrics.qdrantLatency.observe({ op, outcome: ok ? 'ok' : 'error' }, seconds);
      if (!ok) metrics.qdrantUp.set(0);
    },
  });
  let redisErrorLogged = false;
  const redis = opts.redis !== undefined
    ? opts.redis
    : connectRedis(prod.configuration.redis.url, prod.configuration.redis.command_timeout_ms, (err) => {
      // one line per outage, not one per reconnect attempt
      if (!redisErrorLogged) app.log.warn({ err: err.message }, 'Redis unavailable: serving without cache (degraded)');
      redisErrorLogged = true;
    });
  if (redis) {
    redis.on('ready', () => {
      if (redisErrorLogged) app.log.info('Redis reconnected: cache back on');
      redisErrorLogged = false;
    });
    metrics.redisUp.set(redis.status === 'ready' ? 1 : 0);
    redis.on('ready', () => metrics.redisUp.set(1));
    redis.on('close', () => metrics.redisUp.set(0));
  }
  const cache = redis && prod.configuration.cache.enabled
    ? new RedisSearchCache(redis, prod.configuration.cache.ttl_s, 'gw:', () => undefined)
    : new NoSearchCache();
  const registry = new CollectionRegistry(qdrant, config.collections, config.models);
  const registryConf = config.orchestration.service_orchestration.service_registry;
  const ctx: GatewayContext = {
    config,
    qdrant,
    redis,
    cache,
    metrics,
    registry,
    vectors: new VectorService(qdrant, registry, cache, metrics, new SpeculationPolicy({
      enabled: prod.configuration.cache.speculative_lookup.enabled,
      maxHitRatio: prod.configuration.cache.speculative_lookup.max_hit_ratio,
      maxRateShare: prod.configuration.cache.speculative_lookup.max_rate_share,
    })),
    health: new HealthChecks(config, qdrant, redis, metrics),
    rateLimiter: null,
    version: config.version,
    startedAt: new Date(),
    slot: new SlotState({ socketPath: config.socketPath, activeLink: config.activeLink }),
    instances: new InstanceRegistry({
      redis,
      enabled: registryConf.enabled,
      prefix: registryConf.key_prefix,
      heartbeatS: registryConf.heartbeat_s,
      ttlS: registryConf.ttl_s,
      instanceId: config.instanceId,
      log: app.log,
    }),
  };
  app.decorate('gateway', ctx);
  app.addSchema(errorSchema);

  // Fastify's JSON parser (with its prototype-poisoning protection), with a message that says
  // what is wrong with the body instead of a bare "not valid JSON".
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // JSON only: Fastify's built-in text/plain parser would hand a string to the schema (400)
  // where the contract says 415 GW_ERR_UNSUPPORTED_MEDIA_TYPE.
  app.removeContentTypeParser('text/plain');
  app.decorateRequest('jsonText', null);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    // kept for the search route, which sends the query vector's own text on (vectors/raw-vector.ts)
    req.jsonText = body as string;
    defaultJson(req, body as string, (err, value) => {
      if (!err || body === '') return done(err, value);
      try {
        JSON.parse(body as string);
        // valid JSON the parser refused: a "__proto__" (or constructor.prototype) key, refused
        // against prototype poisoning; said as that, not as "not valid JSON"
        done(new GatewayError('GW_ERR_VALIDATION', 'the body has a "__proto__" or "constructor": {"prototype": …} key, which the gateway refuses (prototype poisoning)'), undefined);
      } catch (syntax) {
        done(new GatewayError('GW_ERR_INVALID_JSON', jsonMessage((syntax as Error).message)), undefined);
      }
    });
  });

  app.setErrorHandler(async (failure, req, reply) => {
    let err: unknown = failure;
    // a request of a route that counts its own rate-limit hit, failing before it did (bad
    // body, unknown collection, ...), is counted now; over the limit it is a 429
    if (ctx.rateLimiter) {
      try {
        await ctx.rateLimiter.settle(req, reply);
      } catch (limitErr) {
        err = limitErr;
      }
    }
    const c = classify(err);
    if (c.internal) req.log.error({ err }, 'request failed');
    else if (c.statusCode >= 500) req.log.warn({ code: c.code, msg: c.message }, 'upstream failure');
    if (c.code === 'GW_ERR_RATE_LIMITED' && !reply.getHeader('retry-after')) reply.header('retry-after', '1');
    if (c.statusCode === 413) {
      await discardBody(req.raw, DISCARD_MAX_BYTES, DISCARD_MAX_MS);
      reply.header('connection', 'close');
    }
    return reply.code(c.statusCode).send(errorBody(c.code, c.message, String(req.id)));
  });
  app.setNotFoundHandler((req, reply) => {
    reply.code(404).send(errorBody('GW_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`, String(req.id)));
  });

  const slotName = config.slot;
  const workerLabel = opts.worker === undefined ? null : String(opts.worker);
  const slotState = ctx.slot;
  app.addHook('onRequest', async (req, reply) => {
    metrics.inFlight.inc();
    reply.header('x-request-id', req.id);
    reply.header('x-gateway-slot', slotName);
    reply.header('x-gateway-version', ctx.version);
    if (workerLabel !== null) reply.header('x-gateway-worker', workerLabel);
    // not the active slot (nginx may reuse a connection it cached to it before a switch), or
    // draining: Node closes the connection after this response, so nobody reuses it
    if (slotState.closeConnections()) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.inFlight.dec();
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
  });

  registerAccessControl(app, {
    allowlist: prod.security.ip_allowlist.length > 0 ? blockListOf(prod.security.ip_allowlist) : null,
    apiKeys: prod.security.api_key_auth ? config.apiKeys : null,
  });
  if (config.faults) {
    app.log.warn({ faults: config.faults.text }, 'GATEWAY_FAULTS is set: this slot injects faults (a rollback drill)');
    registerFaults(app, config.faults);
  }
  if (prod.security.rate_limiting) {
    ctx.rateLimiter = await registerRateLimit(app, {
      deferrable: cache.countsRates,
      limits: prod.security.rate_limits,
      authEnabled: prod.security.api_key_auth,
      defaultRole: 'standard' in prod.security.rate_limits ? 'standard' : Object.keys(prod.security.rate_limits)[0] as string,
      redis,
    });
  }

  await app.register(swagger, {
    openapi: {
      info: { title: 'Vector Database Server API (reference gateway)', version: ctx.version },
      components: { securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' }, bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }, { bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });

  app.addHook('onRoute', (route) => {
    if (!route.schema) return;
    // the document says which routes need no key by the rule that enforces it (security/access.ts)
    if (!needsApiKey(route.url)) route.schema = { ...route.schema, security: [] };
    // mercurius's routes document their request only: what they answer, at every status
    if (route.url === '/graphql') {
      const statuses = [200, 400, 401, 403, 404, 413, 415, 429, 500, 502, 503, 504];
      route.schema = { ...route.schema, response: Object.fromEntries(statuses.map((s) => [s, graphqlAnswer])) };
    }
  });

  await app.register(healthRoutes(ctx));
  await app.register(vectorRoutes(ctx));
  await app.register(collectionRoutes(ctx));
  await app.register(operationsRoutes(ctx));
  await registerGraphql(app, ctx);
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (opts.ensureCollections !== false) {
    app.addHook('onReady', async () => {
      // a cold Qdrant on a busy machine may need a while to create ten collections
      const deadline = Date.now() + 120_000;
      for (;;) {
        try {
          const reports = await registry.ensureAll();
          const created = reports.filter((r) => r.action === 'created').map((r) => r.collection);
          const mismatched = reports.filter((r) => r.action === 'mismatch');
          app.log.info({ created, existing: reports.length - created.length - mismatched.length }, 'collections ensured');
          for (const m of mismatched) app.log.warn({ collection: m.collection }, m.detail ?? 'dimension mismatch');
          metrics.qdrantUp.set(1);
          return;
        } catch (err) {
          if (Date.now() > deadline || !(err instanceof GatewayError && (err.code === 'GW_ERR_UNAVAILABLE' || err.code === 'GW_ERR_UPSTREAM_TIMEOUT'))) throw err;
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    });
  }

  const healthTimer = setInterval(() => void ctx.health.summary().catch(() => undefined), config.healthChecks.health_checks.interval_s * 1000);
  healthTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(healthTimer);
    ctx.instances.halt();
    await qdrant.close().catch(() => undefined);
    if (redis && opts.redis === undefined) redis.disconnect();
  });
  return app;
}
