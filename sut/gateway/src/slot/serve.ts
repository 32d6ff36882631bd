/**
 * One slot process (the slot itself, or one worker of a cluster slot): builds the app, listens
 * on TCP and (GATEWAY_SOCKET) a unix socket, registers in the service registry; on
 * SIGTERM/SIGINT stops gracefully (the blue/green contract):
 * 1. deregister (DEL the registry entry), so nobody picks this slot any more;
 * 2. unlink the socket file, so no new front-door connection reaches it;
 * 3. drain: every response now carries `Connection: close`; wait until no connection is open
 *    (an idle one is closed only after nginx would have dropped it, see slot/listeners.ts) or
 *    the drain window passes: deployment.yaml rollout.drain_timeout_s, bounded by
 *    production.yaml api_gateway.shutdown_grace_ms less CLOSE_RESERVE_MS;
 * 4. close (the requests still running finish), exit 0. Past shutdown_grace_ms: exit 1.
 * A cluster worker does the same, except that only worker 0 registers (the slot's one entry,
 * with the primary's pid, so that a stop signals the whole slot), the primary removed a stale
 * socket before forking, /metrics is the slot's (observability/cluster-metrics.ts), and a
 * worker whose primary is gone stops as if signalled.
 */
import { boot } from '../boot.ts';
import { ExitCode } from '../cli/exit-codes.ts';
import { exposeThroughPrimary } from '../observability/cluster-metrics.ts';
import { READY_MESSAGE, type WorkerRole } from './cluster.ts';
import { SlotListeners } from './listeners.ts';

/** The part of shutdown_grace_ms kept for closing after the drain window. */
const CLOSE_RESERVE_MS = 1000;

export async function serveSlot(configDir: string, role: WorkerRole | null): Promise<void> {
  const booted = await boot(configDir, process.env, role ? { worker: role.index } : {});
  if (!booted.ok) {
    // the lines `npm run validate-config` prints for this directory and environment
    console.error(`gateway: configuration invalid (${booted.problems.length} problem(s)):`);
    for (const p of booted.problems) console.error(`  - ${p}`);
    process.exit(ExitCode.InvalidConfig);
  }
  const { app, config } = booted;
  const prod = config.production.production_deployment;
  const gw = prod.configuration.api_gateway;
  const ctx = app.gateway;
  if (role) exposeThroughPrimary(ctx.metrics);

  let listeners: SlotListeners;
  try {
    listeners = await SlotListeners.open(app, { host: gw.host, port: gw.port, socketPath: config.socketPath, shared: role !== null });
  } catch (err) {
    app.log.fatal({ err }, 'gateway failed to start');
    process.exit(1);
  }
  ctx.slot.recheck();

  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    const force = setTimeout(() => {
      app.log.error('shutdown took longer than shutdown_grace_ms: exiting');
      process.exit(1);
    }, gw.shutdown_grace_ms);
    force.unref();
    const drainMs = Math.max(0, Math.min(config.deployment.deployment.rollout.drain_timeout_s * 1000, gw.shutdown_grace_ms - CLOSE_RESERVE_MS));
    void (async () => {
      const deregistered = await ctx.instances.deregister();
      const unlinked = listeners.unlinkSocket();
      ctx.slot.draining = true;
      app.log.info({ signal, deregistered, socket_unlinked: unlinked, connections: listeners.openConnections(), drain_ms: drainMs }, 'shutting down: draining');
      const outcome = await listeners.drain(started + drainMs);
      app.log.info({ outcome, left: listeners.openConnections(), idle: listeners.idleConnections(), ms: Date.now() - started }, outcome === 'drained' ? 'drained: closing' : 'drain window over: closing what is left');
      await listeners.close();
      app.log.info('closed: bye');
      process.exit(0);
    })().catch((err: unknown) => {
      app.log.error({ err }, 'error while shutting down');
      process.exit(1);
    });
  };
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => stop(signal));
  if (role) process.on('disconnect', () => stop('primary gone'));

  // registered once the signal handlers are in place: a stop during registration deregisters
  if (!role || role.index === 0) {
    await ctx.instances.start(() => ({
      id: config.instanceId,
      service: 'gateway',
      slot: config.slot,
      version: ctx.version,
      url: config.advertiseUrl ?? listeners.url,
      socket: listeners.socketPath,
      pid: role ? process.ppid : process.pid,
      started_at: ctx.startedAt.toISOString(),
      active: ctx.slot.active(),
    }));
  }
  app.log.info({ slot: config.slot, version: ctx.version, instance: config.instanceId, url: listeners.url, socket: listeners.socketPath, environment: prod.environment, ...(role ? { worker: role.index, workers: role.workers } : {}) }, role ? 'gateway worker ready' : 'gateway ready');
  if (role) process.send?.({ type: READY_MESSAGE });
}
