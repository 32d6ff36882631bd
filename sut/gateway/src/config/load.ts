import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { ZodIssue } from 'zod';
import { bootProblems } from './bootable.ts';
import { readSlotEnvironment, type SlotEnvironment } from './slot-env.ts';
import {
  CONFIG_FILES, MODEL_NAMES,
  type ConfigFileName, type DeploymentFile, type Distance, type HealthChecksFile, type OrchestrationFile, type ProductionFile,
} from './schema.ts';

/** The gateway's own config directory (sut/gateway/config). */
export const DEFAULT_CONFIG_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config');

export interface CollectionSpec {
  name: string;
  vectorSize: number;
  distance: Distance;
  /** The model whose collection this is, or null. */
  model: string | null;
}

export interface ModelSpec {
  name: string;
  collection: string;
  vectorSize: number;
  distance: Distance;
  backupPriority: 'high' | 'medium' | 'low';
  endpoint: string | null;
}

export interface GatewayConfig extends SlotEnvironment {
  configDir: string;
  production: ProductionFile;
  deployment: DeploymentFile;
  orchestration: OrchestrationFile;
  healthChecks: HealthChecksFile;
  /** API key → role (a key of security.rate_limits). */
  apiKeys: Map<string, string>;
  slot: string;
  build: string;
  /** Environment variables that overrode a file value. */
  overrides: string[];
  models: ModelSpec[];
  /** Every collection ensured at start-up (models' and extra). */
  collections: CollectionSpec[];
}

export interface FileReport {
  file: ConfigFileName;
  valid: boolean;
  errors: string[];
}

export type LoadResult =
  | { ok: true; config: GatewayConfig; files: FileReport[] }
  | { ok: false; problems: string[]; files: FileReport[] };

type Env = Record<string, string | undefined>;

/** Where each environment override lands: file, path, and how its text becomes a value. */
const OVERRIDES: Array<{ env: string; file: ConfigFileName; path: string[]; kind: 'string' | 'number' | 'boolean' | 'list' }> = [
  { env: 'ENVIRONMENT', file: 'production.yaml', path: ['production_deployment', 'environment'], kind: 'string' },
  { env: 'LOG_LEVEL', file: 'production.yaml', path: ['production_deployment', 'configuration', 'api_gateway', 'log_level'], kind: 'string' },
  { env: 'MONITORING_ENABLED', file: 'production.yaml', path: ['production_deployment', 'monitoring', 'metrics_enabled'], kind: 'boolean' },
  { env: 'QDRANT_URL', file: 'production.yaml', path: ['production_deployment', 'configuration', 'qdrant', 'url'], kind: 'string' },
  { env: 'QDRANT_API_KEY', file: 'production.yaml', path: ['production_deployment', 'configuration', 'qdrant', 'api_key'], kind: 'string' },
  { env: 'REDIS_URL', file: 'production.yaml', path: ['production_deployment', 'configuration', 'redis', 'url'], kind: 'string' },
  { env: 'GATEWAY_HOST', file: 'production.yaml', path: ['production_deployment', 'configuration', 'api_gateway', 'host'], kind: 'string' },
  { env: 'GATEWAY_PORT', file: 'production.yaml', path: ['production_deployment', 'configuration', 'api_gateway', 'port'], kind: 'number' },
  { env: 'GATEWAY_WORKERS', file: 'production.yaml', path: ['production_deployment', 'configuration', 'api_gateway', 'workers'], kind: 'number' },
  { env: 'GATEWAY_IP_ALLOWLIST', file: 'production.yaml', path: ['production_deployment', 'security', 'ip_allowlist'], kind: 'list' },
  { env: 'HEALTH_CHECK_INTERVAL', file: 'health-checks.yaml', path: ['health_checks', 'interval_s'], kind: 'number' },
];

/**
 * Reads the four configuration files, applies the environment overrides, validates each with
 * its schema and the start-up checks (config/bootable.ts), and reports every problem (file,
 * path, and the variable that set it). `ok` means the gateway starts with this configuration.
 */
