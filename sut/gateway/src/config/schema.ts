import { BlockList, isIP } from 'node:net';
import { z } from 'zod';

/** The nine models of the contract; the config must define each of them. */
export const MODEL_NAMES = ['mixtral', 'hermes', 'openchat', 'phi3', 'yi34b', 'deepcoder', 'imp', 'deepseek', 'general'] as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DISTANCES = ['Cosine', 'Dot', 'Euclid', 'Manhattan'] as const;

const cidr = z.string().refine(isCidr, { message: 'must be a CIDR such as 127.0.0.1/32 or ::1/128' });
const httpUrl = z.string().url().refine((u) => /^https?:\/\//.test(u), { message: 'must be an http(s) URL' });
const redisUrl = z.string().url().refine((u) => /^rediss?:\/\//.test(u), { message: 'must be a redis:// URL' });
const positiveInt = z.number().int().positive();
/** Processes per slot at most (api_gateway.workers). */
export const MAX_WORKERS = 64;
/** A version label, sent as a header value: printable ASCII without spaces. */
export const VERSION_LABEL = /^[\x21-\x7e]{1,128}$/;
const versionLabel = z.string().regex(VERSION_LABEL, 'must be 1-128 printable ASCII characters without spaces (it is sent as the x-gateway-version header)');
/** Trusted proxies: a /0 would let every client set X-Forwarded-For (and Fastify's proxy-addr refuses it). */
const proxyCidr = cidr.refine((c) => !isCidr(c) || Number(c.split('/')[1]) > 0, { message: 'a /0 prefix would trust every client as a proxy (any client could set X-Forwarded-For): list the proxies\' own addresses' });

const healthCheck = z.object({
  endpoint: z.string().startsWith('/'),
  interval: positiveInt,
  timeout: positiveInt,
  retries: z.number().int().min(0),
}).strict();

const service = z.object({
  image: z.string().min(1),
  replicas: positiveInt,
  resources: z.object({ cpu: z.string(), memory: z.string(), storage: z.string().optional() }).strict(),
  health_check: healthCheck,
}).strict();

const rateLimit = z.object({ max: positiveInt, window_s: positiveInt }).strict();

const collection = z.object({
  vector_size: z.number().int().min(1).max(65536),
  distance: z.enum(DISTANCES),
}).strict();

const model = collection.extend({
  replicas: positiveInt,
  backup_priority: z.enum(['high', 'medium', 'low']),
  /** Collection name; defaults to the model's name. */
  collection: z.string().regex(/^[A-Za-z0-9_-]{1,255}$/).optional(),
  /** The external model's own health endpoint, checked by models/{m}/health when set. */
  endpoint: httpUrl.optional(),
}).strict();

export const productionSchema = z.object({
  production_deployment: z.object({
    environment: z.string().min(1),
    deployment_strategy: z.enum(['blue_green', 'rolling', 'recreate']),
    services: z.object({ qdrant: service, api_gateway: service }).strict(),
    configuration: z.object({
      qdrant: z.object({
        url: httpUrl,
        api_key: z.string().min(1).optional(),
        storage_path: z.string(),
        log_level: z.enum(LOG_LEVELS),
        max_concurrent_requests: positiveInt,
        timeout_ms: positiveInt,
        // the search pool holds one slot per connection: more than one address's ports is a mistake
        connections: positiveInt.max(65_535, { message: 'must be at most 65535 (connections from the gateway to one Qdrant address)' }),
      }).strict(),
      api_gateway: z.object({
        host: z.string().min(1),
        port: z.number().int().min(0).max(65535),
        // processes per slot: 1 is one process; more is a cluster primary and that many workers
        // (slot/cluster.ts). The runbook's production shape says 16.
        workers: positiveInt.max(MAX_WORKERS, { message: `must be at most ${MAX_WORKERS} (processes per slot)` }).default(1),
        max_connections: positiveInt,
        log_level: z.enum(LOG_LEVELS),
        access_log: z.boolean(),
        body_limit_bytes: positiveInt,
        request_timeout_ms: positiveInt,
        shutdown_grace_ms: positiveInt,
      }).strict(),
      redis: z.object({ url: redisUrl, command_timeout_ms: positiveInt }).strict(),
      cache: z.object({
        enabled: z.boolean(),
        ttl_s: positiveInt,
        // send the Qdrant query with the cache lookup while hits are rare (see cache/speculation.ts)
        speculative_lookup: z.object({
          enabled: z.boolean(),
          max_hit_ratio: z.number().min(0).max(1),
          max_rate_share: z.number().gt(0).max(1),
        }).strict().default({ enabled: true, max_hit_ratio: 0.05, max_rate_share: 0.8 }),
      }).strict(),
      graphql: z.object({ max_depth: positiveInt, max_fields: positiveInt }).strict(),
    }).strict(),
    networking: z.object({
      load_balancer: z.boolean(),
      ssl_termination: z.boolean(),
      health_check_path: z.string().startsWith('/'),
    }).strict(),
    monitoring: z.object({ metrics_enabled: z.boolean(), logging_enabled: z.boolean(), tracing_enabled: z.boolean() }).strict(),
    backup: z.object({
      enabled: z.boolean(),
      schedule: z.string().regex(/^(\S+\s+){4}\S+$/, 'must be a 5-field cron expression'),
      retention: z.string().regex(/^\d+[dhw]$/, 'must look like 30d'),
    }).strict(),
    security: z.object({
      api_key_auth: z.boolean(),
      rate_limiting: z.boolean(),
      ip_allowlist: z.array(cidr),
      trusted_proxies: z.array(proxyCidr),
      rate_limits: z.record(z.string().regex(/^[a-z][a-z0-9_-]*$/), rateLimit)
        .refine((r) => Object.keys(r).length > 0, { message: 'must define at least one key role' }),
    }).strict(),
  }).strict(),
  collections_production: z.object(Object.fromEntries(MODEL_NAMES.map((m) => [m, model])) as Record<(typeof MODEL_NAMES)[number], typeof model>).strict(),
  extra_collections: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,255}$/), collection).default({}),
}).strict();

