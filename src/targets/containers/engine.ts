import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UnreachableError } from '../../util/errors.ts';
import { docker } from './docker.ts';

export const ENSURE_DOCKER = 'bash scripts/ensure-docker.sh';

export const noEngine = (why: string): UnreachableError =>
  new UnreachableError(`--target containers needs a Docker engine and ${why}: start one (as root: ${ENSURE_DOCKER}), or use --target local`);

/**
 * Where a Docker engine may answer, decided without connecting: `DOCKER_HOST` (a unix socket
 * must exist), `~/.testcontainers.properties`, or the usual socket paths. Null: none here.
 */
export function dockerEngineLocation(env: NodeJS.ProcessEnv = process.env, exists: (p: string) => boolean = existsSync): string | null {
  const host = env.DOCKER_HOST?.trim();
  if (host) return !host.startsWith('unix://') || exists(host.slice('unix://'.length)) ? host : null;
  if (exists(join(homedir(), '.testcontainers.properties'))) return '~/.testcontainers.properties';
  const sockets = [
    '/var/run/docker.sock',
    ...(env.XDG_RUNTIME_DIR ? [join(env.XDG_RUNTIME_DIR, 'docker.sock')] : []),
    join(homedir(), '.docker', 'run', 'docker.sock'),
    join(homedir(), '.docker', 'desktop', 'docker.sock'),
  ];
  const found = sockets.find((s) => exists(s));
  return found ? `unix://${found}` : null;
}

/** The engine's version, or throws the one-line error naming how to get one. */
export async function requireEngine(timeoutMs = 10_000): Promise<string> {
  const location = dockerEngineLocation();
  if (!location) {
    const host = process.env.DOCKER_HOST?.trim();
    throw noEngine(host ? `DOCKER_HOST=${host} names no socket` : 'none is running here');
  }
  const r = await docker(['version', '--format', '{{.Server.Version}}'], { timeoutMs }).catch((err: unknown) => {
    throw noEngine(`the docker CLI cannot be run (${err instanceof Error ? err.message : String(err)})`);
  });
  if (r.code !== 0 || !r.stdout.trim()) {
    const why = r.code === 124 ? `no answer in ${timeoutMs / 1000} s` : (r.stderr.trim().split('\n').pop() ?? `exit ${r.code}`);
    throw noEngine(`none answers at ${location} (${why})`);
  }
  return r.stdout.trim();
}
