/**
 * A gateway slot as a container (the `containers` target), the peer of gateway.ts's process
 * slot: the same socket in the shared run folder (bind-mounted at the same path), the same
 * link telling it whether it is active, and a TCP port published on 127.0.0.1 for the
 * deployer's direct checks. Its `pid` is the host pid of the container's main process (the
 * gateway is the image's PID 1), so liveness and SIGKILL work as for a process slot.
 */
import { freePort } from '@vdb-readiness/local-process';
import { docker, dockerOk } from '../../targets/containers/docker.ts';
import { activeLinkPath, slotSocketPath } from '../active-link.ts';
import { readGatewaySettings } from '../gateway-config.ts';
import { readableLogLine } from '../log-lines.ts';
import { httpOk } from '../process.ts';
import type { ContainersInfo, SlotInfo } from '../types.ts';
import { socketReady, type SpawnedSlot } from './gateway.ts';

/** Where the slot's configuration folder is mounted in its container. */
const CONFIG_MOUNT = '/etc/vdb-gateway';
const CONTAINER_PORT = 8000;
const SLOT_LABEL = 'vdb-readiness.slot';

export interface ContainerSlotOptions {
  name: string;
  runDir: string;
  containers: ContainersInfo;
  /** Host folder mounted read-only as the slot's GATEWAY_CONFIG_DIR. */
  configDir: string;
  version?: string;
  env?: Record<string, string>;
}

/** `docker logs --tail`, as readable lines. */
export async function containerLogTail(id: string, lines = 12): Promise<string[]> {
  const r = await docker(['logs', '--tail', String(lines), id], { timeoutMs: 15_000 });
  return `${r.stdout}${r.stderr}`.trimEnd().split('\n').filter(Boolean).slice(-lines).map(readableLogLine);
}

/** The host pid of a running container's main process, or 0 when it is not running. */
export async function containerPid(id: string): Promise<number> {
  const r = await docker(['inspect', '--format', '{{.State.Pid}}', id], { timeoutMs: 15_000 });
  return r.code === 0 ? Number(r.stdout.trim()) || 0 : 0;
}

/** Starts the slot's container; does not wait for it (the deployer's start-up wait, or `startContainerSlot`). */
export async function spawnContainerSlot(opts: ContainerSlotOptions): Promise<SpawnedSlot> {
  const c = opts.containers;
  const port = await freePort('127.0.0.1');
  const version = opts.version ?? readGatewaySettings(opts.configDir).version;
  const socket = slotSocketPath(opts.runDir, opts.name);
  const name = `${c.network}-gateway-${opts.name}-${Date.now().toString(36)}`;
  const env: Record<string, string> = {
    ...c.env,
    GATEWAY_HOST: '0.0.0.0',
    GATEWAY_PORT: String(CONTAINER_PORT),
    GATEWAY_SLOT: opts.name,
    GATEWAY_SOCKET: socket,
    GATEWAY_ACTIVE_LINK: activeLinkPath(opts.runDir),
    GATEWAY_VERSION: version,
    GATEWAY_CONFIG_DIR: CONFIG_MOUNT,
    // what the registry lists is what the host reaches
    GATEWAY_ADVERTISE_URL: `http://127.0.0.1:${port}`,
    ...opts.env,
  };
  const labels = { ...c.labels, [SLOT_LABEL]: opts.name };
  const id = await dockerOk(
    [
      'run', '--detach', '--name', name,
      '--network', c.network, '--network-alias', `gateway-${opts.name}`,
      ...Object.entries(labels).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      '--volume', `${opts.runDir}:${opts.runDir}`,
      '--volume', `${opts.configDir}:${CONFIG_MOUNT}:ro`,
      '--publish', `127.0.0.1:${port}:${CONTAINER_PORT}`,
      ...Object.keys(env).flatMap((k) => ['--env', k]),
      c.image,
    ],
    { timeoutMs: 60_000, env },
  );
  const pid = await containerPid(id);
  const envKeys = Object.keys(opts.env ?? {}).sort();
  const info: SlotInfo = {
    name: opts.name,
    pid,
    container: id,
    log: `docker logs ${name}`,
    url: `http://127.0.0.1:${port}`,
    socket,
    version,
    configDir: opts.configDir,
    startedAt: new Date().toISOString(),
    ...(envKeys.length ? { envKeys } : {}),
  };
  return { info, logOffset: 0, stop: (graceMs) => stopContainerSlot(id, graceMs), logTail: () => containerLogTail(id) };
}

/** SIGTERM (the slot deregisters and drains), SIGKILL after `graceMs`; the stopped container stays for its log until the run's cleanup. */
export async function stopContainerSlot(id: string, graceMs = 40_000): Promise<void> {
  const r = await docker(['stop', '--time', String(Math.ceil(graceMs / 1000)), id], { timeoutMs: graceMs + 30_000 });
  if (r.code !== 0 && !/No such container/i.test(r.stderr)) throw new Error(`docker stop ${id.slice(0, 12)} failed: ${r.stderr.trim()}`);
}

/** Starts a container slot and waits until it answers /health on its port and listens on its socket. */
export async function startContainerSlot(opts: ContainerSlotOptions, timeoutMs = 180_000): Promise<SlotInfo> {
  const slot = await spawnContainerSlot(opts);
  const { url, socket, container } = slot.info;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await httpOk(`${url}/health`).catch(() => false)) && socketReady(socket)) return slot.info;
    const running = (await containerPid(container as string)) > 0;
    if (!running || Date.now() > deadline) {
      const lines = await containerLogTail(container as string);
      await stopContainerSlot(container as string, 2000).catch(() => undefined);
      const why = running ? `did not become ready within ${Math.round(timeoutMs / 1000)} s` : 'exited during start-up';
      throw new Error(`gateway slot ${opts.name} (container) ${why}; its last log lines: ${lines.join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
