import type { ServiceControl } from '../control.ts';
import { docker, dockerOk } from './docker.ts';

const RESTART_TIMEOUT_MS = 90_000;

/**
 * The network faults the containers target can apply, as services of its ServiceControl:
 * `stop` applies the fault, `start` removes it (so a spec's afterAll that starts whatever it
 * stopped also heals the network).
 * - `qdrant-link`, `redis-link`: the dependency is disconnected from the stack's network, so the
 *   gateway can no longer reach it (open connections hang, new ones fail to resolve); start
 *   connects it again under its alias. The runner still reaches it on its host port.
 * - `qdrant-speed`: what Qdrant sends is held back by a fixed delay: every packet (tc netem, run in
 *   Qdrant's network namespace from a helper container; Qdrant's image needs no tools or rights),
 *   or, on a kernel without netem, every chunk through the delay proxy in front of Qdrant
 *   (delay-proxy.ts). With the proxy, `qdrant-link` still disconnects Qdrant itself: the proxy
 *   stays, and what it can no longer reach is what the gateway sees.
 */
export const NETWORK_FAULTS = ['qdrant-link', 'redis-link', 'qdrant-speed'] as const;

/** The fixed delay `qdrant-speed` adds to what Qdrant sends (VDB_QDRANT_DELAY_MS). */
export function qdrantDelayMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.VDB_QDRANT_DELAY_MS ?? '');
  return Number.isFinite(v) && v > 0 ? v : 250;
}

export interface ContainerDep {
  id: string;
  alias: string;
  ready: () => Promise<boolean>;
}

/** How `qdrant-speed` slows Qdrant: `on` adds the delay, `off` removes it (idempotent). */
export interface QdrantDelay {
  via: 'netem' | 'proxy';
  on(ms: number): Promise<void>;
  off(): Promise<void>;
}

export interface ContainersControlOptions {
  network: string;
  deps: Record<string, ContainerDep>;
  /** For `qdrant-speed`; without it that fault is not offered. */
  delay?: QdrantDelay;
}

async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`${what} not ready ${timeoutMs / 1000} s after it was started again`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Runs `script` (sh) in the network namespace of container `id`, with NET_ADMIN, from the tools image. */
async function inNetns(tools: string, id: string, script: string): Promise<string> {
  return dockerOk(['run', '--rm', '--network', `container:${id}`, '--cap-add', 'NET_ADMIN', '--user', '0', '--entrypoint', 'sh', tools, '-c', script], { timeoutMs: 60_000 });
}

/** Whether this kernel has tc's netem (some, e.g. microVM kernels, have no sch_netem): tried on the loopback of container `id`. */
export async function netemAvailable(tools: string, id: string): Promise<boolean> {
  return inNetns(tools, id, 'tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root').then(
    () => true,
    () => false,
  );
}

const ALL_IFACES = "for i in $(ls /sys/class/net); do [ \"$i\" = lo ] || echo \"$i\"; done";

/** The delay as tc netem on every interface (but lo) of container `id`, from `tools` (an image with iproute2's tc: the nginx image). */
export function netemDelay(tools: string, id: string): QdrantDelay {
  return {
    via: 'netem',
    on: async (ms) => {
      await inNetns(tools, id, `for i in $(${ALL_IFACES}); do tc qdisc replace dev "$i" root netem delay ${ms}ms || exit 1; done`);
    },
    off: async () => {
      await inNetns(tools, id, `for i in $(${ALL_IFACES}); do tc qdisc del dev "$i" root 2>/dev/null; done; true`);
    },
  };
}

export function containersControl(opts: ContainersControlOptions): ServiceControl {
  const dep = (service: string): ContainerDep => {
    const d = opts.deps[service];
    if (!d) throw new Error(`cannot stop or start ${service}: the containers target controls ${Object.keys(opts.deps).join(', ')}`);
    return d;
  };
  const links: Record<string, string> = { 'qdrant-link': 'qdrant', 'redis-link': 'redis' };
  const services = [...Object.keys(opts.deps), ...Object.keys(links).filter((l) => links[l] && opts.deps[links[l]]), ...(opts.delay && opts.deps.qdrant ? ['qdrant-speed'] : [])];

  const connected = async (id: string): Promise<boolean> => {
    const r = await docker(['inspect', '--format', `{{with index .NetworkSettings.Networks "${opts.network}"}}yes{{end}}`, id], { timeoutMs: 10_000 });
    return r.stdout.trim() === 'yes';
  };

  return {
    services,
    async stop(service) {
      const link = links[service];
      if (link) {
        const d = dep(link);
        if (await connected(d.id)) await dockerOk(['network', 'disconnect', '--force', opts.network, d.id], { timeoutMs: 30_000 });
        return;
      }
      if (service === 'qdrant-speed' && opts.delay) {
        await opts.delay.on(qdrantDelayMs());
        return;
      }
      await dockerOk(['stop', '--time', '10', dep(service).id], { timeoutMs: 60_000 });
    },
    async start(service) {
      const link = links[service];
      if (link) {
        const d = dep(link);
        if (!(await connected(d.id))) await dockerOk(['network', 'connect', '--alias', d.alias, opts.network, d.id], { timeoutMs: 30_000 });
        return;
      }
      if (service === 'qdrant-speed' && opts.delay) {
        await opts.delay.off();
        return;
      }
      const d = dep(service);
      await dockerOk(['start', d.id], { timeoutMs: 60_000 });
      await waitUntil(service, d.ready, RESTART_TIMEOUT_MS);
    },
  };
}
