/**
 * The gateway's configuration files (sut/gateway/config/*.yaml) read as data: only the keys the
 * launcher and the deployer need, each with its default. The suite never imports the gateway's
 * own loader; the gateway validates its files strictly when it starts, this reader is lenient
 * about everything it does not use.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { UserError } from '../util/errors.ts';
import { REPO_ROOT } from '../util/paths.ts';

/** The gateway's own configuration directory. */
export const DEFAULT_GATEWAY_CONFIG_DIR = join(REPO_ROOT, 'sut', 'gateway', 'config');

/** The configuration directory slots start with unless told otherwise: `GATEWAY_CONFIG_DIR` or the gateway's own. */
export function defaultGatewayConfigDir(): string {
  return resolve(process.env.GATEWAY_CONFIG_DIR || DEFAULT_GATEWAY_CONFIG_DIR);
}

export interface StartupSettings {
  /** Probe a starting slot every interval_ms. */
  interval_ms: number;
  /** Each probe's timeout. */
  timeout_ms: number;
  /** Give up after this many failed probes. */
  failure_threshold: number;
}

export interface AnalysisDefaults {
  interval_s: number;
  count: number;
  failure_limit: number;
  max_error_rate: number;
  max_p95_ms: number;
  probe_rate_per_s: number;
}

export const DEFAULT_STARTUP: StartupSettings = { interval_ms: 250, timeout_ms: 2000, failure_threshold: 480 };
export const DEFAULT_ANALYSIS: AnalysisDefaults = { interval_s: 2, count: 5, failure_limit: 1, max_error_rate: 0.01, max_p95_ms: 250, probe_rate_per_s: 20 };
export const DEFAULT_SLOTS = ['blue', 'green'];
export const DEFAULT_REGISTRY_PREFIX = 'vdb:services:';

export interface GatewaySettings {
  configDir: string;
  /** deployment.yaml `deployment.version`. */
  version: string;
  /** deployment.yaml `deployment.slots`. */
  slots: string[];
  /** deployment.yaml `deployment.rollout.drain_timeout_s`. */
  drainTimeoutS: number;
  /** deployment.yaml `analysis` (defaults for what it does not set). */
  analysis: AnalysisDefaults;
  /** health-checks.yaml `startup` (defaults for what it does not set). */
  startup: StartupSettings;
  /** service-orchestration.yaml `service_registry.key_prefix`. */
  registryPrefix: string;
}

const positive = z.number().positive();
const analysisSchema = z
  .object({
    interval_s: positive,
    count: z.number().int().positive(),
    failure_limit: z.number().int().min(0),
    max_error_rate: z.number().min(0).max(1),
    max_p95_ms: positive,
    probe_rate_per_s: positive,
  })
  .partial()
  .passthrough();
const startupSchema = z
  .object({ interval_ms: z.number().int().positive(), timeout_ms: z.number().int().positive(), failure_threshold: z.number().int().positive() })
  .partial()
  .passthrough();

// `analysis` and `startup` are read where the contract puts them: inside the file's top-level
// block (deployment.analysis, health_checks.startup) or, failing that, at the top of the file.
const deploymentFile = z
  .object({
    deployment: z
      .object({
        version: z.union([z.string(), z.number()]).transform(String).optional(),
        slots: z.array(z.string().regex(/^[a-z][a-z0-9-]*$/, 'a slot name is lower-case letters, digits and -')).min(2).optional(),
        rollout: z.object({ drain_timeout_s: positive.optional() }).passthrough().optional(),
        analysis: analysisSchema.optional(),
      })
      .passthrough(),
    analysis: analysisSchema.optional(),
  })
  .passthrough();
const healthFile = z
  .object({ health_checks: z.object({ startup: startupSchema.optional() }).passthrough().optional(), startup: startupSchema.optional() })
  .passthrough();
const orchestrationFile = z
  .object({
    service_orchestration: z
      .object({ service_registry: z.object({ key_prefix: z.string().min(1).optional() }).passthrough().optional() })
      .passthrough()
      .optional(),
  })
  .passthrough();

function readYaml<T>(dir: string, name: string, schema: z.ZodType<T>, required: boolean): T | null {
  const file = join(dir, name);
  if (!existsSync(file)) {
    if (required) throw new UserError(`${file} is missing: pass a gateway configuration directory (like sut/gateway/config)`);
    return null;
  }
  let data: unknown;
  try {
    data = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`${file} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message} (run \`npm run validate-config\`)`);
  }
  return parsed.data;
}

/** Reads what the suite needs from a gateway configuration directory; a UserError (exit 2) naming the file and key when it is wrong. */
export function readGatewaySettings(configDir: string): GatewaySettings {
  const dir = resolve(configDir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new UserError(`gateway configuration directory ${dir} does not exist`);
  const dep = readYaml(dir, 'deployment.yaml', deploymentFile, true)!;
  const health = readYaml(dir, 'health-checks.yaml', healthFile, false);
  const orch = readYaml(dir, 'service-orchestration.yaml', orchestrationFile, false);
  const strip = <T extends object>(o: T | undefined): Partial<T> => Object.fromEntries(Object.entries(o ?? {}).filter(([, v]) => typeof v === 'number')) as Partial<T>;
  return {
    configDir: dir,
    version: String(dep.deployment.version ?? '0.0.0'),
    slots: dep.deployment.slots ?? DEFAULT_SLOTS,
    drainTimeoutS: dep.deployment.rollout?.drain_timeout_s ?? 30,
    analysis: { ...DEFAULT_ANALYSIS, ...strip(dep.deployment.analysis ?? dep.analysis) },
    startup: { ...DEFAULT_STARTUP, ...strip(health?.health_checks?.startup ?? health?.startup) },
    registryPrefix: orch?.service_orchestration?.service_registry?.key_prefix ?? DEFAULT_REGISTRY_PREFIX,
  };
}
