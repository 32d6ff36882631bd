import { readFileSync } from 'node:fs';
import type { GateProfile } from '../gates/definitions.ts';
import type { TargetKind } from '../targets/types.ts';

/** Env var naming the JSON file that hands the resolved target to the spec workers. */
export const TARGET_FILE_ENV = 'VDB_TARGET_FILE';

/**
 * Everything a spec needs to know about the target, serialisable (specs run in vitest workers).
 * Control hooks (stop/start a dependency) stay in the runner process and are reached through
 * `control` (a loopback HTTP endpoint with a one-run token).
 */
export interface TargetDescriptor {
  kind: TargetKind;
  gateway: {
    url: string;
    apiKey: string;
    /** Further keys by role; `ratelimit` is a key with low limits for the 429 check. */
    keys: Record<string, string>;
  };
  qdrant?: { url: string; apiKey?: string };
  redis?: { url: string };
  control?: {
    url: string;
    token: string;
    /** Dependencies the control can stop and start (faults group). */
    services: string[];
    /** The deploy control (rollback group), when the target has one. */
    deploy?: {
      /** `local stack <dir>` or `hook <command>` (redacted in evidence). */
      via: string;
      /** Whether `/slot/<name>/stop` works (not through a hook). */
      stopSlot: boolean;
      /** The registry's heartbeat and TTL as the control knows them (else the contract's defaults). */
      registry?: { heartbeat_s: number; ttl_s: number };
    };
  };
  options: {
    comprehensive: boolean;
    allowDisruptive: boolean;
    /** Groups selected with `--only` (empty or absent: all). */
    only?: string[];
  };
  gates: GateProfile;
  /** Models whose collection holds the suite's fixture (seeded or verified by the runner): their planted neighbours are known. */
  fixtureModels: string[];
  runId: string;
}

export function readDescriptor(path = process.env[TARGET_FILE_ENV]): TargetDescriptor {
  if (!path) throw new Error(`${TARGET_FILE_ENV} is not set: run the specs with \`npm run readiness\``);
  return JSON.parse(readFileSync(path, 'utf8')) as TargetDescriptor;
}

/** Every secret of a descriptor, for redaction. */
export function descriptorSecrets(d: TargetDescriptor): string[] {
  return [d.gateway.apiKey, ...Object.values(d.gateway.keys), d.qdrant?.apiKey ?? '', d.control?.token ?? '', ...urlPasswords(d)];
}

function urlPasswords(d: TargetDescriptor): string[] {
  const out: string[] = [];
  for (const u of [d.redis?.url, d.qdrant?.url, d.gateway.url]) {
    if (!u) continue;
    try {
      const p = new URL(u).password;
      if (p) out.push(decodeURIComponent(p));
    } catch {
      // not a URL: nothing to redact
    }
  }
  return out;
}
