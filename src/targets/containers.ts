import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { linkActive, makeRunDir } from '../launcher/active-link.ts';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { freePort } from '@vdb-readiness/local-process';
import { KEY_ROLES } from '../launcher/services/gateway.ts';
import { qdrantReady } from '../launcher/services/qdrant.ts';
import { redisPing } from '../launcher/services/redis.ts';
import { UnreachableError, errorMessage } from '../util/errors.ts';
import { removeLeftovers, removeRun, runLabels, labelArgs } from './containers/cleanup.ts';
import { docker, dockerOk, imagePresent } from './containers/docker.ts';
import { requireEngine } from './containers/engine.ts';
import { ensureImages, type ImageSet } from './containers/images.ts';
import { prepareRunDir, startGatewaySlotContainer, startNginxContainer } from './containers/front-door.ts';
import { containersControl, netemAvailable } from './containers/service-control.ts';
import { gatewayImageOverride } from './images.ts';
import type { ResolveTargetOptions, Target } from './types.ts';

export { dockerEngineLocation } from './containers/engine.ts';

const START_TIMEOUT_MS = 180_000;
const RYUK_IMAGE = 'testcontainers/ryuk:0.14.0';

/**
 * Publishes a container's ports on 127.0.0.1 only (Docker's default is every interface).
 * testcontainers 11 has no option for the host address: its port bindings are set here.
 */
export function bindLoopback<T extends GenericContainer>(c: T): T {
  const hc = (c as unknown as { hostConfig: { PortBindings?: Record<string, Array<{ HostPort: string; HostIp?: string }>> } }).hostConfig;
  for (const bindings of Object.values(hc.PortBindings ?? {})) for (const b of bindings) b.HostIp = '127.0.0.1';
  return c;
}

/** The containers target with what it ran: `notes` (stand-ins, images built) belong in the run's fingerprint. */
export interface ContainersTarget extends Target {
  kind: 'containers';
  images: ImageSet;
  notes: string[];
  runId: string;
  network: string;
}

/**
 * Containers target: Redis, Qdrant (API key) and the gateway on one Docker network, started
 * with testcontainers. Fails fast, in one line, where no engine answers. Pinned images are used
 * when they can be pulled; else stand-ins are built here (src/targets/containers/images.ts).
 * Redis and Qdrant get fixed host ports so the dependency-fault specs can stop and start them
 * and their URLs stay valid. The gateway allows every client address (`0.0.0.0/0`): behind
 * Docker's port publishing the client is the bridge gateway, not 127.0.0.1; its keys are random.
 * Everything it creates carries the run's labels (containers/cleanup.ts): removed on release,
 * and at the next start when a run was killed.
 */
