import type { GateResult } from '../gates/evaluate.ts';
import type { Evidence } from '../readiness/evidence.ts';

/**
 * results.json of a readiness run. Documented in reports/README.md ("results.json,
 * vdb-readiness/readiness@1"). Additive changes keep the version; anything else bumps it.
 */
export const READINESS_SCHEMA = 'vdb-readiness/readiness@1';

export type CheckStatus = 'passed' | 'failed' | 'skipped';
export type ChecklistStatus = 'proven' | 'failed' | 'not covered';
export type Verdict = 'GO' | 'NO-GO';

export interface CheckResult {
  /** `<group>/<slug of title>`: stable across runs while the title stays. */
  id: string;
  group: string;
  /** The claim, as a release engineer reads it (describe blocks joined with ` › `). */
  title: string;
  status: CheckStatus;
  /** A failed advisory check (required false) does not make the verdict NO-GO. */
  required: boolean;
  durationMs: number;
  /** Why the check did not run (skipped only). */
  skipReason?: string;
  /** Failure messages (failed only), redacted. */
  errors?: string[];
  evidence: Evidence[];
  measurements?: Record<string, number>;
}

export interface ChecklistEntry {
  id: string;
  /** `checklist`: the runbook's Production Readiness Checklist; `command`: one of its validation commands. */
  kind: 'checklist' | 'command';
  text: string;
  status: ChecklistStatus;
  /** Ids of the checks that prove (or failed to prove) it. */
  checks: string[];
  note?: string;
}

export interface CollectionFingerprint {
  dim?: number;
  distance?: string;
  points?: number;
  indexedVectors?: number;
  status?: string;
}

export interface TargetFingerprint {
  gateway?: { version?: string; build?: string; slot?: string; environment?: string };
  qdrant?: { version?: string; title?: string };
  redis?: { version?: string };
  /** sha256 over the configuration the target reports (collections, environment), secrets removed. */
  configHash?: string;
  collections: Record<string, CollectionFingerprint>;
  /** What could not be read, and why (the run still goes on). */
  notes: string[];
}

export interface ReadinessResults {
  schema: typeof READINESS_SCHEMA;
  runId: string;
  /** `running` while checks finish (results are written incrementally), then `complete`. */
  state: 'running' | 'complete' | 'interrupted';
  verdict: Verdict;
  verdictReasons: string[];
  run: {
    startedAt: string;
    finishedAt?: string;
    wallTimeMs?: number;
    command: string;
    suiteVersion: string;
    node: string;
    host: string;
    options: {
      target: string;
      only: string[];
      comprehensive: boolean;
      allowDisruptive: boolean;
      profile: string;
    };
  };
  target: {
    kind: string;
    gatewayUrl: string;
    qdrantUrl?: string;
    redisUrl?: string;
    fingerprint: TargetFingerprint;
  };
  summary: { total: number; passed: number; failed: number; skipped: number; requiredFailed: number };
  checks: CheckResult[];
  checklist: ChecklistEntry[];
  gates: { profile: string; label: string; results: GateResult[] };
}
