/**
 * The deployer's public shape: what `npm run deploy` does to a stack the suite controls, and what
 * it records (Redis `vdb:deployment:history`, `vdb:deployment:current`, and
 * `<stack dir>/deployments/<id>.json`). The readiness `rollback` group reaches it through the
 * runner's control endpoint.
 */

import type { AnalysisDefaults } from '../launcher/gateway-config.ts';

export type DeployAction = 'deploy' | 'rollback';

/** live: the new version serves; rolled_back: it served, failed analysis, the old one serves again;
 * failed: it never served (start-up or pre-switch validation failed); aborted: stopped by a usage
 * or environment problem before anything changed. */
export type DeployOutcome = 'live' | 'rolled_back' | 'failed' | 'aborted';

export interface DeployCheck {
  /** e.g. `health`, `model phi3 health`, `planted search phi3`, `auth`, `metrics`, `analysis interval 3`. */
  name: string;
  pass: boolean;
  detail: string;
}

/** One point of the post-switch analysis, per interval. */
export interface AnalysisInterval {
  index: number;
  started_at: string;
  /** Probe traffic the deployer sent through the front door during the interval. */
  probe: { requests: number; errors: number; p95_ms: number | null };
  /** Live traffic the new slot answered (deltas of its /metrics over the interval). */
  live: { requests: number; errors: number; p95_ms: number | null };
  pass: boolean;
  /** Why it failed (error rate or p95 over the limit), or null. */
  reason: string | null;
}

export interface DeploymentEvent {
  at: string;
  /** start, healthy, validated, switch, analysis, rollback, live, failed, stopped. */
  kind: string;
  detail: string;
}

export interface DeploymentRecord {
  id: string;
  action: DeployAction;
  version: string;
  /** Slot the action made (or tried to make) active. */
  slot: string;
  from_slot: string | null;
  from_version: string | null;
  outcome: DeployOutcome;
  /** The first failing check or the analysis verdict; null when live. */
  reason: string | null;
  started_at: string;
  finished_at: string;
  /** user@host that ran it. */
  by: string;
  checks: DeployCheck[];
  analysis: AnalysisInterval[];
  events: DeploymentEvent[];
}

export interface DeployOptions {
  /** Local stack directory (default `.stack/` or VDB_STACK_DIR). */
  dir?: string;
  /** Version label the new slot reports (default: deployment.yaml's version + a timestamp). */
  version?: string;
  /** Gateway configuration directory for the new slot (default the stack's). */
  configDir?: string;
  /** Extra environment for the new slot (`--env K=V`). */
  env?: Record<string, string>;
  /** Run the full pre-switch validation (planted searches, auth, metrics), not only health and model healths. */
  validate?: boolean;
  /** Refuse unless the latest production readiness results are GO and recent. */
  production?: boolean;
  /** Override deployment.yaml `analysis` (tests and specs shorten the window). */
  analysis?: Partial<AnalysisSettings>;
  log?: (line: string) => void;
  /** With `production`: how old the readiness results may be, in seconds (default 24 h). */
  maxAgeS?: number;
  /** With `production`: the results root holding `latest-readiness` (default reports/out or VDB_REPORTS_DIR). */
  resultsDir?: string;
  /**
   * Internal, for the tests that prove the idle-connection check can fail: `reload` also reloads
   * nginx at the switch (what the contract avoids). Default `link`.
   */
  switchMode?: SwitchMode;
}

/** How a switch reaches nginx: `link` renames the active link (no reload); `reload` also runs `nginx -s reload`. */
export type SwitchMode = 'link' | 'reload';

export interface RollbackOptions {
  dir?: string;
  log?: (line: string) => void;
  /** Internal (see DeployOptions.switchMode). */
  switchMode?: SwitchMode;
}

/** Redis `vdb:deployment:current`: what serves now and what a rollback goes back to. */
export interface DeploymentCurrent {
  active_slot: string;
  version: string;
  previous_slot: string | null;
  previous_version: string | null;
  deployed_at: string;
  deployment_id: string;
}

/** deployment.yaml `analysis`, as the launcher reads it (one definition of its keys). */
export type AnalysisSettings = AnalysisDefaults;

export interface InstanceInfo {
  id: string;
  service: string;
  slot: string;
  version: string;
  url: string;
  socket: string | null;
  pid: number;
  started_at: string;
  heartbeat_at: string;
  active: boolean;
}

export interface DeploymentStatus {
  active_slot: string | null;
  version: string | null;
  previous_slot: string | null;
  previous_version: string | null;
  /** Live instances from the service registry. */
  instances: InstanceInfo[];
  /** Newest first. */
  history: DeploymentRecord[];
  /** Where `instances` came from: the Redis registry, or stack.json when Redis is down (or nothing registered). */
  instances_source?: 'registry' | 'stack.json';
  /** Where `history` came from: Redis, or the records in `<stack dir>/deployments/`. */
  history_source?: 'redis' | 'files';
  /** Redis `vdb:deployment:current`, when Redis answers. */
  current?: DeploymentCurrent | null;
}
