import type { FastifyInstance } from 'fastify';
import { build, type BuildOptions } from './app.ts';
import { ConfigInvalidError } from './config/bootable.ts';
import { loadConfig, type GatewayConfig } from './config/load.ts';

export type BootResult =
  | { ok: true; app: FastifyInstance; config: GatewayConfig }
  | { ok: false; problems: string[] };

/**
 * What `server.ts` does before it listens: loads and validates the configuration (the
 * validate-config command runs the same `loadConfig`), then builds the app, which refuses what
 * the checks refuse. `problems` are the lines validate-config prints for the same directory
 * and environment.
 */
export async function boot(configDir: string, env: Record<string, string | undefined>, options: Omit<BuildOptions, 'config'> = {}): Promise<BootResult> {
  const result = loadConfig(configDir, env);
  if (!result.ok) return { ok: false, problems: result.problems };
  try {
    return { ok: true, app: await build({ ...options, config: result.config }), config: result.config };
  } catch (err) {
    if (err instanceof ConfigInvalidError) return { ok: false, problems: err.problems };
    throw err;
  }
}
