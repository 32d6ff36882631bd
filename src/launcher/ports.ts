/**
 * The launcher's ports: a fixed (seed) port or a free one. `freePort` and `isPortFree` come from
 * @vdb-readiness/local-process (import them from there by name).
 */
import { freePort, isPortFree } from '@vdb-readiness/local-process';
import { UserError } from '../util/errors.ts';

/** Throws one clear line when a fixed (seed) port is taken. */
export async function claimPort(port: number, what: string, host = '127.0.0.1'): Promise<number> {
  if (!(await isPortFree(port, host))) {
    throw new UserError(`port ${port} (${what}) on ${host} is taken by another process: stop it, or run without --seed-ports to use free ports`);
  }
  return port;
}

/** `seed` when seedPorts, else a free port. */
export async function pickPort(seedPorts: boolean, seed: number, what: string, host = '127.0.0.1'): Promise<number> {
  return seedPorts ? claimPort(seed, what, host) : freePort(host);
}
