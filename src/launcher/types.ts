/**
 * The local stack's public shape: `.stack/stack.json` (see README, "Local stack").
 * Everything that talks to a local stack (targets, loader, bench, readiness specs, tests)
 * reads these fields and nothing else.
 */
export interface StackInfo {
  schemaVersion: 1;
  /** Absolute path of the stack's state directory (data, logs, stack.json). */
  dir: string;
  startedAt: string;
  qdrant: QdrantInfo;
  redis: RedisInfo;
  /** Present once the gateway and nginx run (front door = nginx). */
  gateway?: GatewayInfo;
  /** Every pid this stack started, for `down`. */
  pids: number[];
  /** Present when the stack runs as containers (the `containers` target): slots are started as containers. */
  containers?: ContainersInfo;
}

/** How the `containers` target starts a gateway slot container: the deployer reads it to add one. */
export interface ContainersInfo {
  runId: string;
  network: string;
  /** The gateway image. */
  image: string;
  /** The run's labels (cleanup finds everything by them). */
  labels: Record<string, string>;
  /** What every slot gets (Qdrant and Redis on the network, the keys, the allowlist). */
  env: Record<string, string>;
}

export interface ProcessInfo {
  pid: number;
  /** Absolute path of the process's log file. */
  log: string;
}

export interface QdrantInfo extends ProcessInfo {
  url: string;
  /** The API key Qdrant requires (`api-key` header); always set by the local stack. */
  apiKey: string;
  /** `qdrant` (a real binary) or `qdrant-local` (the embedded-engine stand-in). */
  engine: 'qdrant' | 'qdrant-local';
  version: string;
  storagePath: string;
}

export interface RedisInfo extends ProcessInfo {
  url: string;
}

/** One running gateway slot (blue/green). */
export interface SlotInfo extends ProcessInfo {
  /** `blue` or `green` (deployment.yaml `deployment.slots`). */
  name: string;
  /** Its direct TCP URL (validation, status), bypassing the front door. */
  url: string;
  /** The unix socket the front door reaches it through: `<runDir>/gateway-<name>.sock`. */
  socket: string;
  /** The version it reports (`GATEWAY_VERSION`). */
  version: string;
  /** Its configuration directory (`GATEWAY_CONFIG_DIR`). */
  configDir: string;
  startedAt: string;
  /** Its container, when the slot runs as one (`pid` is then the host pid of the container's main process; `log` the command that shows its log). */
  container?: string;
  /** Names of the extra environment variables it was started with (values are not recorded: they may be secrets). */
  envKeys?: string[];
}

export interface GatewayInfo {
  /** The front door (nginx), what clients use. */
  url: string;
  /** A key whose rate limits allow load tests. */
  apiKey: string;
  /** Further keys by role, e.g. a low-limit key for rate-limit checks. */
  keys?: Record<string, string>;
  nginx: ProcessInfo & { configPath: string };
  /**
   * The slots' sockets and the front door's link `active.sock` (a short mkdtemp directory in
   * os.tmpdir(): unix socket paths are limited to 107 bytes); removed at `stack down`.
   */
  runDir: string;
  /** Running gateway slots behind nginx (blue/green); `active` names the one `active.sock` points at. */
  slots: SlotInfo[];
  active: string;
}

/** A started service: how to stop it and what to write into stack.json. */
export interface StartedService<I extends ProcessInfo = ProcessInfo> {
  info: I;
  stop(): Promise<void>;
}