export function loadConfig(configDir: string = DEFAULT_CONFIG_DIR, env: Env = process.env): LoadResult {
  const dir = resolve(configDir);
  const problems: string[] = [];
  const files: FileReport[] = [];
  const parsed: Partial<Record<ConfigFileName, unknown>> = {};
  const overrides: string[] = [];

  for (const file of Object.keys(CONFIG_FILES) as ConfigFileName[]) {
    const errors: string[] = [];
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      errors.push(e.code === 'ENOENT' ? `${file}: file not found in ${dir}` : `${file}: not valid YAML: ${firstLine(e.message)}`);
    }
    if (errors.length === 0) {
      const envPaths = new Map<string, string>();
      for (const o of OVERRIDES.filter((x) => x.file === file)) {
        const text = env[o.env];
        if (text === undefined || text === '') continue;
        setPath(raw, o.path, convert(text, o.kind));
        envPaths.set(o.path.join('.'), o.env);
        overrides.push(o.env);
      }
      const result = CONFIG_FILES[file].safeParse(raw);
      if (result.success) parsed[file] = result.data;
      else errors.push(...result.error.issues.map((i) => describeIssue(file, i, envPaths)));
    }
    files.push({ file, valid: errors.length === 0, errors });
    problems.push(...errors);
  }

  const production = parsed['production.yaml'] as ProductionFile | undefined;
  const deployment = parsed['deployment.yaml'] as DeploymentFile | undefined;
  const slot = env.GATEWAY_SLOT || deployment?.deployment.active_slot || 'blue';
  if (env.GATEWAY_SLOT) overrides.push('GATEWAY_SLOT');
  if (deployment && !deployment.deployment.slots.includes(slot)) {
    problems.push(`GATEWAY_SLOT: ${slot} is not one of deployment.yaml deployment.slots (${deployment.deployment.slots.join(', ')})`);
  }
  let apiKeys = new Map<string, string>();
  if (env.GATEWAY_API_KEYS) {
    overrides.push('GATEWAY_API_KEYS');
    const keys = parseApiKeys(env.GATEWAY_API_KEYS, production ? Object.keys(production.production_deployment.security.rate_limits) : null);
    problems.push(...keys.problems);
    apiKeys = keys.keys;
  }
  if (env.GATEWAY_BUILD) overrides.push('GATEWAY_BUILD');
  // the blue/green contract's variables (version, instance id, socket, active link, faults)
  const slotEnv = readSlotEnvironment(env, slot, deployment?.deployment.version);
  problems.push(...slotEnv.problems);
  overrides.push(...slotEnv.set);
  // what the gateway refuses at start-up beyond the shapes: the same checks build() runs
  if (production) {
    for (const p of bootProblems({ production, apiKeys, overrides })) {
      problems.push(p.message);
      markInvalid(files, p.file, p.message);
    }
  }

  if (problems.length > 0 || !production || !deployment) return { ok: false, problems, files };
  const models: ModelSpec[] = MODEL_NAMES.map((name) => {
    const m = production.collections_production[name];
    return { name, collection: m.collection ?? name, vectorSize: m.vector_size, distance: m.distance, backupPriority: m.backup_priority, endpoint: m.endpoint ?? null };
  });
  const collections: CollectionSpec[] = [
    ...models.map((m) => ({ name: m.collection, vectorSize: m.vectorSize, distance: m.distance, model: m.name })),
    ...Object.entries(production.extra_collections).map(([name, c]) => ({ name, vectorSize: c.vector_size, distance: c.distance, model: null })),
  ];

  return {
    ok: true,
    files,
    config: {
      configDir: dir,
      production,
      deployment,
      orchestration: parsed['service-orchestration.yaml'] as OrchestrationFile,
      healthChecks: parsed['health-checks.yaml'] as HealthChecksFile,
      apiKeys,
      slot,
      build: env.GATEWAY_BUILD || 'dev',
      ...slotEnv.value,
      overrides,
      models,
      collections,
    },
  };
}

/** `role=key,role=key` → key → role. Keys shorter than 16 characters are refused. */
export function parseApiKeys(text: string, roles: string[] | null): { keys: Map<string, string>; problems: string[] } {
  const keys = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const eq = entry.indexOf('=');
    const role = eq > 0 ? entry.slice(0, eq) : '';
    const key = eq > 0 ? entry.slice(eq + 1) : '';
    if (!role || !key) problems.push('GATEWAY_API_KEYS: each entry must be role=key');
    else if (roles && !roles.includes(role)) problems.push(`GATEWAY_API_KEYS: role ${role} is not in security.rate_limits (${roles.join(', ')})`);
    else if (key.length < 16) problems.push(`GATEWAY_API_KEYS: the key for role ${role} is shorter than 16 characters`);
    else keys.set(key, role);
  }
  return { keys, problems };
}

function markInvalid(files: FileReport[], file: ConfigFileName, message: string): void {
  const report = files.find((f) => f.file === file);
  if (!report) return;
  report.errors.push(message);
  report.valid = false;
}

function describeIssue(file: string, issue: ZodIssue, envPaths: Map<string, string>): string {
  const path = issue.path.join('.');
  const fromEnv = [...envPaths].find(([p]) => path === p || path.startsWith(`${p}.`))?.[1];
  return `${file}: ${path || '(root)'}${fromEnv ? ` (from ${fromEnv})` : ''}: ${issue.message}`;
}

function convert(text: string, kind: 'string' | 'number' | 'boolean' | 'list'): unknown {
  switch (kind) {
    case 'number': return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    case 'boolean': return ({ true: true, '1': true, yes: true, false: false, '0': false, no: false } as Record<string, boolean>)[text.trim().toLowerCase()] ?? text;
    case 'list': return text.split(',').map((s) => s.trim()).filter(Boolean);
    default: return text;
  }
}

function setPath(target: unknown, path: string[], value: unknown): void {
  if (typeof target !== 'object' || target === null) return;
  let node = target as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1] as string] = value;
}

function firstLine(s: string): string {
  return s.split('\n')[0] ?? s;
}
