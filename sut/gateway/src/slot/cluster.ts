/**
 * A slot of several processes (api_gateway.workers > 1): this primary forks the workers
 * (node:cluster), each a full slot process (slot/serve.ts) on the slot's one TCP port and one
 * unix socket, which the primary holds and hands connections from. Shared state stays in Redis,
 * as with one process. The primary:
 * - removes a stale socket file once, before forking (a live one refuses the start, as a single
 *   process does);
 * - gives every worker the slot's instance id, so worker 0's registry entry is the slot's (with
 *   this pid: the deployer signals the process group it started, or this pid alone — both stop
 *   every worker);
 * - replaces a worker that dies while the slot serves; a worker that dies before every worker
 *   listened, or restarts beyond RESTART_LIMIT in RESTART_WINDOW_MS, fails the slot (exit 1);
 * - on SIGTERM/SIGINT passes the signal on, and exits once every worker has drained and exited:
 *   0 if each exited 0, else 1; past shutdown_grace_ms (plus a moment) it kills what is left, 1;
 * - merges the workers' metrics for /metrics (observability/cluster-metrics.ts).
 */
import cluster, { type Worker } from 'node:cluster';
import { pino } from 'pino';
import type { GatewayConfig } from '../config/load.ts';
import { aggregateForWorkers } from '../observability/cluster-metrics.ts';
import { removeStaleSocket } from './listeners.ts';

export interface WorkerRole {
  /** 0 … workers-1; a replaced worker keeps its index. */
  index: number;
  workers: number;
}

const INDEX_ENV = 'GATEWAY_WORKER_INDEX';
/** What a worker sends its primary once it serves. */
export const READY_MESSAGE = 'vdb:slot:ready';
const RESTART_LIMIT = 5;
const RESTART_WINDOW_MS = 60_000;
/** After shutdown_grace_ms: the workers exit 1 by themselves then; this is for one that hangs. */
const KILL_AFTER_GRACE_MS = 2_000;

/** A worker's role, from the environment its primary gave it. */
export function workerRole(env: Record<string, string | undefined>): WorkerRole {
  const index = Number(env[INDEX_ENV]);
  const workers = Number(env.GATEWAY_WORKERS);
  if (!Number.isInteger(index) || index < 0 || !Number.isInteger(workers) || workers < 1) {
    throw new Error(`gateway worker started without ${INDEX_ENV}/GATEWAY_WORKERS: start src/server.ts, not a worker`);
  }
  return { index, workers };
}

export async function superviseWorkers(config: GatewayConfig, workers: number): Promise<void> {
  const gw = config.production.production_deployment.configuration.api_gateway;
  const log = pino({ level: gw.log_level }).child({ slot: config.slot, role: 'primary' });
  if (config.socketPath) {
    try {
      await removeStaleSocket(config.socketPath);
    } catch (err) {
      log.fatal({ err: (err as Error).message }, 'gateway failed to start');
      process.exit(1);
    }
  }
  aggregateForWorkers(config.slot);

  const env = { GATEWAY_INSTANCE_ID: config.instanceId, GATEWAY_WORKERS: String(workers) };
  const byIndex = new Map<number, Worker>();
  const serving = new Set<number>();
  const restarts: number[] = [];
  let ready = false;
  let closing = false;
  let worstExit = 0;

  const fork = (index: number) => {
    const worker = cluster.fork({ ...env, [INDEX_ENV]: String(index) });
    byIndex.set(index, worker);
    // a worker says so once it listens on both listeners and (worker 0) registered
    worker.on('message', (m: unknown) => {
      if ((m as { type?: unknown } | null)?.type !== READY_MESSAGE) return;
      serving.add(index);
      if (!ready && serving.size === workers) {
        ready = true;
        log.info({ workers, pids: [...byIndex.values()].map((w) => w.process.pid) }, 'gateway ready: every worker serves');
      }
    });
    worker.on('exit', (code, signal) => {
      if (byIndex.get(index) === worker) byIndex.delete(index);
      serving.delete(index);
      if (closing) {
        if (code !== 0) worstExit = 1;
        if (byIndex.size === 0) {
          log.info({ exit: worstExit }, 'every worker stopped: bye');
          process.exit(worstExit);
        }
        return;
      }
      if (!ready) return fail(`worker ${index} exited during start-up (code ${code}, signal ${signal}): see its lines above`);
      const now = Date.now();
      restarts.push(now);
      while (restarts.length > 0 && (restarts[0] as number) < now - RESTART_WINDOW_MS) restarts.shift();
      if (restarts.length > RESTART_LIMIT) return fail(`workers exited ${restarts.length} times in ${RESTART_WINDOW_MS / 1000} s: giving up`);
      log.error({ worker: index, pid: worker.process.pid, code, signal }, 'worker exited: starting another');
      fork(index);
    });
  };

  const fail = (why: string) => {
    closing = true;
    log.fatal(why);
    for (const w of byIndex.values()) w.process.kill('SIGKILL');
    process.exit(1);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (closing) return;
      closing = true;
      log.info({ signal, workers: byIndex.size }, 'shutting down: every worker drains');
      // with a group signal the workers have it already; a second one is ignored by them
      for (const w of byIndex.values()) w.process.kill(signal);
      if (byIndex.size === 0) process.exit(0);
      setTimeout(() => {
        log.error({ left: byIndex.size }, 'workers still running past shutdown_grace_ms: killing them');
        for (const w of byIndex.values()) w.process.kill('SIGKILL');
        process.exit(1);
      }, gw.shutdown_grace_ms + KILL_AFTER_GRACE_MS).unref();
    });
  }

  for (let i = 0; i < workers; i++) fork(i);
}