export const deploymentSchema = z.object({
  deployment: z.object({
    // also sent as the x-gateway-version header: printable ASCII, no spaces
    version: versionLabel,
    strategy: z.enum(['blue_green', 'rolling', 'recreate']),
    slots: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/)).min(1),
    active_slot: z.string(),
    load_balancer: z.object({ type: z.literal('nginx'), listen_port: z.number().int().min(1).max(65535), health_check_path: z.string().startsWith('/') }).strict(),
    rollout: z.object({ health_check_retries: z.number().int().min(0), health_check_timeout_s: positiveInt, drain_timeout_s: positiveInt }).strict(),
    rollback: z.object({ enabled: z.boolean(), automatic_on_failed_health_check: z.boolean(), keep_previous_slot: z.boolean() }).strict(),
    // The deployer's post-switch analysis (read by the suite's deployer from this file): `count`
    // intervals of `interval_s`, probe traffic at `probe_rate_per_s` through the front door; an
    // interval fails when its error rate exceeds `max_error_rate` or its p95 `max_p95_ms`; more
    // than `failure_limit` failed intervals roll back.
    analysis: z.object({
      interval_s: z.number().gt(0),
      count: positiveInt,
      failure_limit: z.number().int().min(0),
      max_error_rate: z.number().min(0).max(1),
      max_p95_ms: z.number().gt(0),
      probe_rate_per_s: z.number().gt(0),
    }).strict(),
  }).strict().refine((d) => d.slots.includes(d.active_slot), { message: 'active_slot must be one of slots', path: ['active_slot'] }),
}).strict();

const orchestratedService = z.object({
  depends_on: z.array(z.string()),
  restart: z.enum(['no', 'on-failure', 'always']),
  required: z.boolean(),
}).strict();

