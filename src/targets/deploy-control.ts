/**
 * Deploy hooks of a target: what the readiness `rollback` group does to the system under test
 * (through the runner's control endpoint). `local` calls src/deploy on the stack's directory;
 * any target can be given a command (`--deploy-hook`) that speaks the deploy CLI's JSON.
 */
import type { AnalysisSettings, DeploymentRecord, DeploymentStatus } from '../deploy/types.ts';

export interface DeployRequest {
  /** Version label the new slot reports. */
  version?: string;
  /** Extra environment for the new slot (fault injection, a wrong key). */
  env?: Record<string, string>;
  /** Full pre-switch validation, not only health. */
  validate?: boolean;
  /** Shortened post-switch analysis. */
  analysis?: Partial<AnalysisSettings>;
}

export type StopSignal = 'TERM' | 'KILL';
export const STOP_SIGNALS: readonly StopSignal[] = ['TERM', 'KILL'];

export interface SlotStopResult {
  slot: string;
  pid: number;
  signal: StopSignal;
  /** ISO time the signal was sent. */
  signalled_at: string;
  /** ISO time the process was gone (null: still running when the control gave up waiting). */
  exited_at: string | null;
}

/** service-orchestration.yaml `service_registry` as the deploy control knows it. */
export interface RegistrySettings {
  heartbeat_s: number;
  ttl_s: number;
}

export interface DeployControl {
  /** Where deploys go, for evidence: `local stack <dir>`, `hook <command>`. */
  readonly via: string;
  /** The registry's heartbeat and TTL, when the control knows them. */
  readonly registry?: RegistrySettings;
  /** A failed deploy resolves with its record (outcome != live); only an unusable setup rejects. */
  deploy(req: DeployRequest, log?: (line: string) => void): Promise<DeploymentRecord>;
  rollback(log?: (line: string) => void): Promise<DeploymentRecord>;
  status(): Promise<DeploymentStatus>;
  /** Signals one slot's process (not the active one) and waits until it is gone; absent where the control cannot (a hook). */
  stopSlot?(slot: string, signal: StopSignal): Promise<SlotStopResult>;
}