export async function resolveContainersTarget(opts: ResolveTargetOptions): Promise<ContainersTarget> {
  const log = opts.log ?? (() => undefined);
  const engine = await requireEngine();
  const leftovers = await removeLeftovers();
  if (leftovers.length) log(`containers: removed what ${leftovers.length} killed run(s) left (${leftovers.join(', ')})`);

  // Ryuk (testcontainers' reaper) only when its image is here: pulling it would fail offline.
  // Kept containers must outlive this process, so never with --keep.
  if (opts.keep || !(await imagePresent(RYUK_IMAGE))) process.env.TESTCONTAINERS_RYUK_DISABLED = 'true';

  // Ports are published on 127.0.0.1 only (bindLoopback): testcontainers' waits must not try
  // `localhost`, which may resolve to ::1 first.
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';

  const t0 = Date.now();
  const images = await ensureImages({
    log,
    noPull: process.env.VDB_CONTAINERS_PULL === 'never',
    ...(process.env.VDB_DEBIAN_MIRROR ? { mirror: process.env.VDB_DEBIAN_MIRROR } : {}),
  }, gatewayImageOverride()).catch((err: unknown) => {
    throw new UnreachableError(`--target containers: the images could not be had: ${errorMessage(err)}`);
  });
  log(`containers: engine ${engine}; images ready in ${((Date.now() - t0) / 1000).toFixed(0)} s, built ${images.built.length} images`);
  if (images.standIns.length) log(`containers: no registry for ${images.standIns.length} pinned image(s): stand-ins built here — ${images.standIns.join('; ')}`);

  const runId = `c${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const labels = runLabels(runId, opts.keep);
  const network = `vdb-readiness-${runId}`;
  const cleanup = (): Promise<void> => removeRun(runId);
  const fail = async (what: string, err: unknown): Promise<never> => {
    await cleanup();
    throw new UnreachableError(`--target containers: ${what} failed: ${errorMessage(err)}`);
  };
  await dockerOk(['network', 'create', ...labelArgs(labels), network]).catch((err: unknown) => fail('creating the network', err));

  const tc = await import('testcontainers');
  const step = async (what: string, start: () => Promise<StartedTestContainer>): Promise<StartedTestContainer> => {
    log(`containers: ${what}`);
    return start().catch((err: unknown) => fail(what, err));
  };

  const qdrantKey = randomBytes(24).toString('base64url');
  const keys = Object.fromEntries(KEY_ROLES.map((role) => [role, `gw-${role}-${randomBytes(18).toString('base64url')}`]));
  const [redisPort, qdrantPort] = [await freePort(), await freePort()];

  const redis = await step(`starting Redis (${images.redis.ref})`, () => {
    const c = new tc.GenericContainer(images.redis.ref)
      .withNetworkMode(network)
      .withNetworkAliases('redis')
      .withLabels(labels)
      .withName(`${network}-redis`)
      .withExposedPorts({ container: 6379, host: redisPort });
    bindLoopback(c)
      .withWaitStrategy(tc.Wait.forSuccessfulCommand('redis-cli ping | grep -q PONG'))
      .withStartupTimeout(START_TIMEOUT_MS);
    return (images.redis.standInFor ? c : c.withCommand(['redis-server', '--save', '', '--appendonly', 'no'])).start();
  });
  const qdrant = await step(`starting Qdrant (${images.qdrant.ref})`, () =>
    bindLoopback(
      new tc.GenericContainer(images.qdrant.ref)
        .withNetworkMode(network)
        .withNetworkAliases('qdrant')
        .withLabels(labels)
        .withName(`${network}-qdrant`)
        .withEnvironment({ QDRANT__SERVICE__API_KEY: qdrantKey })
        .withExposedPorts({ container: 6333, host: qdrantPort }),
    )
      .withWaitStrategy(tc.Wait.forHttp('/readyz', 6333))
      .withStartupTimeout(START_TIMEOUT_MS)
      .start(),
  );
  const gatewayEnv = {
    QDRANT_URL: 'http://qdrant:6333',
    QDRANT_API_KEY: qdrantKey,
    REDIS_URL: 'redis://redis:6379',
    GATEWAY_API_KEYS: Object.entries(keys).map(([role, key]) => `${role}=${key}`).join(','),
  };
  const runDir = makeRunDir();
  prepareRunDir(runDir);
  const removeRunDir = (): void => rmSync(runDir, { recursive: true, force: true });
  const failTier = async (what: string, err: unknown): Promise<never> => {
    removeRunDir();
    return fail(what, err);
  };
  linkActive(runDir, 'blue');
  const slotSpec = { tc, image: images.gateway.ref, network, runDir, labels, env: gatewayEnv };
  log(`containers: starting the gateway slot blue (${images.gateway.ref})`);
  const gateway = await startGatewaySlotContainer({ ...slotSpec, name: 'blue', containerName: `${network}-gateway-blue` }).catch((err: unknown) =>
    failTier('starting the gateway slot blue', err),
  );
  log(`containers: starting nginx, the front door (${images.nginx.ref})`);
  const front = await startNginxContainer({ tc, image: images.nginx.ref, runDir, labels, containerName: `${network}-nginx` }).catch((err: unknown) =>
    failTier('starting nginx', err),
  );

  const url = (c: StartedTestContainer, port: number, scheme = 'http'): string => `${scheme}://127.0.0.1:${c.getMappedPort(port)}`;
  const qdrantUrl = url(qdrant, 6333);
  const redisUrl = url(redis, 6379, 'redis');
  const netem = await netemAvailable(images.nginx.ref, gateway.getId());
  if (!netem) log('containers: this kernel has no netem (tc): the Qdrant-delay network fault is not offered');
  const control = containersControl({
    network,
    gateway: gateway.getId(),
    ...(netem ? { toolsImage: images.nginx.ref } : {}),
    deps: {
      redis: { id: redis.getId(), alias: 'redis', ready: () => redisPing(redisUrl) },
      qdrant: { id: qdrant.getId(), alias: 'qdrant', ready: () => qdrantReady(qdrantUrl) },
    },
  });

  const notes = [
    `containers target: engine ${engine}`,
    ...images.standIns.map((s) => `stand-in image: ${s}`),
  ];
  if (images.qdrant.engine === 'qdrant-local') notes.push('Qdrant is qdrant-local (the project\'s Qdrant-compatible server), not Qdrant itself');

  return {
    kind: 'containers',
    gateway: { url: front.url, apiKey: keys.load as string, keys },
    qdrant: { url: qdrantUrl, apiKey: qdrantKey },
    redis: { url: redisUrl },
    control,
    images,
    notes,
    runId,
    network,
    release: async () => {
      if (!opts.keep) {
        await cleanup();
        removeRunDir();
        return;
      }
      log(`containers kept running: remove them with \`docker rm -f $(docker ps -aq --filter label=vdb-readiness.run=${runId}) && docker network rm ${network}\``);
    },
  };
}

/** `docker inspect` of one container's state, for tests. */
export async function containerRunning(id: string): Promise<boolean> {
  const r = await docker(['inspect', '--format', '{{.State.Running}}', id], { timeoutMs: 10_000 });
  return r.code === 0 && r.stdout.trim() === 'true';
}