export const orchestrationSchema = z.object({
  service_orchestration: z.object({
    start_order: z.array(z.string()).min(1),
    services: z.record(z.string(), orchestratedService),
    // Each gateway slot SETs <key_prefix>gateway:<instance id> EX ttl_s every heartbeat_s
    // (src/registry/instances.ts): a key outlives a missed beat only while ttl_s > heartbeat_s.
    service_registry: z.object({
      enabled: z.boolean(),
      backend: z.literal('redis'),
      key_prefix: z.string(),
      heartbeat_s: z.number().gt(0),
      ttl_s: positiveInt,
    }).strict().refine((r) => r.ttl_s > r.heartbeat_s, {
      message: 'ttl_s must be greater than heartbeat_s (an entry would expire between two heartbeats)',
      path: ['ttl_s'],
    }),
  }).strict().superRefine((o, ctx) => {
    for (const [name, svc] of Object.entries(o.services)) {
      if (!o.start_order.includes(name)) ctx.addIssue({ code: 'custom', path: ['start_order'], message: `service ${name} is missing from start_order` });
      for (const dep of svc.depends_on) {
        if (!(dep in o.services)) ctx.addIssue({ code: 'custom', path: ['services', name, 'depends_on'], message: `unknown service ${dep}` });
        else if (o.start_order.indexOf(dep) > o.start_order.indexOf(name)) {
          ctx.addIssue({ code: 'custom', path: ['start_order'], message: `${dep} must start before ${name}, which depends on it` });
        }
      }
    }
  }),
}).strict();

export const healthChecksSchema = z.object({
  health_checks: z.object({
    interval_s: positiveInt,
    timeout_s: positiveInt,
    retries: z.number().int().min(0),
    checks: z.object({
      qdrant: z.object({ endpoint: z.string().startsWith('/'), timeout_ms: positiveInt }).strict(),
      redis: z.object({ command: z.literal('PING'), timeout_ms: positiveInt }).strict(),
      api_gateway: z.object({ endpoint: z.string().startsWith('/'), timeout_ms: positiveInt }).strict(),
      disk: z.object({ path: z.string(), min_free_ratio: z.number().min(0).max(1) }).strict(),
      memory: z.object({ max_rss_mb: positiveInt }).strict(),
    }).strict(),
    // How a deployer waits for a new slot to start: a probe of the slot's health every
    // interval_ms, each with timeout_ms, giving up after failure_threshold failed probes.
    startup: z.object({
      interval_ms: positiveInt,
      timeout_ms: positiveInt,
      failure_threshold: positiveInt,
    }).strict(),
  }).strict(),
}).strict();

export type ProductionFile = z.infer<typeof productionSchema>;
export type DeploymentFile = z.infer<typeof deploymentSchema>;
export type OrchestrationFile = z.infer<typeof orchestrationSchema>;
export type HealthChecksFile = z.infer<typeof healthChecksSchema>;
export type Distance = (typeof DISTANCES)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The configuration files, by file name, with their schemas. */
export const CONFIG_FILES = {
  'production.yaml': productionSchema,
  'deployment.yaml': deploymentSchema,
  'service-orchestration.yaml': orchestrationSchema,
  'health-checks.yaml': healthChecksSchema,
} as const;
export type ConfigFileName = keyof typeof CONFIG_FILES;

export function isCidr(value: string): boolean {
  const [addr, bits, ...rest] = value.split('/');
  if (rest.length > 0 || addr === undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(addr);
  const prefix = Number(bits);
  if (family === 0 || prefix > (family === 4 ? 32 : 128)) return false;
  return true;
}

/** A node:net BlockList holding the CIDRs (validated with isCidr beforehand). */
export function blockListOf(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const c of cidrs) {
    const [addr, bits] = c.split('/') as [string, string];
    list.addSubnet(addr, Number(bits), isIP(addr) === 6 ? 'ipv6' : 'ipv4');
  }
  return list;
}
