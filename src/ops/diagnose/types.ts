/**
 * What `npm run diagnose` looked at, as plain data: `collect.ts` gathers it from a running local
 * stack (processes, health probes, the gateway's HTTP endpoints, the Redis registry and the
 * deployer's records), `analyse.ts` turns it into findings without any I/O (unit-tested on
 * hand-made snapshots). Everything another helper writes (registry entries, deployment records,
 * newer stack.json fields) is kept as `unknown` here and read field by field by the analysis.
 */
import type { StackInfo } from '../../launcher/types.ts';

/** One HTTP answer: `status` 0 when nothing answered (`error` says why). */
export interface HttpAnswer {
  status: number;
  error?: string;
  headers: Record<string, string>;
  /** The JSON body (or null when it was not JSON). */
  body: unknown;
}

export interface ServiceSnapshot {
  /** `redis`, `qdrant` / `qdrant-local`, `nginx`, `gateway-<slot>` (the launcher's names). */
  name: string;
  kind: 'redis' | 'qdrant' | 'nginx' | 'gateway';
  /** For a gateway slot: its name (`blue`). */
  slot?: string;
  pid: number;
  alive: boolean;
  healthy: boolean;
  url?: string;
  log: string;
  /** The last error lines of its log(s), collected for an unhealthy service only. */
  logTail: string[];
}

export interface SlotSnapshot {
  name: string;
  url: string;
  pid: number;
  alive: boolean;
  /** The slot's unix socket (contract: `<runDir>/gateway-<slot>.sock`), or null before sockets existed. */
  socket: string | null;
  socketExists: boolean | null;
  /** `GET /api/v1/deployment/status` on the slot's own port (null: not asked, the process is gone). */
  status: HttpAnswer | null;
  /** `GET /api/v1/deployment/diagnostics`. */
  diagnostics: HttpAnswer | null;
  /** `GET /api/v1/environment/status` (log level, monitoring, config dir, overrides). */
  environment: HttpAnswer | null;
  /** `GATEWAY_FAULTS` of the slot's process (read from /proc, only that variable): `''` when unset, null when unreadable. */
  faultsEnv: string | null;
  /** Names of the extra environment variables stack.json says the slot was started with (no values). */
  envKeys: string[];
  /** Its configuration directory as stack.json records it, or null. */
  configDir: string | null;
}

export interface FrontDoorSnapshot {
  url: string;
  /** `GET <front door>/api/v1/deployment/status` with the stack's key. */
  answer: HttpAnswer;
}

/** Where the active slot is written down. */
export interface ActiveSources {
  /** stack.json `gateway.active`. */
  stackJson: string | null;
  /** `<runDir>/active.sock` (the contract's symlink nginx connects through), when the stack has a runDir. */
  link: { path: string; target: string | null; slot: string | null; error?: string } | null;
  /** The slot of nginx's `proxy_pass http://gateway_<slot>` (front doors from before active.sock). */
  nginxConf: string | null;
}

export interface RegistryEntry {
  key: string;
  /** Seconds left (Redis TTL: -1 no expiry), or null when unknown. */
  ttlS: number | null;
  /** The parsed JSON value, or null when it is not JSON. */
  value: unknown;
  raw: string | null;
  /** Whether the pid it names runs on this machine (null: no pid, or not a local instance). */
  pidAlive: boolean | null;
}

export interface RegistrySettings {
  enabled: boolean;
  /** e.g. `vdb:services:`. */
  prefix: string;
  heartbeatS: number;
  ttlS: number;
  /** The service-orchestration.yaml read (or `defaults`). */
  source: string;
}

export interface RegistrySnapshot {
  /** Redis answered the reads. */
  available: boolean;
  error?: string;
  entries: RegistryEntry[];
}

export interface DeploymentsSnapshot {
  /** `vdb:deployment:current` parsed, or null. */
  current: unknown;
  /** `vdb:deployment:history`, newest first (a few), each parsed (or the raw string when it is not JSON). */
  history: unknown[];
  /** Where they were read: Redis, the stack's `deployments/*.json` files (Redis unreadable), or nowhere. */
  source: 'redis' | 'files' | 'none';
}

export interface DiagnoseSnapshot {
  dir: string;
  /** Milliseconds since the epoch at collection. */
  now: number;
  stack: StackInfo;
  services: ServiceSnapshot[];
  /** Null when the stack runs without the gateway tier (`--no-gateway`). */
  gateway: { frontDoor: FrontDoorSnapshot; slots: SlotSnapshot[]; active: ActiveSources } | null;
  registrySettings: RegistrySettings;
  registry: RegistrySnapshot;
  deployments: DeploymentsSnapshot;
}
