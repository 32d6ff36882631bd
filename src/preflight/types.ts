import type { ExitCode } from '../util/exit-codes.ts';

export type Service = 'gateway' | 'qdrant' | 'redis';
export const SERVICES: readonly Service[] = ['gateway', 'qdrant', 'redis'];

/**
 * What a command needs of a service: `required` (absent: a configuration problem), `if-given`
 * (probed when the target has it), `advisory` (probed when given; a problem is a warning, the
 * command goes on: deploy works with Redis down, recording to a file only).
 */
export type Need = 'required' | 'if-given' | 'advisory';

/** One line for a person: what is wrong, and the variable or flag that fixes it. */
export interface Problem {
  service: Service;
  /** `ExitCode.Usage` (configuration: a URL, a key, a scheme to change) or `ExitCode.Unreachable`. */
  exitCode: typeof ExitCode.Usage | typeof ExitCode.Unreachable;
  message: string;
}

/** What a service answered as, from its `GET /` and `GET /health`. */
export type Identity = 'gateway' | 'qdrant' | 'other';

/**
 * The names a person sets to fix each thing, as the command reads them: variables for an external
 * target, flags where a flag overrides one (`--api-key`, `--qdrant-url`).
 */
export interface Names {
  gatewayUrl: string;
  apiKey: string;
  roleKeys: string;
  qdrantUrl: string;
  qdrantKey: string;
  redisUrl: string;
  /**
   * Where the key sent to Qdrant came from: its own variable, the gateway's key in its place
   * (VDB_QDRANT_API_KEY unset: the external target falls back to VDB_API_KEY), or none.
   */
  qdrantKeyFrom?: 'own' | 'gateway-key' | 'none';
  /** What to do about a service that does not answer (default: start it, or fix its URL). */
  start?: string;
}

export const EXTERNAL_NAMES: Names = {
  gatewayUrl: 'VDB_GATEWAY_URL',
  apiKey: 'VDB_API_KEY',
  roleKeys: 'VDB_API_KEYS',
  qdrantUrl: 'VDB_QDRANT_URL',
  qdrantKey: 'VDB_QDRANT_API_KEY',
  redisUrl: 'VDB_REDIS_URL',
};

/** The external target's names, knowing from the environment where Qdrant's key came from. */
export function externalNames(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Names> = {}): Names {
  const qdrantKeyFrom = env.VDB_QDRANT_API_KEY ? 'own' : env.VDB_API_KEY ? 'gateway-key' : 'none';
  return { ...EXTERNAL_NAMES, qdrantKeyFrom, ...overrides };
}

export interface PreflightOptions {
  needs: Partial<Record<Service, Need>>;
  /** Prove each role key of `gateway.keys` too, and that the `limited` one is a low-limit key (readiness). */
  roleKeys?: boolean;
  /** Prove the gateway key (default true); false: only that the gateway answers (deploy's front door). */
  gatewayKey?: boolean;
  names?: Names;
  /**
   * A URL that answers as neither service passes (bench `--url`: any server of the search
   * contract); still refused: the other service's answer, a failure on the wire, a refused key.
   */
  anyServer?: boolean;
}

export interface PreflightReport {
  problems: Problem[];
  /** Advisory services' problems: the command goes on. */
  warnings: Problem[];
  /** What each service was found to be, for the record. */
  found: Partial<Record<Service, string>>;
  ms: number;
}
