import type { StackInfo } from '../launcher/types.ts';
import type { ServiceControl } from './control.ts';
import type { DeployControl } from './deploy-control.ts';

export type TargetKind = 'local' | 'external' | 'containers';

export interface Endpoint {
  url: string;
  apiKey?: string;
}

/**
 * What every spec, scenario and loader gets: where the system under test answers, with which
 * credentials, and (for targets the suite controls) the stack behind it.
 */
export interface Target {
  kind: TargetKind;
  gateway?: Endpoint & { apiKey: string; keys?: Record<string, string> };
  qdrant?: Endpoint;
  redis?: { url: string };
  /** The local stack, when the target is one. */
  stack?: StackInfo;
  /** Stop/start a dependency (local and containers targets): used by the dependency-fault specs. */
  control?: ServiceControl;
  /** Deploy, roll back, read the deployment, stop a slot (local; any target given `--deploy-hook`): used by the rollback specs. */
  deploy?: DeployControl;
  /** How the target was brought up, where it matters to a reader (stand-in images, how a fault is applied): the fingerprint's `setup`. */
  notes?: string[];
  /** Releases what resolving the target started (a local stack brought up for this run). */
  release(): Promise<void>;
}

export interface ResolveTargetOptions {
  kind: TargetKind;
  /** Keep a stack this run brought up running after `release()`. */
  keep?: boolean;
  /** Local stack directory (default `.stack/`). */
  dir?: string;
  /** Start the gateway tier when bringing a local stack up (default true). */
  gateway?: boolean;
  /** The run applies network faults (containers: where the kernel has no netem, a delay proxy goes in front of Qdrant; else nothing sits between). */
  networkFaults?: boolean;
  /** A command that deploys the target (`<command> deploy --json …`), used instead of the target's own deploy control. */
  deployHook?: string;
  log?: (line: string) => void;
}
