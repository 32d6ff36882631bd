/**
 * Starts one gateway slot. With api_gateway.workers (GATEWAY_WORKERS) 1 this process is the
 * slot (slot/serve.ts). With more it is the slot's cluster primary (slot/cluster.ts): it forks
 * that many workers, each of which is a slot process sharing the port and the unix socket.
 * The configuration is validated before anything starts, with the lines validate-config prints.
 */
import cluster from 'node:cluster';
import { ExitCode } from './cli/exit-codes.ts';
import { DEFAULT_CONFIG_DIR, loadConfig } from './config/load.ts';
import { superviseWorkers, workerRole } from './slot/cluster.ts';
import { serveSlot } from './slot/serve.ts';

const configDir = process.env.GATEWAY_CONFIG_DIR || DEFAULT_CONFIG_DIR;

if (cluster.isPrimary) {
  const loaded = loadConfig(configDir, process.env);
  if (!loaded.ok) {
    console.error(`gateway: configuration invalid (${loaded.problems.length} problem(s)):`);
    for (const p of loaded.problems) console.error(`  - ${p}`);
    process.exit(ExitCode.InvalidConfig);
  }
  const workers = loaded.config.production.production_deployment.configuration.api_gateway.workers;
  if (workers > 1) await superviseWorkers(loaded.config, workers);
  else await serveSlot(configDir, null);
} else {
  await serveSlot(configDir, workerRole(process.env));
}
