import { existsSync } from 'node:fs';
import { UserError } from '../util/errors.ts';
import type { ResolveTargetOptions, Target } from './types.ts';

/** Containers target (testcontainers). Fails fast, in one line, where no Docker engine runs. */
export async function resolveContainersTarget(_opts: ResolveTargetOptions): Promise<Target> {
  const socket = (process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock').replace(/^unix:\/\//, '');
  if (!process.env.DOCKER_HOST && !existsSync(socket)) {
    throw new UserError('--target containers needs a Docker engine and none is running here: use --target local');
  }
  throw new UserError('--target containers is not available yet: use --target local');
}
