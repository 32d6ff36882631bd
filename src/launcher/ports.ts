import { createServer } from 'node:net';
import { UserError } from '../util/errors.ts';

/** A port the OS says is free on `host` right now. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen({ host, port: 0, exclusive: true }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function isPortFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

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
