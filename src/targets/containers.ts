import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { linkActive, makeRunDir } from '../launcher/active-link.ts';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { freePort } from '@vdb-readiness/local-process';
import { KEY_ROLES } from '../launcher/services/gateway.ts';
import { qdrantReady } from '../launcher/services/qdrant.ts';
import { redisPing } from '../launcher/services/redis.ts';
import { UnreachableError, errorMessage } from '../util/errors.ts';
import { RUN_LABEL, removeLeftovers, removeRun, runLabels, labelArgs } from './containers/cleanup.ts';
import { dockerOk, imagePresent } from './containers/docker.ts';
import { requireEngine } from './containers/engine.ts';
import { ensureImages, type ImageSet } from './containers/images.ts';
import { prepareRunDir, startNginxContainer } from './containers/front-door.ts';
import { containerPid, startContainerSlot } from '../launcher/services/gateway-container.ts';
import { defaultGatewayConfigDir } from '../launcher/gateway-config.ts';
import { writeStackInfo } from '../launcher/launcher.ts';
import type { ContainersInfo } from '../launcher/types.ts';
import { localDeployControl } from './local-deploy.ts';
import { containersControl, netemAvailable, netemDelay } from './containers/service-control.ts';
import { UPSTREAM_ALIAS, startDelayProxy, toxiproxyBinary } from './containers/delay-proxy.ts';
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
 * and their URLs stay valid. The gateway tier is laid out like the local stack's (slots as
 * containers, containers/front-door.ts), with a stack.json in its run folder, so src/deploy
 * deploys and rolls back on it; its keys are random.
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
  log(`containers: run ${runId}: everything it creates carries the label ${RUN_LABEL}=${runId}`);
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
  // The Qdrant-delay fault: tc netem where the kernel has it (tried in Redis's network namespace),
  // else a TCP delay proxy answering as `qdrant` in front of Qdrant (containers/delay-proxy.ts).
  // Decided before Qdrant starts: with the proxy, Qdrant's alias is the proxy's upstream. Only
  // for a run that applies network faults: the proxy is one more hop on every search.
  const netem = opts.networkFaults ? await netemAvailable(images.nginx.ref, redis.getId()) : false;
  const proxyBinary = netem || !opts.networkFaults
    ? undefined
    : await toxiproxyBinary(log).catch((err: unknown) => {
        log(`containers: this kernel has no netem (tc) and the delay proxy could not be had (${errorMessage(err)}): the Qdrant-delay network fault is not offered`);
        return undefined;
      });
  const qdrantAlias = proxyBinary ? UPSTREAM_ALIAS : 'qdrant';
  const qdrant = await step(`starting Qdrant (${images.qdrant.ref})`, () =>
    bindLoopback(
      new tc.GenericContainer(images.qdrant.ref)
        .withNetworkMode(network)
        .withNetworkAliases(qdrantAlias)
        .withLabels(labels)
        .withName(`${network}-qdrant`)
        .withEnvironment({ QDRANT__SERVICE__API_KEY: qdrantKey })
        .withExposedPorts({ container: 6333, host: qdrantPort }),
    )
      .withWaitStrategy(tc.Wait.forHttp('/readyz', 6333))
      .withStartupTimeout(START_TIMEOUT_MS)
      .start(),
  );
  if (proxyBinary) log('containers: this kernel has no netem (tc): starting a TCP delay proxy (toxiproxy) in front of Qdrant for the Qdrant-delay fault');
  const delayProxy = proxyBinary
    ? await startDelayProxy({ binary: proxyBinary, image: images.nginx.ref, network, labels, name: `${network}-qdrant-delay` }).catch((err: unknown) => fail('starting the Qdrant delay proxy', err))
    : undefined;
  const runDir = makeRunDir();
  prepareRunDir(runDir);
  const removeRunDir = (): void => rmSync(runDir, { recursive: true, force: true });
  const failTier = async (what: string, err: unknown): Promise<never> => {
    removeRunDir();
    return fail(what, err);
  };
  // Direct requests to a slot's published port come from the network's bridge address; the
  // front door's come over the socket (127.0.0.1): both are allowed, nothing else.
  const bridge = await dockerOk(['network', 'inspect', '--format', '{{range .IPAM.Config}}{{.Gateway}} {{end}}', network]).catch((err: unknown) => failTier('reading the network', err));
  const containersInfo: ContainersInfo = {
    runId,
    network,
    image: images.gateway.ref,
    labels,
    env: {
      QDRANT_URL: 'http://qdrant:6333',
      QDRANT_API_KEY: qdrantKey,
      REDIS_URL: 'redis://redis:6379',
      GATEWAY_API_KEYS: Object.entries(keys).map(([role, key]) => `${role}=${key}`).join(','),
      GATEWAY_IP_ALLOWLIST: ['127.0.0.1/32', ...bridge.split(/\s+/).filter(Boolean).map((ip) => `${ip}/32`)].join(','),
    },
  };
  linkActive(runDir, 'blue');
  log(`containers: starting the gateway slot blue (${images.gateway.ref})`);
  const blue = await startContainerSlot({ name: 'blue', runDir, containers: containersInfo, configDir: defaultGatewayConfigDir() }).catch((err: unknown) =>
    failTier('starting the gateway slot blue', err),
  );
  log(`containers: starting nginx, the front door (${images.nginx.ref})`);
  const front = await startNginxContainer({ tc, image: images.nginx.ref, runDir, labels, containerName: `${network}-nginx` }).catch((err: unknown) =>
    failTier('starting nginx', err),
  );

  const url = (c: StartedTestContainer, port: number, scheme = 'http'): string => `${scheme}://127.0.0.1:${c.getMappedPort(port)}`;
  const qdrantUrl = url(qdrant, 6333);
  const redisUrl = url(redis, 6379, 'redis');
  const delay = netem ? netemDelay(images.nginx.ref, qdrant.getId()) : delayProxy;
  const control = containersControl({
    network,
    ...(delay ? { delay } : {}),
    deps: {
      redis: { id: redis.getId(), alias: 'redis', ready: () => redisPing(redisUrl) },
      qdrant: { id: qdrant.getId(), alias: qdrantAlias, ready: () => qdrantReady(qdrantUrl) },
    },
  });

  const notes = [
    `containers target: engine ${engine}`,
    ...images.standIns.map((s) => `stand-in image: ${s}`),
  ];
  if (images.qdrant.engine === 'qdrant-local') notes.push('Qdrant is qdrant-local (the project\'s Qdrant-compatible server), not Qdrant itself');
  if (delayProxy) notes.push('Qdrant delay through a TCP delay proxy (this kernel has no netem)');
  else if (!delay && opts.networkFaults) notes.push('no Qdrant-delay fault: this kernel has no netem and the delay proxy could not be had');

  // The run's stack.json, in its run folder: what the deployer (src/deploy) reads to add,
  // switch and stop slots, as on the local stack (`npm run deploy -- --dir <runDir>` with --keep).
  writeStackInfo({
    schemaVersion: 1,
    dir: runDir,
    startedAt: new Date().toISOString(),
    qdrant: { pid: await containerPid(qdrant.getId()), log: `docker logs ${network}-qdrant`, url: qdrantUrl, apiKey: qdrantKey, engine: images.qdrant.engine ?? 'qdrant', version: images.qdrant.ref, storagePath: '' },
    redis: { pid: await containerPid(redis.getId()), log: `docker logs ${network}-redis`, url: redisUrl },
    gateway: {
      url: front.url,
      apiKey: keys.load as string,
      keys,
      nginx: { pid: await containerPid(front.container.getId()), log: join(runDir, 'nginx', 'logs', 'error.log'), configPath: join(runDir, 'nginx', 'conf', 'nginx.conf') },
      runDir,
      slots: [blue],
      active: 'blue',
    },
    pids: [],
    containers: containersInfo,
  });

  return {
    kind: 'containers',
    gateway: { url: front.url, apiKey: keys.load as string, keys },
    qdrant: { url: qdrantUrl, apiKey: qdrantKey },
    redis: { url: redisUrl },
    control,
    deploy: localDeployControl(runDir, `containers ${runDir} (slots as containers on ${network})`),
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
      log(`containers kept running (stack.json in ${runDir}: \`npm run deploy -- --dir ${runDir}\` deploys to it): remove them with \`docker rm -f $(docker ps -aq --filter label=vdb-readiness.run=${runId}) && docker network rm ${network}\``);
    },
  };
}
